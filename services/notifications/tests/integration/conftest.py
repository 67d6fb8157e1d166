"""Notifications instances on the real broker and store.

Most tests share one instance per module (starting Kafka subscriptions costs seconds) and keep
out of each other's way with fresh person ids; tests about restarts, several instances or time
get instances of their own. Events are fed as real envelopes through the consumer guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.identity import (
    GeoPoint,
    ProfileSnapshot,
    ProfileUpdated,
    UserRegistered,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.testing import (
    Endpoints,
    ServiceClient,
    drop_test_database,
    read_topic,
    settings_for,
    unique_name,
    wait_for,
)
from notifications.main import create_app
from notifications.service import Services
from notifications.settings import NotificationsSettings

START = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)  # a Monday


def new_id(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@dataclass
class Instance(ServiceClient):
    settings: NotificationsSettings
    fed: list[Envelope] = field(default_factory=list)

    @property
    def n(self) -> Services:
        state: Services = self.app.state.services
        return state

    def event(self, payload: Payload, **kwargs: Any) -> Envelope:
        return build_event(
            payload, producer="test", occurred_at=kwargs.pop("at", self.clock.now()), **kwargs
        )

    async def feed(self, payload: Payload, **kwargs: Any) -> Envelope:
        envelope = self.event(payload, correlation_id="corr-1", **kwargs)
        outcome = await self.deliver(envelope)
        assert outcome == Outcome.applied, outcome
        self.fed.append(envelope)
        return envelope

    async def person(
        self,
        name: str,
        *,
        city: str | None = "Berlin",
        location: tuple[float, float] | None = None,
        interests: tuple[str, ...] = (),
        profession: str | None = None,
        time_zone: str | None = "Europe/Berlin",
        email: str | None = None,
    ) -> str:
        user_id = new_id()
        await self.feed(
            UserRegistered(
                user_id=user_id,
                email=email or f"{name.lower()}.{user_id}@example.org",
                display_name=name,
            )
        )
        profile = ProfileSnapshot(
            display_name=name,
            city=city,
            location=GeoPoint(lat=location[0], lon=location[1]) if location else None,
            interests=interests,
            profession=profession,
            time_zone=time_zone,
        )
        await self.feed(ProfileUpdated(user_id=user_id, changed=("city",), profile=profile))
        return user_id

    async def inbox(self, user_id: str, **params: Any) -> dict[str, Any]:
        response = await self.call("GET", "/v1/notifications", user_id, params=params)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    async def items(self, user_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.inbox(user_id, limit=100))["items"]
        return items

    async def titles(self, user_id: str) -> list[str]:
        return [i["title"] for i in await self.items(user_id)]

    async def published(self, event_type: str) -> list[Envelope]:
        """Our own events as they reached Kafka (after the outbox relay)."""
        infra = self.settings.infra
        records = await read_topic(
            infra.kafka_bootstrap_servers, f"{infra.topic_prefix}notifications.notifications"
        )
        envelopes = [Envelope.from_bytes(r.value) for r in records]
        return [e for e in envelopes if e.type == event_type]


@asynccontextmanager
async def instance(
    infra: Endpoints,
    *,
    name: str | None = None,
    clock: ControlledClock | None = None,
    secret: str | None = None,
    drop: bool = True,
    **overrides: Any,
) -> AsyncIterator[Instance]:
    """One running instance; instances given the same `name` share database and topics."""
    name = name or unique_name("n")
    settings = settings_for(
        NotificationsSettings,
        infra,
        name,
        run_jobs=False,
        instance_id=new_id("i"),
        **({"gateway_secret": secret} if secret else {}),
        **overrides,
    )
    clock = clock or ControlledClock(START)
    app = create_app(settings, clock)
    client = mongo_client(infra.mongodb, "notifications-tests")
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://n") as http:
                yield Instance(http, settings, app, client[settings.database], clock)
    finally:
        if drop:
            await drop_test_database(client, settings.database)
        await client.close()


@pytest.fixture(scope="module")
async def shared(infra: Endpoints) -> AsyncIterator[Instance]:
    async with instance(infra) as running:
        yield running


@pytest.fixture
async def notif(shared: Instance) -> Instance:
    """The module's instance, its clock back at the start for every test."""
    shared.clock.set(START)
    return shared


# --- a real HTTP server, for streams (ASGI transports buffer whole responses) -------------


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """Serve an app whose lifespan is already running, on a free loopback port."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        await task


class SseClient:
    """Reads one server-sent event stream line by line, as a browser's EventSource would."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()
        self.comments: list[str] = []

    async def next_event(self, timeout: float = 10.0) -> dict[str, str]:
        event: dict[str, str] = {}
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line == "":
                    if "data" in event:
                        return event
                    event = {}
                    continue
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    continue
                key, _, value = line.partition(":")
                event[key] = value.removeprefix(" ")
        raise AssertionError("stream ended")

    async def next_comment(self, wanted: str, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line.startswith(":") and line[1:].strip() == wanted:
                    return
        raise AssertionError("stream ended")


@asynccontextmanager
async def sse(base_url: str, headers: dict[str, str], **params: Any) -> AsyncIterator[SseClient]:
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10, read=30)) as http,
        http.stream("GET", "/v1/notifications/stream", headers=headers, params=params) as r,
    ):
        assert r.status_code == 200, await r.aread()
        client = SseClient(r)
        await client.next_comment("connected")
        yield client


# --- a real SMTP server -----------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


class _Collector:
    def __init__(self) -> None:
        self.messages: list[Received] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Smtp:
    port: int
    collector: _Collector

    @property
    def messages(self) -> list[Received]:
        return self.collector.messages


@pytest.fixture
def smtp() -> Any:
    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp(port, collector)
    finally:
        controller.stop()


async def eventually(condition: Callable[[], Any], timeout: float = 15.0) -> Any:
    return await wait_for(condition, timeout=timeout)
