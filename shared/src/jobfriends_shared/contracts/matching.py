"""Events produced by the matching service on `matching.connections`.

Connection events are keyed by the pair id (both user ids, sorted), so every event about one
pair lands in one partition, in order.
"""

from __future__ import annotations

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
    "connection.removed",
    version=1,
    topic_name=TOPIC,
    key="pair_id",
    description="`from_user_id` removed the connection with `to_user_id`.",
)
class ConnectionRemoved(_PairEvent):
    pass
