"""Live delivery: the connections this instance holds, and the server-sent event stream.

A notification is stored by whichever instance consumed its source event, while the person's
stream may be connected to another instance. So the stream never trusts a message for its
content: a wake-up only says "look again", and the stream reads the store for everything after
the last seq it sent. That one rule gives:

- no gaps and no duplicates: seqs are dense per person and become visible in order (see
  `repository.inbox`), and the stream sends each seq once, in order;
- resume: `Last-Event-ID` is the last seq the client saw; the stream replays from the store
  after it, then carries on live;
- delivery across instances: the storing instance publishes `notification.created` through
  the outbox, and every instance receives it on a broadcast subscription (a consumer group of
  its own) that wakes its local connections of that recipient. The storing instance also wakes
  its own connections at once, without the Kafka hop (and ignores the echo). A wake-up missed
  (e.g. while a broadcast subscription is still joining) is caught by the read the stream
  makes at every keep-alive.
- latency: the storing instance's wake-up carries the notification it just stored. When those
  carried notifications continue the stream's numbers without a hole, and no wake-up without
  content arrived since the last read, the stream sends them without reading slots and
  notifications back (only what rendering needs is read). Any doubt means a full read, so the
  shortcut can only save reads, never skip a number.

Per connection there is one `asyncio.Event` (a coalescing queue of length one: many wake-ups
while a read is in flight need only one more read), so a thousand idle connections cost a
thousand small objects and no polling tasks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

from jobfriends_shared.consumer import EventConsumer, Outcome
from jobfriends_shared.contracts.base import contract_of
from jobfriends_shared.contracts.notifications import NotificationCreated
from jobfriends_shared.deliveries import Delivery
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.streams import Connections
from pydantic import ValidationError

log = logging.getLogger(__name__)

# Where wake-ups travel: the topic of the one event the broadcast consumer hears.
TOPIC = contract_of(NotificationCreated).topic
KEEPALIVE = b": keep-alive\n\n"
RETRY_MS = 3000

# (after_seq, notifications stored here after it, by seq, or None: read the store)
#   -> [(seq, payload or None when there is nothing to show for that seq)]
Fetch = Callable[
    [int, Mapping[int, Any] | None], Awaitable[Sequence[tuple[int, dict[str, Any] | None]]]
]


class Listener:
    __slots__ = ("fresh", "signal", "stale", "user_id")

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.signal = asyncio.Event()
        # Set by a wake-up that says only "look again" (and at the start): the next read must
        # go to the store. Cleared when the stream takes it.
        self.stale = True
        # Notifications this instance stored for the person and the stream has not sent yet,
        # by seq (None for an idle stream: a thousand of those stay small).
        self.fresh: dict[int, Any] | None = None

    def known_after(self, last: int) -> dict[int, Any] | None:
        """What the next read may rely on without the store: None when it must read it."""
        if self.stale:
            self.stale = False
            return None
        return {s: d for s, d in (self.fresh or {}).items() if s > last}

    def sent_up_to(self, last: int) -> None:
        if self.fresh:
            self.fresh = {s: d for s, d in self.fresh.items() if s > last} or None


class Hub(Connections[Listener]):
    """The streams connected to this instance, by person."""

    def __init__(self, per_person: int, remember: int = 10_000) -> None:
        super().__init__(per_person, Listener, remember)
        self.wakeups = 0

    def wake(self, user_id: str, stored: tuple[int, Any] | None = None) -> None:
        """Tell the person's streams here to look again; `stored` = (seq, document) of the
        notification this instance has just stored, which they may send without reading it
        back."""
        listeners = self.listeners(user_id)
        if stored is not None and listeners:
            self.hand(str(stored[1]["_id"]))
        for listener in listeners:
            if stored is None:
                listener.stale = True
            else:
                if listener.fresh is None:
                    listener.fresh = {}
                listener.fresh[stored[0]] = stored[1]
            listener.signal.set()
            self.wakeups += 1


def sse_event(seq: int, payload: dict[str, Any], event: str = "notification") -> bytes:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
    return f"id: {seq}\nevent: {event}\ndata: {data}\n\n".encode()


async def event_stream(
    hub: Hub,
    user_id: str,
    start_seq: int,
    fetch: Fetch,
    *,
    batch: int,
    keepalive: float,
    max_seconds: float,
) -> AsyncIterator[bytes]:
    """The body of one stream: replay after `start_seq`, then live until `max_seconds`."""
    listener = hub.open(user_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    last = start_seq
    try:
        yield f"retry: {RETRY_MS}\n: connected\n\n".encode()
        while True:
            # Cleared before reading, so a wake-up that lands during the read is not lost.
            listener.signal.clear()
            while True:
                items = await fetch(last, listener.known_after(last))
                for seq, payload in items:
                    last = seq
                    if payload is not None:
                        yield sse_event(seq, payload)
                listener.sent_up_to(last)
                if len(items) < batch:
                    break
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                async with asyncio.timeout(min(keepalive, remaining)):
                    await listener.signal.wait()
            except TimeoutError:
                listener.stale = True
                yield KEEPALIVE
    finally:
        hub.close(listener)


async def _no_dead_letters(*_: object) -> None:
    return None


class WakeConsumer(EventConsumer):
    """The broadcast side: every instance sees every `notification.created` and wakes its own
    connections of that recipient.

    It skips the shared guard's dedupe on purpose. That guard records processed event ids in
    the service's database, which all instances share: the first instance to see an event would
    mark it processed and every other instance would skip it, so only one instance's streams
    would ever hear. Waking is harmless to repeat, and it touches only this process's memory.
    """

    def __init__(self, runtime: Runtime, hub: Hub) -> None:
        super().__init__(runtime.db, runtime.clock, _no_dead_letters)
        self.hub = hub
        self.on(NotificationCreated)(self._ignore)

    @staticmethod
    async def _ignore(_: Envelope, __: NotificationCreated) -> None:
        return None

    async def handle_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        """Wake, with no store and no tracing: a wake-up only touches this process's memory."""
        outcomes = [self._wake(delivery.raw, delivery.key) for delivery in deliveries]
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            self.stats.add(delivery.topic, outcome)
        return outcomes

    def _wake(self, raw: bytes, key: bytes | None) -> Outcome:
        # The key is the recipient: most messages concern nobody connected here, and those are
        # dropped without parsing.
        if key is not None and not self.hub.listening(key.decode(errors="replace")):
            return Outcome.ignored
        try:
            envelope = Envelope.from_bytes(raw)
        except ValidationError:
            return Outcome.ignored
        recipient = envelope.payload.get("recipient_id")
        if envelope.type != "notification.created" or not isinstance(recipient, str):
            return Outcome.ignored
        if self.hub.handed(str(envelope.payload.get("notification_id"))):
            return Outcome.ignored  # stored here and handed over already: no read needed
        self.hub.wake(recipient)
        return Outcome.applied


def register_broadcast(runtime: Runtime, hub: Hub) -> WakeConsumer:
    consumer = WakeConsumer(runtime, hub)
    runtime.broadcast(consumer)
    return consumer
