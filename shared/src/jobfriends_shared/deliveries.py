"""A poll's records on their way through the consumer: each as a `Delivery`, parsed with the
handler that takes it, grouped by partition (whose order must hold) and cut into the runs of
consecutive events that one handler call applies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jobfriends_shared.envelope import Envelope


@dataclass(frozen=True)
class Delivery:
    """One Kafka record as the consumer sees it; `partition` keeps its order among others."""

    raw: bytes
    topic: str
    key: bytes | None = None
    partition: int = 0
    where: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Registered:
    """A handler of one (type, version), always called with a sequence of events: a per-event
    handler's sequences hold one."""

    apply: Callable[[Sequence[tuple[Envelope, Any]]], Awaitable[None]]
    batched: bool


@dataclass(frozen=True)
class Parsed:
    index: int
    delivery: Delivery
    envelope: Envelope
    payload: Any
    handler: Registered

    @property
    def event_id(self) -> str:
        return str(self.envelope.id)


def by_partition(items: list[Parsed]) -> list[list[Parsed]]:
    """The batch's events per partition, each in its partition's order."""
    groups: dict[tuple[str, int], list[Parsed]] = {}
    for item in items:
        groups.setdefault((item.delivery.topic, item.delivery.partition), []).append(item)
    return list(groups.values())


def chunks(items: list[Parsed]) -> list[list[Parsed]]:
    """Consecutive events of one batch handler together; every other event alone."""
    chunks: list[list[Parsed]] = []
    for item in items:
        last = chunks[-1] if chunks else None
        if last and item.handler.batched and last[0].handler is item.handler:
            last.append(item)
        else:
            chunks.append([item])
    return chunks
