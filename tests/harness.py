"""The whole platform in one process: every service and the gateway on real loopback HTTP
servers (ephemeral ports), sharing one topic prefix on the real Kafka and one database per
service on the real store, all on one controllable clock.

System tests, journeys and benchmarks drive it through the gateway only, as a client would.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from gateway.main import create_app as gateway_app
from gateway.settings import GatewaySettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.registry import SERVICES as REGISTERED
from jobfriends_shared.settings import ServiceSettings
from jobfriends_shared.testing import (
    Endpoints,
    drop_test_database,
    settings_for,
    test_secret,
    unique_name,
)


def _declared(name: str) -> tuple[Any, Any]:
    """A registry service's app factory and settings class, found by the fixed layout
    (`<name>.main.create_app`, the `ServiceSettings` subclass in `<name>.settings`)."""
    settings_module = importlib.import_module(f"{name}.settings")
    settings_class = next(
        value
        for value in vars(settings_module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    )
    return importlib.import_module(f"{name}.main").create_app, settings_class


SERVICES: dict[str, tuple[Any, Any]] = {spec.name: _declared(spec.name) for spec in REGISTERED}
PASSWORD = "Kreuzberg-Design-2026"


@dataclass
class Person:
    id: str
    email: str
    token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Stack:
    gateway_url: str
    urls: dict[str, str]
    apps: dict[str, FastAPI]
    settings: dict[str, Any]
    clock: ControlledClock
    http: httpx.AsyncClient
    _counter: int = field(default=0)

    def runtime(self, service: str) -> Any:
        return self.apps[service].state.runtime

    async def call(
        self, method: str, path: str, person: Person | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**(person.auth if person else {}), **kwargs.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def join(self, name: str, email: str | None = None) -> Person:
        """Register and sign in through the gateway, as a newcomer would."""
        self._counter += 1
        email = email or f"{name.lower().replace(' ', '.')}.{self._counter}@example.org"
        body = {"email": email, "password": PASSWORD, "display_name": name}
        registered = await self.call("POST", "/v1/auth/register", json=body)
        assert registered.status_code == 201, registered.text
        tokens = await self.call(
            "POST", "/v1/auth/token", json={"email": email, "password": PASSWORD}
        )
        assert tokens.status_code == 200, tokens.text
        data = tokens.json()
        return Person(registered.json()["id"], email, data["access_token"], data["refresh_token"])

    async def sign_in_again(self, person: Person) -> None:
        """A fresh access token (after the test moved the clock past the old one's expiry)."""
        tokens = await self.call(
            "POST", "/v1/auth/token", json={"email": person.email, "password": PASSWORD}
        )
        assert tokens.status_code == 200, tokens.text
        person.token = tokens.json()["access_token"]

    async def settle(self) -> None:
        """Publish what every service has committed (instead of waiting for relays to wake)."""
        for service in self.apps:
            runtime = getattr(self.apps[service].state, "runtime", None)
            if runtime is not None:
                await runtime.relay.drain()

    async def caught_up(self, service: str, topic: str) -> bool:
        """True once `service` has handled every message now on `topic` (events on different
        topics have no order between them, so a journey waits for the facts it builds on)."""
        from jobfriends_shared.testing import read_topic

        infra = self.settings["identity"].infra
        physical = f"{infra.topic_prefix}{topic}"
        records = await read_topic(infra.kafka_bootstrap_servers, physical)
        counts = self.runtime(service).consumer.stats.counts
        handled = sum(n for (name, _), n in counts.items() if name == physical)
        return bool(handled >= len(records))

    async def events_of(self, topic: str, event_type: str) -> list[Any]:
        from jobfriends_shared.envelope import Envelope
        from jobfriends_shared.testing import read_topic

        infra = self.settings["identity"].infra
        records = await read_topic(infra.kafka_bootstrap_servers, f"{infra.topic_prefix}{topic}")
        return [e for r in records if (e := Envelope.from_bytes(r.value)).type == event_type]


async def _serve(app: FastAPI, stack: AsyncExitStack) -> str:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    # Several servers share this process: none of them may take over Ctrl-C.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(60):
        while not server.started:
            if task.done():
                task.result()  # raises the start-up error
            await asyncio.sleep(0.01)

    async def stop() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(stop)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}"


@asynccontextmanager
async def running_stack(
    endpoints: Endpoints,
    services: Sequence[str] = tuple(SERVICES),
    *,
    clock: ControlledClock | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> AsyncIterator[Stack]:
    name = unique_name("s")
    prefix = f"{name}."
    secret = test_secret()
    clock = clock or ControlledClock()
    overrides = overrides or {}
    apps: dict[str, FastAPI] = {}
    all_settings: dict[str, Any] = {}
    urls: dict[str, str] = {}
    async with AsyncExitStack() as stack:
        for service in services:
            factory, settings_cls = SERVICES[service]
            extra = {"run_jobs": False, **overrides.get(service, {})}
            if service == "identity":
                extra = {"argon2_time_cost": 1, "argon2_memory_kib": 8192, **extra}
            settings = settings_for(
                settings_cls,
                endpoints,
                f"{name}_{service}",
                prefix=prefix,
                gateway_secret=secret,
                **extra,
            )
            app = factory(settings, clock)
            apps[service], all_settings[service] = app, settings
            urls[service] = await _serve(app, stack)
        gateway_settings = settings_for(
            GatewaySettings,
            endpoints,
            f"{name}_gateway",
            prefix=prefix,
            gateway_secret=secret,
            user_rate=10_000,
            user_burst=10_000,
            ip_rate=10_000,
            ip_burst=10_000,
            service_urls=urls,
            **overrides.get("gateway", {}),
        )
        apps["gateway"] = gateway_app(gateway_settings, clock)
        all_settings["gateway"] = gateway_settings
        gateway_url = await _serve(apps["gateway"], stack)
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=gateway_url, timeout=30))
        yield Stack(gateway_url, urls, apps, all_settings, clock, http)
    client = mongo_client(endpoints.mongodb, "stack-teardown")
    for service in services:
        await drop_test_database(client, f"{name}_{service}")
    await client.close()
