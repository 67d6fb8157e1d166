"""The idempotent-consumer guard: parse, dedupe, apply, retry, dead-letter.

Every service consumes through this, so every service gets the same guarantees:
- a message that is not a valid envelope, or whose payload breaks its contract, goes to the
  topic's dead-letter twin at once (retrying cannot fix it) and the partition moves on;
- an event already applied (its id is in `processed_events`) is skipped;
- a handler that fails is retried with backoff a bounded number of times, then dead-lettered;
- the processed marker is written after the handler's own write, and the offset is committed
  after that (FastStream's ACK policy), so a crash in between means a redelivery, which the
  handlers tolerate by writing idempotently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar

from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from pymongo.errors import DuplicateKeyError

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import UnknownEventType, parse_payload
from jobfriends_shared.contracts.base import Payload, contract_for, contract_of
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database
from jobfriends_shared.observability import Metrics, server_span
from jobfriends_shared.observability import correlation_id as current_correlation_id

log = logging.getLogger(__name__)

PROCESSED = "processed_events"
Handler = Callable[[Envelope, Any], Awaitable[None]]
P = TypeVar("P", bound=Payload)
# A handler of one payload class: mypy holds its second parameter to that class.
TypedHandler = Callable[[Envelope, P], Awaitable[None]]
# (dead-letter topic, key, value, headers) -> awaits the broker's acknowledgement
DeadLetterSend = Callable[[str, bytes | None, bytes, dict[str, str]], Awaitable[None]]


async def _in_context_of(envelope: Envelope, handling: Awaitable[None]) -> None:
    """Await a handler in its event's context: what it emits carries the event's correlation
    id on (`build_event` reads it), as a request's writes carry the request's."""
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
        # By (type, version): a handler receives exactly the payload class it was typed for.
        self._handlers: dict[tuple[str, int], Handler] = {}
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

    def on(self, model: type[P]) -> Callable[[TypedHandler[P]], TypedHandler[P]]:
        """Register the handler of one event: its payload class names the type, the version
        and the topic, so a misspelt event or a handler of the wrong payload fails in mypy."""
        spec = contract_of(model)
        key = (spec.event_type, spec.version)

        def register(handler: TypedHandler[P]) -> TypedHandler[P]:
            if key in self._handlers:
                raise TypeError(f"{spec.event_type} v{spec.version} has two handlers")
            self._handlers[key] = handler
            return handler

        return register

    async def ensure_indexes(self) -> None:
        await self._processed.create_index("processed_at")

    async def handle(
        self,
        raw: bytes,
        *,
        topic: str,
        key: bytes | None = None,
        where: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> Outcome:
        headers = headers or {}
        name = f"consume {headers.get('jf-type', topic)}"
        with server_span(name, headers, headers.get("correlation_id"), SpanKind.CONSUMER) as span:
            outcome = await self._handle(raw, topic=topic, key=key, where=where)
            span.set_attribute("jobfriends.outcome", str(outcome))
        self.stats.add(topic, outcome)
        if self._metrics is not None:
            self._metrics.consumed.labels(topic, str(outcome)).inc()
            if outcome is Outcome.dead_lettered:
                self._metrics.dead_letters.labels(topic).inc()
        return outcome

    async def _handle(self, raw: bytes, *, topic: str, key: bytes | None, where: str) -> Outcome:
        try:
            envelope = Envelope.from_bytes(raw)
        except ValidationError as exc:
            await self._to_dead_letter(topic, key, raw, "malformed envelope", exc, where)
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
            await self._to_dead_letter(topic, key, raw, "payload breaks its contract", exc, where)
            return Outcome.dead_lettered
        event_id = str(envelope.id)
        if self._dedupe and await self._processed.find_one({"_id": event_id}, {"_id": 1}):
            return Outcome.duplicate
        for attempt in range(1, self._attempts + 1):
            try:
                await _in_context_of(envelope, handler(envelope, payload))
                break
            except Exception as exc:
                if self._metrics is not None:
                    self._metrics.failed.labels(topic).inc()
                if attempt == self._attempts:
                    await self._to_dead_letter(topic, key, raw, "handler kept failing", exc, where)
                    return Outcome.dead_lettered
                log.warning("handler for %s failed (attempt %d): %s", envelope.type, attempt, exc)
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        if not self._dedupe:
            return Outcome.applied
        try:
            await self._processed.insert_one(
                {"_id": event_id, "type": envelope.type, "processed_at": self._clock.now()}
            )
        except DuplicateKeyError:
            return Outcome.duplicate  # a twin delivery won the race; the handler is idempotent
        return Outcome.applied

    async def _to_dead_letter(
        self, topic: str, key: bytes | None, raw: bytes, reason: str, exc: Exception, where: str
    ) -> None:
        log.error("dead-lettering a message from %s (%s): %s", topic, reason, exc)
        headers = {
            "jf-dlt-reason": reason,
            "jf-dlt-error": str(exc)[:1000],
            "jf-dlt-original-topic": topic,
            "jf-dlt-where": where,
        }
        await self._dead_letter(f"{topic}.dlt", key, raw, headers)

    async def purge_processed(self, older_than: timedelta) -> int:
        """Markers only need to outlive redeliveries; drop old ones (no TTL index on FerretDB)."""
        cutoff = self._clock.now() - older_than
        result = await self._processed.delete_many({"processed_at": {"$lt": cutoff}})
        return result.deleted_count
