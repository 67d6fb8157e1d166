"""An events instance of its own per test: own database and topic prefix, real Kafka and store,
driven over HTTP with the gateway's headers, on a clock that moves only when told."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from events.main import create_app
from events.service import Services
from events.settings import EventsSettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database, mongo_client
from jobfriends_shared.testing import (
    Endpoints,
    ServiceClient,
    drop_test_database,
    read_topic,
    settings_for,
    unique_name,
    wait_for,
)

BERLIN = {"lat": 52.5200, "lon": 13.4050}


@dataclass
class Events(ServiceClient):
    settings: EventsSettings

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def draft(self, **overrides: Any) -> dict[str, Any]:
        """A valid in-person meetup a week from now, in Berlin, as a client would send it."""
        starts = (self.clock.now() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
        base: dict[str, Any] = {
            "title": "UX research meetup",
            "description": "Designers and researchers swap interview techniques.",
            "kind": "meetup",
            "topics": ["ux-research"],
            "professions": ["ux-designer"],
            "city": "Berlin",
            "venue_name": "Betahaus",
            "address": "Rudi-Dutschke-Str. 23",
            "location": BERLIN,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "time_zone": "Europe/Berlin",
        }
        return {**base, **overrides}

    async def create(self, host: str, **overrides: Any) -> dict[str, Any]:
        response = await self.call("POST", "/v1/events", host, json=self.draft(**overrides))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def rsvp(self, event_id: str, user_id: str, status: str = "going") -> httpx.Response:
        return await self.call(
            "PUT", f"/v1/events/{event_id}/rsvp", user_id, json={"status": status}
        )

    async def deliver(self, payload: Payload, topic: str) -> Envelope:
        """Feed a real envelope to the service's consumer, as Kafka would."""
        envelope = build_event(payload, producer="test", occurred_at=self.clock.now())
        await self.redeliver(envelope, topic)
        return envelope

    async def redeliver(self, envelope: Envelope, topic: str) -> Outcome:
        runtime = self.app.state.runtime
        return await runtime.consumer.handle(  # type: ignore[no-any-return]
            envelope.to_bytes(), topic=f"{self.settings.infra.topic_prefix}{topic}"
        )

    async def published(self, *types: str) -> list[Envelope]:
        """What is on our topic once everything committed so far is published: "nothing more
        was published" is then a claim about what the service did, not about timing."""
        await self.app.state.runtime.relay.drain()
        infra = self.settings.infra
        records = await read_topic(
            infra.kafka_bootstrap_servers, f"{infra.topic_prefix}events.events"
        )
        # Publishing is at-least-once and consumers dedupe by id: count each event once.
        found = {e.id: e for e in (Envelope.from_bytes(r.value) for r in records)}
        return [e for e in found.values() if not types or e.type in types]

    async def wait_published(self, count: int, *types: str) -> list[Envelope]:
        """Wait until exactly `count` events of these types are on the topic (checking that no
        more arrive is the caller's job)."""

        async def enough() -> list[Envelope]:
            found = await self.published(*types)
            return found if len(found) >= count else []

        found = await wait_for(enough, timeout=20)
        assert len(found) == count, [e.type for e in found]
        return found


@asynccontextmanager
async def running(
    settings: EventsSettings, clock: ControlledClock, db: Database
) -> AsyncIterator[Events]:
    app = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://events") as http:
            yield Events(http, settings, app, db, clock)


@pytest.fixture
def events_settings(infra: Endpoints) -> EventsSettings:
    return settings_for(EventsSettings, infra, unique_name("ev"), run_jobs=False)


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(datetime.now().astimezone().replace(microsecond=0))


@pytest.fixture
async def events_db(events_settings: EventsSettings) -> AsyncIterator[Database]:
    client = mongo_client(events_settings.infra.mongodb_url, "events-tests")
    yield client[events_settings.database]
    await drop_test_database(client, events_settings.database)
    await client.close()


@pytest.fixture
async def events(
    events_settings: EventsSettings, clock: ControlledClock, events_db: Database
) -> AsyncIterator[Events]:
    async with running(events_settings, clock, events_db) as app:
        yield app
