"""A service's `Runtime` on a given database (the fake one), for tests that wire a service the
way its `main.py` does but run no server.

The runtime is real, so a service's `consumers.register(runtime, ...)` subscribes its typed
handlers exactly as in production (nothing connects until a broker is started, and none is);
its outbox and its consumer's dedupe write to `db`, and what the consumer would send to a
dead-letter topic is kept in `dead_letters`. `deliver` hands an event to the consumer as Kafka
would, the way `ServiceClient.deliver` does against the real broker.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any, TypeVar
from unittest.mock import patch

from jobfriends_shared import runtime as runtime_module
from jobfriends_shared.clock import Clock
from jobfriends_shared.consumer import EventConsumer, Outcome
from jobfriends_shared.contracts import Payload, build_event, contract_for
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes.events import recorded_events
from jobfriends_shared.mongo import Database
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.settings import InfraSettings, ServiceSettings
from jobfriends_shared.topics import physical_name


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]


@dataclass
class DeadLetters:
    """Stands in for the producer that sends refused messages to dead-letter topics."""

    sent: list[DeadLetter] = field(default_factory=list)

    async def __call__(
        self, topic: str, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> None:
        self.sent.append(DeadLetter(topic, key, value, headers))


@dataclass
class OfflineRuntime:
    runtime: Runtime
    dead_letters: DeadLetters
    # Recorded events already handed back to the consumer by `deliver_recorded`.
    _heard: set[str] = field(default_factory=set)

    async def deliver(self, event: Payload | Envelope) -> Outcome:
        """Hand a payload (built into an envelope now) or a ready envelope (e.g. to deliver it
        twice) to the service's consumer, on the topic its contract names."""
        if isinstance(event, Envelope):
            envelope = event
        else:
            envelope = build_event(event, producer="test", occurred_at=self.runtime.clock.now())
        topic = contract_for(envelope.type, envelope.version).topic
        return await self.runtime.consumer.handle(
            envelope.to_bytes(),
            topic=physical_name(topic, self.runtime.prefix),
            key=envelope.key.encode(),
        )

    async def deliver_recorded(self) -> list[Outcome]:
        """Hand the consumer every event the service itself recorded since the last call, in
        order, until none is left: what Kafka would bring back to a service that consumes its
        own events (e.g. the feed fanning a post out when it hears `post.created`). Events it
        has no handler for come back `ignored`."""
        outcomes: list[Outcome] = []
        while True:
            recorded = await recorded_events(self.runtime.db)
            fresh = [e for e in recorded if str(e.id) not in self._heard]
            if not fresh:
                return outcomes
            for envelope in fresh:
                self._heard.add(str(envelope.id))
                outcomes.append(await self.deliver(envelope))


@dataclass
class _Holding:
    """A client that hands out one database whatever it is asked for, and has nothing to
    close: what the runtime gets instead of a connection to a store."""

    db: Database

    def __getitem__(self, _: str) -> Database:
        return self.db

    async def close(self) -> None:
        return None


def offline_runtime(
    name: str, settings: ServiceSettings, db: Database, clock: Clock
) -> OfflineRuntime:
    """A runtime built on `db`: its store client is replaced while it is built, so everything
    it makes (outbox, consumer dedupe, whatever it grows next) writes to `db`. Its consumer
    then gets a dead-letter sender that keeps what it is given, and retries a failing handler
    at once (no backoff), as often as in production."""
    with patch.object(runtime_module, "mongo_client", lambda *_, **__: _Holding(db)):
        runtime = Runtime(name, settings, clock)
    dead_letters = DeadLetters()
    runtime.consumer = EventConsumer(runtime.db, runtime.clock, dead_letters, backoff=0.0)
    return OfflineRuntime(runtime, dead_letters)


S = TypeVar("S", bound=ServiceSettings)


def offline_settings(cls: type[S], **overrides: Any) -> S:
    """Settings for a service under fast tests: endpoints nothing listens on (a test that
    reached for a server would fail at once, not pass by luck), no topic creation."""
    infra = InfraSettings(
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9",
        MONGODB_URL="mongodb://127.0.0.1:9",
        JF_GATEWAY_SECRET=secrets.token_urlsafe(32),
        JF_CREATE_TOPICS=False,
    )
    return cls(infra=infra, **overrides)
