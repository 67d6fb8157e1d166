"""Settings of the matching service (environment variables prefixed `MATCHING_`)."""

from jobfriends_shared.registry import service
from jobfriends_shared.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

_DECLARED = service("matching")  # port, env prefix and database come from the registry


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=_DECLARED.env_prefix, extra="ignore")

    port: int = _DECLARED.port
    database: str = _DECLARED.database
    suggestions_kept: int = Field(30, ge=5, le=100, description="Suggestions stored per intent")
    refresh_cap: int = Field(150, ge=10, le=2000, description="Most lists one change may recompute")
    daily_request_cap: int = Field(20, ge=1, le=500, description="Requests a person may send a day")
    pending_request_cap: int = Field(
        50, ge=1, le=500, description="Requests a person may have waiting for an answer"
    )
    request_ttl_days: int = Field(30, ge=1, le=365, description="When an unanswered request closes")
    backlog_interval_seconds: float = Field(
        0.1, gt=0, description="Pause between runs of the neighbours' list refresh (coalescing)"
    )
    consumer_workers: int = Field(
        2,
        ge=1,
        le=32,
        description="Partitions of one topic handled concurrently (order within a partition "
        "holds): an event's handling is a dozen store round trips (~0.3 s at a steady rate), "
        "and one at a time per topic the next event of another partition queued behind it "
        "(measured p99 ~1 s of waiting before the handler started)",
    )
    relay_batch: int = Field(
        100,
        ge=10,
        le=1000,
        description="Outbox entries the relay settles at a time: its recovery pass deletes "
        "each published entry with its own `_id` delete, all of a batch at once; 500 (the "
        "platform's) made bursts that every write on an event's path queued behind",
    )
    relay_recover_every_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Pause between the relay's recovery passes: short, so each pass settles "
        "a second's worth of published entries instead of a burst of five seconds' worth",
    )
    fetch_max_wait_ms: int | None = Field(
        25,
        ge=1,
        le=5000,
        description="Its consumers sit on the path from a profile or RSVP to refreshed lists: a "
        "shorter fetch wait than the platform's bounds how long a partition's next records wait "
        "behind a fetch parked for the others (bench match-incremental: p99 wait before the "
        "handler ~0.2 s at 25 ms, ~0.65 s at 50). Measured idle cost with two workers on four "
        "topics: ~10% of a core at 25 ms, ~5% at 50, ~3% at 100",
    )
    sync_interval_seconds: float = Field(0.5, gt=0, description="Journal tail (index freshness)")
    nudge_interval_seconds: float = Field(3600, gt=0)
    expiry_interval_seconds: float = Field(600, gt=0)
    settle_interval_seconds: float = Field(30, gt=0)
    housekeeping_interval_seconds: float = Field(6 * 3600, gt=0)
    rebuild_check_seconds: float = Field(
        3600, gt=0, description="How often to check whether today's full rebuild is done"
    )
