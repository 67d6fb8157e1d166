"""The service registry: every JobFriends process declared once.

A declaration says what only this place may say: the process's name and port, the topics it
owns (with their partitions, retention and compaction), the topics it consumes, and the public
paths the gateway sends to it with their access class. Everything else follows from it or is
checked against it by a test: the topic catalogue and topic creation (`topics.py`), the
gateway's route table and upstream URLs, the local process list (`infra/bin/services.sh` reads
`python -m jobfriends_shared.registry processes`), and the Compose file, the Kubernetes base,
the Makefile, the workspace and each service's settings (`tests/unit/test_registry.py` lists
what it checks). Adding a service is its package plus one `ServiceSpec` here: README.md shows how.

Nothing here imports a service: a registry entry is data, so the gateway and the tools can read
it without pulling any service's code in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A Kafka topic as the catalogue describes it. `producer` and `consumers` are filled in
    from the registry (`topics.TOPICS`): a topic names its owner by where it is declared."""

    name: str
    key: str
    description: str
    partitions: int = 6
    retention_ms: int = 30 * DAY_MS
    compacted: bool = False
    producer: str = ""
    consumers: tuple[str, ...] = ()

    @property
    def dead_letter(self) -> str:
        return f"{self.name}.dlt"

    def config(self) -> dict[str, str]:
        """Broker-side topic settings: compaction for changelogs, time retention otherwise."""
        if self.compacted:
            return {"cleanup.policy": "compact"}
        return {"cleanup.policy": "delete", "retention.ms": str(self.retention_ms)}


class Access(StrEnum):
    """How the gateway lets a request through, and which rate limit it spends."""

    SIGNED_IN = "signed-in"  # a signed-in person (a token); the per-person limit
    PUBLIC = "public"  # anyone, no token; the per-client-IP limit
    STREAM = "stream"  # a signed-in person's long-lived stream; the gateway's own stream pool


@dataclass(frozen=True)
class RouteSpec:
    """Paths the gateway sends to a service: those starting with `path` (`*` is one segment,
    e.g. an id), or only `path` itself when `exact`. `access` lists endpoints of this prefix
    that differ from the default (a token): `("POST /v1/auth/token", Access.PUBLIC)`."""

    path: str
    exact: bool = False
    access: tuple[tuple[str, Access], ...] = ()

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.path.strip("/").split("/"))


def routes(
    *paths: str,
    exact: tuple[str, ...] = (),
    public: tuple[str, ...] = (),
    streams: tuple[str, ...] = (),
) -> tuple[RouteSpec, ...]:
    """Route prefixes with the endpoints (`"METHOD /path"`) under them that are public or
    streams; every other endpoint needs a token."""
    special = [(e, Access.PUBLIC) for e in public] + [(e, Access.STREAM) for e in streams]
    declared = [(p, False) for p in paths] + [(p, True) for p in exact]
    specs = []
    for path, is_exact in declared:
        mine = tuple(
            (endpoint, access)
            for endpoint, access in special
            if endpoint.split(" ", 1)[1] == path
            or (not is_exact and endpoint.split(" ", 1)[1].startswith(path.rstrip("/") + "/"))
        )
        specs.append(RouteSpec(path, is_exact, mine))
    return tuple(specs)


@dataclass(frozen=True)
class ServiceSpec:
    """One process. `owns` are the topics it alone writes; `consumes` the topics its typed
    handlers read (its own included when it reads its own events); `routes` what the gateway
    forwards to it. `stores_data` is false only for the gateway (no database, no broker)."""

    name: str
    port: int
    summary: str
    owns: tuple[TopicSpec, ...] = ()
    consumes: tuple[str, ...] = ()
    routes: tuple[RouteSpec, ...] = ()
    stores_data: bool = True

    @property
    def env_prefix(self) -> str:
        return f"{self.name.upper()}_"

    @property
    def database(self) -> str:
        return f"jobfriends_{self.name}"


GATEWAY = ServiceSpec(
    name="gateway",
    port=8000,
    summary="the public API (/v1, /docs): authenticates, rate-limits and forwards",
    stores_data=False,
)

SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        name="identity",
        port=8001,
        summary="accounts, sign-in and the signed tokens the gateway verifies (JWKS)",
        owns=(
            TopicSpec(
                name="identity.users",
                key="user_id of the person the fact is about (the blocker for blocks)",
                description="Accounts and profiles: registrations, profile changes, milestones, "
                "endorsements, blocks and erasures.",
                retention_ms=365 * DAY_MS,
            ),
        ),
        consumes=("identity.users", "matching.connections"),
        routes=routes(
            "/v1/auth",
            "/v1/me",
            "/v1/me/milestones",
            "/v1/professions",
            "/v1/users/*/endorsements",
            "/v1/users/*/block",
            "/v1/users/*/milestones",
            exact=("/.well-known/jwks.json", "/v1/users/*"),
            public=(
                "POST /v1/auth/register",
                "POST /v1/auth/token",
                "POST /v1/auth/refresh",
                "GET /.well-known/jwks.json",
                "GET /v1/professions",
            ),
        ),
    ),
    ServiceSpec(
        name="feed",
        port=8002,
        summary="posts, comments, reactions, timelines, follows, hashtags and groups",
        owns=(
            TopicSpec(
                name="feed.posts",
                key="post_id",
                description="Posts, reactions, comments, mentions and help requests.",
            ),
            TopicSpec(
                name="feed.social",
                key="user_id or group_id the fact is about",
                description="Follows of people and hashtags, groups and their members.",
            ),
            TopicSpec(
                name="feed.cache",
                key="the collection whose documents changed",
                description="Internal to the feed: which stored documents changed, so that "
                "every feed instance drops its in-memory copies of them. Not a business fact; "
                "analysts can skip it.",
                partitions=1,
                retention_ms=60 * 60 * 1000,
            ),
        ),
        consumes=("identity.users", "matching.connections", "feed.posts", "feed.cache"),
        routes=routes(
            "/v1/users/*/posts",
            "/v1/users/*/follow",
            "/v1/posts",
            "/v1/feed",
            "/v1/hashtags",
            "/v1/groups",
        ),
    ),
    ServiceSpec(
        name="events",
        port=8003,
        summary="events, RSVPs, check-ins and calendar feeds",
        owns=(
            TopicSpec(
                name="events.events",
                key="event_id",
                description="Local events, RSVPs, waitlist promotions, check-ins and reminders.",
            ),
        ),
        consumes=(
            "identity.users",
            "feed.social",
            "matching.connections",
            "matching.suggestions",
        ),
        routes=routes("/v1/events", "/v1/me/calendar.ics"),
    ),
    ServiceSpec(
        name="matching",
        port=8004,
        summary="match suggestions, connection requests and tribes",
        owns=(
            TopicSpec(
                name="matching.connections",
                key="the pair id (both user ids, sorted)",
                description="Connection requests and their outcome, tribes and keep-in-touch "
                "nudges.",
            ),
            TopicSpec(
                name="matching.suggestions",
                key="user_id",
                description="Refreshes of a person's match suggestions.",
                partitions=3,
                retention_ms=7 * DAY_MS,
            ),
        ),
        consumes=(
            "identity.users",
            "feed.posts",
            "feed.social",
            "events.events",
            "messaging.conversations",
        ),
        routes=routes("/v1/matches", "/v1/connections", "/v1/tribe"),
    ),
    ServiceSpec(
        name="notifications",
        port=8005,
        summary="in-app notifications, the live stream (server-sent events) and email digests",
        owns=(
            TopicSpec(
                name="notifications.notifications",
                key="recipient user_id",
                description="Notifications created and read, digests sent (engagement analytics).",
                partitions=3,
            ),
        ),
        consumes=(
            "identity.users",
            "feed.posts",
            "feed.social",
            "events.events",
            "matching.connections",
            "matching.suggestions",
            "notifications.notifications",
            "messaging.conversations",
        ),
        routes=routes(
            "/v1/notifications",
            "/v1/me/notification-settings",
            streams=("GET /v1/notifications/stream",),
        ),
    ),
    ServiceSpec(
        name="messaging",
        port=8006,
        summary="direct and group conversations, message requests, read marks and their stream",
        owns=(
            TopicSpec(
                name="messaging.conversations",
                key="conversation_id (a message request's id until it is accepted)",
                description="Conversations started and changed, messages sent, edited and "
                "deleted, read marks, message requests and unread messages waiting for someone. "
                "Messages are named by id and number with their length, never their text.",
            ),
        ),
        consumes=("identity.users", "matching.connections", "messaging.conversations"),
        routes=routes(
            "/v1/conversations",
            "/v1/message-requests",
            "/v1/me/messages",
            streams=("GET /v1/conversations/stream",),
        ),
    ),
)

PROCESSES: tuple[ServiceSpec, ...] = (*SERVICES, GATEWAY)
"""Every process, in start order: the services, then the gateway that fronts them."""


def service(name: str) -> ServiceSpec:
    for spec in PROCESSES:
        if spec.name == name:
            return spec
    raise KeyError(f"{name!r} is not in the service registry")


def _print_processes() -> None:
    """`name port` per line, for shell scripts that start the processes."""
    for spec in PROCESSES:
        print(spec.name, spec.port)


if __name__ == "__main__":
    if sys.argv[1:] != ["processes"]:
        sys.exit("usage: python -m jobfriends_shared.registry processes")
    _print_processes()
