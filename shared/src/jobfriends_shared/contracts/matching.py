"""Events produced by the matching service on `matching.connections`.

Connection events are keyed by the pair id (both user ids, sorted), so every event about one
pair lands in one partition, in order.
"""

from __future__ import annotations

from datetime import datetime

from jobfriends_shared.contracts.base import Payload, event

TOPIC = "matching.connections"


def pair_id(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"{first}:{second}"


class _PairEvent(Payload):
    pair_id: str
    from_user_id: str
    to_user_id: str


@event(
    "connection.requested",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="`from_user_id` asked `to_user_id` to connect, saying why in `note`.",
)
class ConnectionRequested(_PairEvent):
    request_id: str
    note: str


@event(
    "connection.accepted",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="The two people are now connected (`to_user_id` accepted).",
)
class ConnectionAccepted(_PairEvent):
    request_id: str


@event(
    "connection.declined",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="`to_user_id` declined; the sender is never told.",
)
class ConnectionDeclined(_PairEvent):
    request_id: str


@event(
    "connection.withdrawn",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="`from_user_id` withdrew a pending request.",
)
class ConnectionWithdrawn(_PairEvent):
    request_id: str


@event(
    "connection.expired",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="A request nobody answered was closed when its lifetime ran out.",
)
class ConnectionExpired(_PairEvent):
    request_id: str


@event(
    "connection.removed",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="`from_user_id` removed the connection with `to_user_id`.",
)
class ConnectionRemoved(_PairEvent):
    pass


@event(
    "tribe.member_added",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="`owner_id` added the connection `member_id` to their tribe.",
)
class TribeMemberAdded(Payload):
    pair_id: str
    owner_id: str
    member_id: str


@event(
    "tribe.member_removed",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="`owner_id` removed `member_id` from their tribe.",
)
class TribeMemberRemoved(Payload):
    pair_id: str
    owner_id: str
    member_id: str


@event(
    "nudge.due",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="Time for `user_id` to get in touch with `friend_id`, with a conversation starter.",
)
class NudgeDue(Payload):
    pair_id: str
    user_id: str
    friend_id: str
    nudge_id: str
    starter: str
    reason: str
    starter_kind: str | None = None
    cadence: str | None = None
    due_at: datetime | None = None
    last_interaction_at: datetime | None = None


@event(
    "match.suggestions_refreshed",
    version=1,
    topic_name="matching.suggestions",
    key="user_id",
    description="A person's suggestions changed; `top` lists the best few user ids.",
)
class SuggestionsRefreshed(Payload):
    user_id: str
    count: int
    top: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
