"""The idempotent-consumer guard: parse, dedupe, apply, retry, dead-letter — a batch at a time.

Every service consumes through this, so every service gets the same guarantees:
- a message that is not a valid envelope, or whose payload breaks its contract, goes to the
  topic's dead-letter twin at once (retrying cannot fix it) and the rest of its batch goes on;
- an event already applied (its id is in `processed_events`) is skipped: one `$in` query
  answers for a whole batch;
- events are applied in their partition's order; partitions of a batch run side by side
  (`workers` at a time). Consecutive events of one type with a batch handler (`on_batch`) are
  applied in one call, which writes them in bulk; a per-event handler (`on`) takes one at a time;
- a handler that fails is retried with backoff a bounded number of times, then dead-lettered;
  a batch call that fails is retried event by event, so one poison event costs only itself;
- the processed markers are written after the handlers' own writes (one bulk insert per batch),
  and the offsets are committed after that; a batch that cannot finish (the store gone) is
  not committed and comes again. A crash in between means a redelivery, which the handlers
  tolerate by writing idempotently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from pymongo.errors import BulkWriteError

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import UnknownEventType, parse_payload
from jobfriends_shared.contracts.base import Payload, contract_for, contract_of
from jobfriends_shared.deliveries import Delivery, Parsed, Registered, by_partition, chunks
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database, by_ids
from jobfriends_shared.observability import Metrics, server_span
from jobfriends_shared.observability import correlation_id as current_correlation_id

log = logging.getLogger(__name__)

PROCESSED = "processed_events"
DUPLICATE_KEY = 11000
P = TypeVar("P", bound=Payload)
# A handler of one payload class: mypy holds its second parameter to that class.
TypedHandler = Callable[[Envelope, P], Awaitable[None]]
# A handler of consecutive events of one payload class, in their partition's order.
BatchHandler = Callable[[Sequence[tuple[Envelope, P]]], Awaitable[None]]
# (dead-letter topic, key, value, headers) -> awaits the broker's acknowledgement
DeadLetterSend = Callable[[str, bytes | None, bytes, dict[str, str]], Awaitable[None]]


async def _in_context_of(envelope: Envelope, handling: Awaitable[None]) -> None:
    """Await a handler in its event's context: what it emits carries the event's correlation
    id on (`build_event` reads it), as a request's writes carry the request's. A batch call
    runs in its first event's context."""
    token = current_correlation_id.set(envelope.correlation_id)
    try:
        await handling
    finally:
        current_correlation_id.reset(token)


class Outcome(StrEnum):
    applied = "applied"
    duplicate = "duplicate"
    ignored = "ignored"
    dead_lettered = "dead_lettered"


@dataclass
class ConsumerStats:
    counts: dict[tuple[str, Outcome], int] = field(default_factory=dict)

    def add(self, topic: str, outcome: Outcome) -> None:
        self.counts[(topic, outcome)] = self.counts.get((topic, outcome), 0) + 1


class EventConsumer:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        dead_letter: DeadLetterSend,
        *,
        attempts: int = 4,
        backoff: float = 0.05,
        metrics: Metrics | None = None,
        dedupe: bool = True,
        workers: int = 1,
    ) -> None:
        self._metrics = metrics
        # Off for broadcast consumers: every instance must see every message, so one instance's
        # processed marker must not hide it from the others.
        self._dedupe = dedupe
        self._processed = db[PROCESSED]
        self._clock = clock
        self._dead_letter = dead_letter
        self._attempts = attempts
        self._backoff = backoff
        # Partitions of one batch applied at the same time (order within each always holds).
        self.workers = workers
        # By (type, version): a handler receives exactly the payload class it was typed for.
        self._handlers: dict[tuple[str, int], Registered] = {}
        self.stats = ConsumerStats()

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(event_type for event_type, _ in self._handlers)

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics the handlers' events travel on (logical names, in catalogue order of
        first registration): what this consumer must subscribe to."""
        topics = (contract_for(*key).topic for key in self._handlers)
        return tuple(dict.fromkeys(topics))

    def _key(self, model: type[Payload]) -> tuple[str, int]:
        """The (type, version) a payload class was registered as; refused at once when it is
        no event contract, or when it has a handler already."""
        spec = contract_of(model)
        key = (spec.event_type, spec.version)
        if key in self._handlers:
            raise TypeError(f"{spec.event_type} v{spec.version} has two handlers")
        return key

    def on(self, model: type[P]) -> Callable[[TypedHandler[P]], TypedHandler[P]]:
        """Register the handler of one event: its payload class names the type, the version
        and the topic, so a misspelt event or a handler of the wrong payload fails in mypy."""

        key = self._key(model)

        def register(handler: TypedHandler[P]) -> TypedHandler[P]:
            async def one_at_a_time(events: Sequence[tuple[Envelope, Any]]) -> None:
                for envelope, payload in events:
                    await handler(envelope, payload)

            self._handlers[key] = Registered(one_at_a_time, batched=False)
            return handler

        return register

    def on_batch(self, model: type[P]) -> Callable[[BatchHandler[P]], BatchHandler[P]]:
        """Register the handler of consecutive events of one payload class, to apply them
        with bulk writes. It gets them in their partition's order (a later event about a key
        wins) and must be idempotent as a whole: a failed call is retried one event at a time,
        and a redelivered batch comes again."""

        key = self._key(model)

        def register(handler: BatchHandler[P]) -> BatchHandler[P]:
            self._handlers[key] = Registered(handler, batched=True)
            return handler

        return register

    async def handle(
        self,
        raw: bytes,
        *,
        topic: str,
        key: bytes | None = None,
        where: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Outcome:
        """Apply one message (a batch of one): what tests and single deliveries use."""
        delivery = Delivery(raw, topic, key, where=where, headers=headers or {})
        return (await self.handle_batch([delivery]))[0]

    async def handle_batch(self, deliveries: Sequence[Delivery]) -> list[Outcome]:
        """Apply a poll's records; the outcome of each, in order. Raises only when the batch
        could not be finished (store or broker unreachable): then nothing may be committed."""
        outcomes: list[Outcome] = [Outcome.ignored] * len(deliveries)
        parsed: list[Parsed] = []
        for index, delivery in enumerate(deliveries):
            item = await self._parse(index, delivery)
            if isinstance(item, Parsed):
                parsed.append(item)
            else:
                outcomes[index] = item
        fresh = await self._not_yet_applied(parsed, outcomes)
        limit = asyncio.Semaphore(self.workers)

        async def run(partition: list[Parsed]) -> None:
            """One partition's events in order, then their markers: while one partition
            writes its markers, another's handlers can already be writing."""
            async with limit:
                applied: list[Parsed] = []
                for chunk in chunks(partition):
                    applied.extend(await self._apply(chunk, outcomes))
                for item in await self._mark(applied):
                    outcomes[item.index] = Outcome.duplicate

        await asyncio.gather(*(run(group) for group in by_partition(fresh)))
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            self._count(delivery.topic, outcome)
        return outcomes

    async def _parse(self, index: int, delivery: Delivery) -> Parsed | Outcome:
        try:
            envelope = Envelope.from_bytes(delivery.raw)
        except ValidationError as exc:
            await self._to_dead_letter(delivery, "malformed envelope", exc)
            return Outcome.dead_lettered
        handler = self._handlers.get((envelope.type, envelope.version))
        if handler is None:
            return Outcome.ignored
        try:
            payload = parse_payload(envelope)
        except UnknownEventType:
            log.warning("no contract for %s v%s; skipped", envelope.type, envelope.version)
            return Outcome.ignored
        except ValidationError as exc:
            await self._to_dead_letter(delivery, "payload breaks its contract", exc)
            return Outcome.dead_lettered
        return Parsed(index, delivery, envelope, payload, handler)

    async def _not_yet_applied(self, parsed: list[Parsed], outcomes: list[Outcome]) -> list[Parsed]:
        """Drop events applied before (one query for the batch) and repeats within it."""
        if not self._dedupe:
            return parsed
        done = set(await by_ids(self._processed, (p.event_id for p in parsed), {"_id": 1}))
        fresh = []
        for item in parsed:
            if item.event_id in done:
                outcomes[item.index] = Outcome.duplicate
                continue
            done.add(item.event_id)
            fresh.append(item)
        return fresh

    async def _apply(self, chunk: list[Parsed], outcomes: list[Outcome]) -> list[Parsed]:
        """Apply consecutive events of one handler; the ones applied. A batch call that fails
        falls back to one event at a time, so only the event that keeps failing is lost to
        the dead-letter topic."""
        if len(chunk) > 1:
            try:
                await self._call(chunk)
            except Exception as exc:
                self._failed(chunk[0].delivery.topic)
                log.warning(
                    "batch of %d %s failed, retrying one by one: %s",
                    len(chunk),
                    chunk[0].envelope.type,
                    exc,
                )
            else:
                for item in chunk:
                    outcomes[item.index] = Outcome.applied
                return chunk
        applied = []
        for item in chunk:
            for attempt in range(1, self._attempts + 1):
                try:
                    await self._call([item])
                except Exception as exc:
                    self._failed(item.delivery.topic)
                    if attempt == self._attempts:
                        await self._to_dead_letter(item.delivery, "handler kept failing", exc)
                        outcomes[item.index] = Outcome.dead_lettered
                        break
                    log.warning(
                        "handler for %s failed (attempt %d): %s", item.envelope.type, attempt, exc
                    )
                    await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
                else:
                    outcomes[item.index] = Outcome.applied
                    applied.append(item)
                    break
        return applied

    async def _call(self, chunk: list[Parsed]) -> None:
        first = chunk[0]
        headers = first.delivery.headers
        name = f"consume {first.envelope.type}"
        with server_span(name, headers, headers.get("correlation_id"), SpanKind.CONSUMER) as span:
            span.set_attribute("jobfriends.batch_size", len(chunk))
            events = [(item.envelope, item.payload) for item in chunk]
            await _in_context_of(first.envelope, first.handler.apply(events))

    async def _mark(self, applied: list[Parsed]) -> list[Parsed]:
        """Record applied events in one bulk insert; the ones a twin delivery recorded
        first (their handlers ran twice, harmlessly: they are idempotent)."""
        if not self._dedupe or not applied:
            return []
        now = self._clock.now()
        markers = [
            {"_id": item.event_id, "type": item.envelope.type, "processed_at": now}
            for item in applied
        ]
        try:
            await self._processed.insert_many(markers, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            return [applied[error["index"]] for error in errors]
        return []

    def _count(self, topic: str, outcome: Outcome) -> None:
        self.stats.add(topic, outcome)
        if self._metrics is not None:
            self._metrics.consumed.labels(topic, str(outcome)).inc()
            if outcome is Outcome.dead_lettered:
                self._metrics.dead_letters.labels(topic).inc()

    def _failed(self, topic: str) -> None:
        if self._metrics is not None:
            self._metrics.failed.labels(topic).inc()

    async def _to_dead_letter(self, delivery: Delivery, reason: str, exc: Exception) -> None:
        log.error("dead-lettering a message from %s (%s): %s", delivery.topic, reason, exc)
        headers = {
            "jf-dlt-reason": reason,
            "jf-dlt-error": str(exc)[:1000],
            "jf-dlt-original-topic": delivery.topic,
            "jf-dlt-where": delivery.where,
        }
        await self._dead_letter(f"{delivery.topic}.dlt", delivery.key, delivery.raw, headers)
