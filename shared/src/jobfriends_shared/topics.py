"""The topic catalogue: every Kafka topic, who writes it, who reads it, and how it is kept.

Topics are created from this list at start-up, so the catalogue and the cluster cannot drift.
Names are `<owner>.<aggregate>`, keyed by the aggregate id so per-aggregate order holds; each has
a `.dlt` dead-letter twin for messages that keep failing.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    producer: str
    consumers: tuple[str, ...]
    description: str
    partitions: int = 6
    retention_ms: int = 30 * DAY_MS
    compacted: bool = False

    @property
    def dead_letter(self) -> str:
        return f"{self.name}.dlt"

    def config(self) -> dict[str, str]:
        """Broker-side topic settings: compaction for changelogs, time retention otherwise."""
        if self.compacted:
            return {"cleanup.policy": "compact"}
        return {"cleanup.policy": "delete", "retention.ms": str(self.retention_ms)}


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        name="identity.users",
        key="user_id of the person the fact is about (the blocker for blocks)",
        producer="identity",
        consumers=("feed", "events", "matching", "notifications"),
        description="Accounts and profiles: registrations, profile changes, milestones, "
        "endorsements, blocks and erasures.",
        retention_ms=365 * DAY_MS,
    ),
    TopicSpec(
        name="feed.posts",
        key="post_id",
        producer="feed",
        consumers=("matching", "notifications"),
        description="Posts, reactions, comments, mentions and help requests.",
    ),
    TopicSpec(
        name="feed.social",
        key="user_id or group_id the fact is about",
        producer="feed",
        consumers=("matching", "events", "notifications"),
        description="Follows of people and hashtags, groups and their members.",
    ),
    TopicSpec(
        name="feed.cache",
        key="the collection whose documents changed",
        producer="feed",
        consumers=("feed",),
        description="Internal to the feed: which stored documents changed, so that every feed "
        "instance drops its in-memory copies of them. Not a business fact; analysts can skip it.",
        partitions=1,
        retention_ms=60 * 60 * 1000,
    ),
    TopicSpec(
        name="events.events",
        key="event_id",
        producer="events",
        consumers=("matching", "notifications"),
        description="Local events, RSVPs, waitlist promotions, check-ins and reminders.",
    ),
    TopicSpec(
        name="matching.connections",
        key="the pair id (both user ids, sorted)",
        producer="matching",
        consumers=("identity", "feed", "events", "notifications"),
        description="Connection requests and their outcome, tribes and keep-in-touch nudges.",
    ),
    TopicSpec(
        name="matching.suggestions",
        key="user_id",
        producer="matching",
        consumers=("events", "notifications"),
        description="Refreshes of a person's match suggestions.",
        partitions=3,
        retention_ms=7 * DAY_MS,
    ),
    TopicSpec(
        name="notifications.notifications",
        key="recipient user_id",
        producer="notifications",
        consumers=(),
        description="Notifications created and read, digests sent (engagement analytics).",
        partitions=3,
    ),
)

_BY_NAME = {t.name: t for t in TOPICS}


def topic(name: str) -> TopicSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the topic catalogue") from None


def physical_name(name: str, prefix: str = "") -> str:
    """The name on the cluster: a prefix lets test runs and tenants share one cluster."""
    return f"{prefix}{name}"
