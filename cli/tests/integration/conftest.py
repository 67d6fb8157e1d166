"""The real broker, a fresh topic prefix per test, and records with known timestamps.

The broker comes from `KAFKA_BOOTSTRAP_SERVERS`, else from the repository's `infra` fixture
(this suite needs no store, so it only asks for it when no broker is named). Each test gets
the whole catalogue under its own prefix (2 partitions each) and the topics are deleted when it
ends. Records are produced with explicit timestamps an hour in the past, one second apart, so
time ranges are exact without sleeping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.identity import EndorsementAdded, UserBlocked, UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.kafka import ensure_topics
from jobfriends_shared.testing import Endpoints
from jobfriends_shared.topics import physical_name


@dataclass(frozen=True)
class Produced:
    envelope: Envelope
    partition: int
    offset: int
    timestamp_ms: int
    headers: tuple[tuple[str, bytes], ...]

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)


@dataclass
class Cluster:
    bootstrap: str
    prefix: str
    base: datetime  # timestamp of the i-th sample record is base + i seconds

    def name(self, logical: str) -> str:
        return physical_name(logical, self.prefix)

    def at(self, second: int) -> datetime:
        return self.base + timedelta(seconds=second)

    def cli(self) -> list[str]:
        return ["--bootstrap", self.bootstrap, "--prefix", self.prefix]


# Two keys per partition of a 2-partition topic under the default (murmur2) partitioner.
USERS = ("alice", "bob", "u5", "u0")


def sample_payload(i: int) -> Payload:
    """Three event types on identity.users over four keys, so filters have something to drop."""
    user = USERS[i % 4]
    kinds: list[Callable[[], Payload]] = [
        lambda: UserRegistered(user_id=user, email=f"{user}@example.org", display_name=user),
        lambda: EndorsementAdded(user_id=user, endorser_id=f"e{i}", skill="python"),
        lambda: UserBlocked(blocker_id=user, blocked_id=f"b{i}"),
    ]
    return kinds[i % 3]()


async def produce(
    cluster: Cluster, logical: str, items: Sequence[tuple[int, Payload]]
) -> list[Produced]:
    """Produce (second, payload) pairs as the outbox relay does: key, envelope, jf-* headers."""
    producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        produced = []
        for second, payload in items:
            envelope = build_event(
                payload,
                producer="probe",
                occurred_at=cluster.at(second),
                correlation_id=f"req-{second}",
            )
            headers = (
                ("jf-type", envelope.type.encode()),
                ("jf-version", str(envelope.version).encode()),
                ("correlation_id", f"req-{second}".encode()),
            )
            timestamp_ms = int(cluster.at(second).timestamp() * 1000)
            meta = await producer.send_and_wait(
                cluster.name(logical),
                envelope.to_bytes(),
                key=envelope.key.encode(),
                timestamp_ms=timestamp_ms,
                headers=list(headers),
            )
            produced.append(Produced(envelope, meta.partition, meta.offset, timestamp_ms, headers))
        return produced
    finally:
        await producer.stop()


async def produce_raw(
    cluster: Cluster, topic: str, value: bytes, key: bytes | None, headers: dict[str, str]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=cluster.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()]
        )
    finally:
        await producer.stop()


async def create_topic(cluster: Cluster, name: str, partitions: int = 2) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def list_topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def committed_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def bootstrap(request: pytest.FixtureRequest) -> str:
    """The broker named by `KAFKA_BOOTSTRAP_SERVERS`; without it, the repository's session
    `infra` fixture (which starts the servers the way `make test` does)."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        return configured
    endpoints: Endpoints = request.getfixturevalue("infra")
    return endpoints.kafka


@pytest.fixture
async def cluster(bootstrap: str) -> AsyncIterator[Cluster]:
    prefix = f"cli{uuid.uuid4().hex[:10]}."
    await ensure_topics(bootstrap, prefix, partitions=2)
    base = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    yield Cluster(bootstrap, prefix, base)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


@pytest.fixture
async def samples(cluster: Cluster) -> list[Produced]:
    """Twelve envelopes on identity.users at base+0s … base+11s, over both partitions."""
    produced = await produce(cluster, "identity.users", [(i, sample_payload(i)) for i in range(12)])
    assert {p.partition for p in produced} == {0, 1}
    return produced


async def invoke(args: list[str]) -> Any:
    """Run the CLI in a worker thread: each command runs its own event loop with asyncio.run,
    which cannot nest inside the test's loop."""
    from jobfriends_cli.main import app
    from typer.testing import CliRunner

    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, args, catch_exceptions=False)
