"""Pytest plumbing: one real Kafka and one real MongoDB-wire store per test session.

Endpoints come from `KAFKA_BOOTSTRAP_SERVERS` / `MONGODB_URL` when set; otherwise from
testcontainers when a Docker engine answers; otherwise the native scripts in `infra/` start them
(and stop them again at the end if this session started them). Each test isolates itself with a
unique database name and topic prefix, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jobfriends_shared.settings import InfraSettings, ServiceSettings

T = TypeVar("T")
S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class Endpoints:
    kafka: str
    mongodb: str


def repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "infra" / "bin" / "infra.sh").exists():
            return parent
    raise RuntimeError("cannot find the repository's infra/ scripts")


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "info"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _from_containers(stack: ExitStack) -> Endpoints:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    kafka = stack.enter_context(KafkaContainer("apache/kafka:4.1.1").with_kraft())
    mongo = stack.enter_context(MongoDbContainer("mongo:8.0"))
    return Endpoints(kafka.get_bootstrap_server(), mongo.get_connection_url())


def _from_native(stack: ExitStack) -> Endpoints:
    script = repo_root() / "infra" / "bin" / "infra.sh"
    status = subprocess.run([str(script), "status"], capture_output=True, check=False)
    # A store started for tests may skip waiting for the disk (fsync off): its data is thrown
    # away. One already running (from `make up`) is used as it is.
    env = {**os.environ, "JF_PG_PROFILE": os.environ.get("JF_PG_PROFILE", "test")}
    subprocess.run([str(script), "up"], check=True, env=env)
    if status.returncode != 0:  # we started them, so we stop them
        stack.callback(subprocess.run, [str(script), "down"], check=False)
    return Endpoints(
        os.environ.get(
            "JF_KAFKA_BOOTSTRAP", f"127.0.0.1:{os.environ.get('JF_KAFKA_PORT', '9092')}"
        ),
        f"mongodb://127.0.0.1:{os.environ.get('JF_MONGO_PORT', '27017')}",
    )


def start_infra(stack: ExitStack) -> Endpoints:
    kafka, mongodb = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URL")
    if kafka and mongodb:
        return Endpoints(kafka, mongodb)
    if _docker_answers():
        return _from_containers(stack)
    return _from_native(stack)


_ISSUED: set[str] = set()


def unique_name(prefix: str = "t") -> str:
    """A fresh database name / topic prefix; its topics are dropped when the session ends."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    _ISSUED.add(f"{name}.")
    return name


async def drop_issued_topics(bootstrap: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(tuple(_ISSUED))]
        for start in range(0, len(doomed), 200):
            await admin.delete_topics(doomed[start : start + 200])
    finally:
        await admin.close()


# How long a test's clean-up waits for its database to be dropped. Rarely (about once in
# several thousand tear-downs) the drop has not returned: the store never answered. The local
# PostgreSQL logs lock waits (`log_lock_waits`) to show what it waited for. A database left
# behind has a unique name and harms nothing; a tear-down waiting for pytest-timeout turned a
# passing test into an error.
DROP_SECONDS = 30.0


async def drop_test_database(client: Any, name: str) -> None:
    """Drop a test's database, or say so in the log and leave it when the store does not
    answer within `DROP_SECONDS`."""
    try:
        await asyncio.wait_for(client.drop_database(name), DROP_SECONDS)
    except TimeoutError:
        logging.getLogger(__name__).warning(
            "test database %s not dropped: the store did not answer in %.0f s", name, DROP_SECONDS
        )


def test_secret() -> str:
    return secrets.token_urlsafe(32)


def settings_for(
    cls: type[S], endpoints: Endpoints, name: str, *, prefix: str | None = None, **overrides: Any
) -> S:
    """Settings of one isolated service instance: own database, own topic prefix (or the
    `prefix` of a stack of services that must hear each other)."""
    infra = InfraSettings(
        KAFKA_BOOTSTRAP_SERVERS=endpoints.kafka,
        MONGODB_URL=endpoints.mongodb,
        JF_TOPIC_PREFIX=prefix if prefix is not None else f"{name}.",
        JF_GATEWAY_SECRET=overrides.pop("gateway_secret", None) or test_secret(),
        JF_TOPIC_PARTITIONS=2,  # enough to exercise partitioning, cheap to create
    )
    return cls(database=name, infra=infra, **overrides)


async def wait_for(
    condition: Callable[[], Awaitable[T]], *, timeout: float = 15.0, interval: float = 0.05
) -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


def session_infra() -> Iterator[Endpoints]:
    """Body of the session fixture; kept here so every conftest can reuse it."""
    with ExitStack() as stack:
        endpoints = start_infra(stack)
        yield endpoints
        # Thousands of leftover partitions would slow the broker down run after run.
        if _ISSUED:
            asyncio.run(drop_issued_topics(endpoints.kafka))


async def read_topic(bootstrap: str, topic_name: str, *, timeout: float = 10.0) -> list[Any]:
    """Every record currently in a topic, from the beginning up to its end offsets."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic_name,
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        metadata_max_age_ms=1000,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            # Without a group the consumer takes every partition once metadata arrives.
            while not consumer.assignment():  # noqa: ASYNC110 (aiokafka offers no event)
                await asyncio.sleep(0.05)
            partitions = sorted(consumer.assignment())
            ends = await consumer.end_offsets(partitions)
            records: list[Any] = []

            async def behind() -> bool:
                for tp, end in ends.items():
                    if await consumer.position(tp) < end:
                        return True
                return False

            while await behind():
                batch = await consumer.getmany(timeout_ms=200)
                for items in batch.values():
                    records.extend(items)
        return sorted(records, key=lambda r: (r.timestamp, r.partition, r.offset))
    finally:
        await consumer.stop()


# A value of every JSON type, and an operator object: what a client may send by mistake.
WRONG_VALUES: tuple[object, ...] = (
    None,
    0,
    1.5,
    True,
    "",
    "xxxxx",
    [],
    ["a"],
    {},
    {"a": 1},
    {"$gt": ""},
)


@dataclass
class ServiceClient:
    """One service instance under test, reached the way the gateway reaches it (HTTP with the
    gateway's headers) and fed other services' facts the way Kafka feeds it (real envelopes
    through its consumer). Service test suites subclass it with their own helpers."""

    client: Any  # httpx.AsyncClient over the app's ASGI transport
    settings: ServiceSettings
    app: Any  # FastAPI
    db: Any  # the service's own database
    clock: Any  # ControlledClock

    def headers(self, user_id: str | None = None) -> dict[str, str]:
        secret = self.settings.infra.gateway_secret.get_secret_value()
        headers = {"x-jf-gateway-secret": secret, "x-correlation-id": "test-corr"}
        if user_id:
            headers["x-jf-user-id"] = user_id
        return headers

    async def call(self, method: str, path: str, user_id: str | None = None, **kwargs: Any) -> Any:
        return await self.client.request(method, path, headers=self.headers(user_id), **kwargs)

    async def ok(self, method: str, path: str, user_id: str | None = None, **kwargs: Any) -> Any:
        """The JSON of a request that must succeed."""
        response = await self.call(method, path, user_id, **kwargs)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None

    async def patch_every_wrong_value(
        self, path: str, user_id: str, field: str, *, answers: tuple[int, ...] = (200, 422)
    ) -> None:
        """PATCH `field` with a value of every JSON type a client might get wrong: each is
        saved or refused, and a 422 names the field; never a 500."""
        for value in WRONG_VALUES:
            response = await self.call("PATCH", path, user_id, json={field: value})
            assert response.status_code in answers, (field, value, response.text)
            if response.status_code == 422:
                assert field in response.text, (field, value, response.text)

    def envelope(self, payload: Any) -> Any:
        from jobfriends_shared.contracts import build_event

        return build_event(payload, producer="test", occurred_at=self.clock.now())

    async def deliver(self, event: Any) -> Any:
        """Hand a payload (or a ready envelope, e.g. to deliver it twice) to the consumer."""
        from jobfriends_shared.contracts import contract_for
        from jobfriends_shared.envelope import Envelope

        envelope = event if isinstance(event, Envelope) else self.envelope(event)
        topic = contract_for(envelope.type, envelope.version).topic
        runtime = self.app.state.runtime
        return await runtime.consumer.handle(
            envelope.to_bytes(), topic=f"{runtime.prefix}{topic}", key=envelope.key.encode()
        )

    async def deliver_together(self, *events: Any) -> list[Any]:
        """Hand envelopes to the consumer as one poll of one partition would: a batch."""
        return await deliver_together(self.app.state.runtime, events)

    async def published(self, topic: str, *types: str) -> list[Any]:
        """Events this instance published on `topic` (each id once: publishing is at least
        once), optionally only of these types."""
        from jobfriends_shared.envelope import Envelope

        infra = self.settings.infra
        records = await read_topic(infra.kafka_bootstrap_servers, f"{infra.topic_prefix}{topic}")
        found = {e.id: e for e in (Envelope.from_bytes(r.value) for r in records)}
        return [e for e in found.values() if not types or e.type in types]


async def deliver_together(runtime: Any, events: Sequence[Any]) -> list[Any]:
    """Envelopes to a service runtime's consumer as one batch from one partition, in order."""
    from jobfriends_shared.contracts import contract_for
    from jobfriends_shared.deliveries import Delivery

    deliveries = [
        Delivery(
            raw=event.to_bytes(),
            topic=f"{runtime.prefix}{contract_for(event.type, event.version).topic}",
            key=event.key.encode(),
        )
        for event in events
    ]
    return list(await runtime.consumer.handle_batch(deliveries))


C = TypeVar("C", bound=ServiceClient)


@asynccontextmanager
async def in_process(
    cls: type[C], create_app: Callable[..., Any], settings: ServiceSettings, clock: Any
) -> AsyncIterator[C]:
    """Run a service app (lifespan and all) and yield a `cls` client for it; its database is
    dropped afterwards."""
    import httpx

    from jobfriends_shared.mongo import mongo_client

    app = create_app(settings, clock)
    client = mongo_client(settings.infra.mongodb_url, "tests")
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
                yield cls(http, settings, app, client[settings.database], clock)
    finally:
        await drop_test_database(client, settings.database)
        await client.close()
