"""A matching instance of its own per test: own database and topic prefix, real servers.

Other services' events are fed to the consumer exactly as they arrive from Kafka (serialised
envelopes through `consumer.handle`), so the tests exercise parsing, dedupe and handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import Payload, build_event, contract_for
from jobfriends_shared.contracts.identity import ProfileSnapshot, ProfileUpdated, UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database, mongo_client
from jobfriends_shared.testing import (
    Endpoints,
    deliver_together,
    drop_test_database,
    read_topic,
    settings_for,
    unique_name,
)
from matching.main import create_app
from matching.settings import MatchingSettings

# A Monday morning in Berlin.
START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
KREUZBERG = {"lat": 52.4986, "lon": 13.4030}
NEUKOELLN = {"lat": 52.4811, "lon": 13.4350}
SPANDAU = {"lat": 52.5350, "lon": 13.2000}
NOTE = "Loved your talk on research ops"


def topic_of(event: Envelope) -> str:
    return contract_for(event.type, event.version).topic


@dataclass
class Matching:
    client: httpx.AsyncClient
    settings: MatchingSettings
    app: FastAPI
    db: Database
    clock: ControlledClock

    @property
    def prefix(self) -> str:
        return self.settings.infra.topic_prefix

    def headers(self, user_id: str | None = None) -> dict[str, str]:
        secret = self.settings.infra.gateway_secret.get_secret_value()
        headers = {"x-jf-gateway-secret": secret, "x-correlation-id": "test-corr"}
        if user_id:
            headers["x-jf-user-id"] = user_id
        return headers

    async def call(
        self, method: str, path: str, user_id: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        return await self.client.request(method, path, headers=self.headers(user_id), **kwargs)

    def event(self, payload: Payload, at: datetime | None = None) -> Envelope:
        return build_event(payload, producer="test", occurred_at=at or self.clock.now())

    async def deliver(self, event: Envelope) -> Outcome:
        runtime = self.app.state.runtime
        outcome: Outcome = await runtime.consumer.handle(
            event.to_bytes(), topic=f"{self.prefix}{topic_of(event)}"
        )
        return outcome

    async def deliver_together(self, *events: Envelope) -> list[Outcome]:
        return await deliver_together(self.app.state.runtime, events)

    async def feed(self, payload: Payload, at: datetime | None = None) -> Outcome:
        return await self.deliver(self.event(payload, at))

    async def person(self, user_id: str, name: str, **profile: Any) -> str:
        """A registered person with a profile, as identity would announce them."""
        await self.feed(
            UserRegistered(user_id=user_id, email=f"{user_id}@x.org", display_name=name)
        )
        snapshot = ProfileSnapshot.model_validate({"display_name": name, **profile})
        changed = tuple(["display_name", *profile])
        await self.feed(ProfileUpdated(user_id=user_id, changed=changed, profile=snapshot))
        return user_id

    async def request(
        self, sender: str, to: str, note: str = "Loved your talk on research ops"
    ) -> httpx.Response:
        return await self.call(
            "POST", "/v1/connections/requests", sender, json={"to_user_id": to, "note": note}
        )

    async def connect(self, a: str, b: str) -> None:
        sent = await self.request(a, b)
        assert sent.status_code == 201, sent.text
        accepted = await self.call(
            "POST", f"/v1/connections/requests/{sent.json()['id']}/accept", b
        )
        assert accepted.status_code == 200, accepted.text

    async def matches(self, user_id: str, **params: Any) -> dict[str, Any]:
        response = await self.call("GET", "/v1/matches", user_id, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def match_ids(self, user_id: str, **params: Any) -> list[str]:
        return [i["user_id"] for i in (await self.matches(user_id, **params))["items"]]

    async def published(self, topic: str, type_: str | None = None) -> list[Envelope]:
        """What the relay has put on one of our topics so far."""
        await self.app.state.runtime.relay.drain()
        records = await read_topic(
            self.settings.infra.kafka_bootstrap_servers, f"{self.prefix}{topic}"
        )
        events = [Envelope.from_bytes(r.value) for r in records]
        return [e for e in events if type_ is None or e.type == type_]

    async def run_job(self, name: str) -> Any:
        return await self.app.state.runtime.run_job(name)


AppFactory = Callable[..., AbstractAsyncContextManager[Matching]]


@pytest.fixture
async def make_matching(infra: Endpoints) -> AsyncIterator[AppFactory]:
    """Start instances on one database (restarts, several instances); dropped at the end."""
    name = unique_name()
    secret = "s" * 8 + unique_name() * 3
    client = mongo_client(infra.mongodb, "matching-tests")

    @asynccontextmanager
    async def start(
        clock: ControlledClock | None = None, **overrides: Any
    ) -> AsyncIterator[Matching]:
        settings = settings_for(
            MatchingSettings, infra, name, run_jobs=False, gateway_secret=secret, **overrides
        )
        clock = clock or ControlledClock(START)
        app = create_app(settings, clock)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://matching") as http:
                yield Matching(http, settings, app, client[settings.database], clock)
            # Let the relay finish a hand-over it was just woken for before it is cancelled:
            # on Python 3.11, `asyncio.wait_for` (in the shared relay) swallows a cancellation
            # that lands in the same loop turn as its result, and stopping would then hang.
            await app.state.runtime.relay.drain()
            for _ in range(3):
                await asyncio.sleep(0)

    yield start
    await drop_test_database(client, name)
    await client.close()


@pytest.fixture
async def matching(make_matching: AppFactory) -> AsyncIterator[Matching]:
    async with make_matching() as instance:
        yield instance


def days(n: float) -> timedelta:
    return timedelta(days=n)
