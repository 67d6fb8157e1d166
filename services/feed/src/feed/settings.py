"""Settings of the feed service (environment variables prefixed `FEED_`)."""

from jobfriends_shared.registry import service
from jobfriends_shared.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

_DECLARED = service("feed")  # port, env prefix and database come from the registry


class FeedSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=_DECLARED.env_prefix, extra="ignore")

    port: int = _DECLARED.port
    database: str = _DECLARED.database
    fanout_threshold: int = Field(
        10_000,
        ge=0,
        le=100_000,
        description="Audiences up to this size get posts written into each member's timeline; "
        "larger ones (very followed people, hashtags, groups) are merged in when read",
    )
    timeline_cap: int = Field(
        800, ge=20, le=10_000, description="Newest entries kept per person's timeline"
    )
    timeline_shards: int = Field(
        32,
        ge=1,
        le=256,
        description="Timeline collections (by person); see repository.timeline for why",
    )
    backfill_posts: int = Field(
        20, ge=0, le=200, description="Recent posts copied into a timeline on a new follow"
    )
    tribe_window_hours: int = Field(
        72, ge=1, le=24 * 30, description="How recent tribe help requests/milestones surface"
    )
    tribe_surface_max: int = Field(3, ge=0, le=5)
    trending_window_hours: int = Field(24, ge=1, le=24 * 7)
    trim_every_seconds: float = Field(300.0, gt=0)
    repair_every_seconds: float = Field(60.0, gt=0)
    repair_grace_seconds: int = Field(
        30, ge=0, description="A fan-out not finished this long after the post is redone"
    )
    repair_window_hours: int = Field(6, ge=1)
    big_sources_cache_seconds: float = Field(
        5.0, ge=0, description="How long an instance reuses its list of merge-on-read sources"
    )
    cache_entries: int = Field(
        100_000,
        ge=0,
        le=10_000_000,
        description="Stored documents each instance keeps in memory for point reads (posts, "
        "counts, cards, relations); 0 turns the copies off",
    )
    cache_seconds: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="Longest an instance serves a copy without re-reading it; other instances' "
        "writes reach it sooner, announced on feed.cache",
    )
