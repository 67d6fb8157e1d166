"""Live delivery: the streams this instance holds, and what wakes them.

Messaging has a stream of its own (`GET /v1/conversations/stream`) rather than the
notifications stream, because the two carry different things at different rates: the
notification stream is a person's durable inbox, numbered per person so it can resume without
gaps, and it stores what it sends; a conversation sends many more events (each message, edit
and read mark), whose text lives only here, where erasure reaches it. Routing messages through
notifications would copy every text into its store and add a second consumer hop to each
message's latency.

Every fact reaches every instance as an event on `messaging.conversations` through a broadcast
subscription (a consumer group of its own per instance); the instance that made the change also
hands it to its own streams at once, without the Kafka hop, and ignores the echo. The events
carry no text (analysts read the topic), so a stream reads each message from the store, by
`_id`, before sending it: it always sends the message as it is now (edited, deleted, erased).

A stream does not resume: a client that reconnects reloads its conversation list and asks the
open conversation for what came after the last number it holds (`after` cursor). A listener
that falls too far behind gets `event: resync` and does the same.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from jobfriends_shared.consumer import EventConsumer, Outcome
from jobfriends_shared.contracts.messaging import MessageSent
from jobfriends_shared.deliveries import Delivery
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.streams import Connections
from pydantic import ValidationError

KEEPALIVE = b": keep-alive\n\n"
RETRY_MS = 3000
BACKLOG = 500  # events one listener may hold before it is told to resync
MESSAGE_EVENTS = ("message.sent", "message.edited", "message.deleted")

# message ids -> the messages as clients see them (missing ids: gone, not sent)
LoadMessages = Callable[[Sequence[str]], Awaitable[dict[str, dict[str, Any]]]]


def audience(envelope: Envelope) -> set[str]:
    """Whose streams hear this event: the people it names."""
    payload = envelope.payload
    people: set[str] = set()
    for field in ("recipient_ids", "participant_ids", "removed"):
        value = payload.get(field)
        if isinstance(value, list):
            people.update(str(v) for v in value)
    for field in ("sender_id", "user_id", "from_user_id", "to_user_id"):
        value = payload.get(field)
        if isinstance(value, str):
            people.add(value)
    return people


class Listener:
    __slots__ = ("items", "known", "overflowed", "signal", "user_id")

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.signal = asyncio.Event()
        self.items: list[Envelope] = []
        # Messages this instance has just stored and handed over, by id: sent without a read.
        self.known: dict[str, dict[str, Any]] = {}
        self.overflowed = False

    def push(self, envelope: Envelope, message: dict[str, Any] | None = None) -> None:
        if len(self.items) >= BACKLOG:
            self.items.clear()
            self.known.clear()
            self.overflowed = True
        else:
            self.items.append(envelope)
            if message is not None:
                self.known[str(message["id"])] = message
        self.signal.set()

    def take(self) -> tuple[list[Envelope], dict[str, dict[str, Any]], bool]:
        items, known, overflowed = self.items, self.known, self.overflowed
        self.items, self.known, self.overflowed = [], {}, False
        return items, known, overflowed


class Hub(Connections[Listener]):
    """The streams connected to this instance, by person."""

    def __init__(self, per_person: int, remember: int = 10_000) -> None:
        super().__init__(per_person, Listener, remember)
        self.delivered = 0

    def publish(self, envelope: Envelope, message: dict[str, Any] | None = None) -> None:
        """An event this instance has just recorded: to its own streams now, with the message
        as stored (if the event is about one), which they send without reading it back."""
        self.hand(str(envelope.id))
        self._deliver(envelope, message)

    def hear(self, envelope: Envelope) -> bool:
        """An event from the broadcast subscription; False when it was handed here already."""
        if self.handed(str(envelope.id)):
            return False
        self._deliver(envelope)
        return True

    def _deliver(self, envelope: Envelope, message: dict[str, Any] | None = None) -> None:
        for user_id in audience(envelope):
            for listener in self.listeners(user_id):
                listener.push(envelope, message)
                self.delivered += 1


def sse(event: str, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
    return f"event: {event}\ndata: {data}\n\n".encode()


async def render(
    items: Sequence[Envelope], load: LoadMessages, known: dict[str, dict[str, Any]] | None = None
) -> list[bytes]:
    """Stream frames for a batch of events: messages this instance handed over as it stored
    them, the others read from the store in one query (each once, as it is now), other facts
    as they are."""
    known = known or {}
    ids = [
        f"{e.payload['conversation_id']}|{e.payload['seq']}"
        for e in items
        if e.type in MESSAGE_EVENTS
    ]
    unknown = [i for i in dict.fromkeys(ids) if i not in known]
    messages = {**known, **(await load(unknown) if unknown else {})}
    frames: list[bytes] = []
    sent: set[str] = set()
    for envelope in items:
        payload = envelope.payload
        if envelope.type in MESSAGE_EVENTS:
            key = f"{payload['conversation_id']}|{payload['seq']}"
            if key in messages and key not in sent:
                sent.add(key)
                frames.append(sse("message", messages[key]))
        elif envelope.type == "conversation.read":
            read = {k: payload[k] for k in ("conversation_id", "user_id", "seq")}
            frames.append(sse("read", read))
        elif envelope.type.startswith("message_request."):
            frames.append(sse("request", {"type": envelope.type, "id": payload["request_id"]}))
        else:
            change = {"type": envelope.type, "conversation_id": payload["conversation_id"]}
            frames.append(sse("conversation", change))
    return frames


async def event_stream(
    hub: Hub, user_id: str, load: LoadMessages, *, keepalive: float, max_seconds: float
) -> AsyncIterator[bytes]:
    """The body of one stream: live events until `max_seconds`, keep-alives in between."""
    listener = hub.open(user_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    try:
        yield f"retry: {RETRY_MS}\n: connected\n\n".encode()
        while True:
            listener.signal.clear()
            items, known, overflowed = listener.take()
            if overflowed:
                yield sse("resync", {})
            for frame in await render(items, load, known):
                yield frame
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            if listener.items:
                continue
            try:
                async with asyncio.timeout(min(keepalive, remaining)):
                    await listener.signal.wait()
            except TimeoutError:
                yield KEEPALIVE
    finally:
        hub.close(listener)


async def _no_dead_letters(*_: object) -> None:
    return None


class LiveConsumer(EventConsumer):
    """The broadcast side: every instance hears every event of the topic and hands it to its
    own streams. No dedupe (a processed marker in the shared store would hide the event from
    every other instance) and no store: it touches only this process's memory."""

    def __init__(self, db: Any, clock: Any, hub: Hub) -> None:
        super().__init__(db, clock, _no_dead_letters, attempts=1, dedupe=False)
        self.hub = hub
        self.on(MessageSent)(self._ignore)  # names the topic; handle_batch does the work

    @staticmethod
    async def _ignore(_: Envelope, __: MessageSent) -> None:
        return None

    async def handle_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        outcomes = [self._hear(delivery.raw) for delivery in deliveries]
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            self.stats.add(delivery.topic, outcome)
        return outcomes

    def _hear(self, raw: bytes) -> Outcome:
        try:
            envelope = Envelope.from_bytes(raw)
        except ValidationError:
            return Outcome.ignored
        return Outcome.applied if self.hub.hear(envelope) else Outcome.ignored
