"""The event pipeline's own cost: how close the outbox relay comes to raw producing, and the
guarded consumer (dedupe + handler write + marker) to raw consuming and raw bulk inserting."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from jobfriends_shared.clock import SystemClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.kafka import ensure_topics, make_broker, send
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.outbox import Outbox
from jobfriends_shared.relay import OutboxRelay
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.settings import ServiceSettings
from jobfriends_shared.testing import Endpoints, settings_for, unique_name
from pydantic_settings import SettingsConfigDict
from pymongo.errors import BulkWriteError

from bench.report import Figure

TOPIC = "identity.users"
WORKERS = 6  # partitions of the topic processed concurrently: one per partition


class _BenchSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BENCH_", extra="ignore")


def _events(n: int) -> list[Envelope]:
    now = datetime.now(UTC)
    return [
        build_event(
            UserRegistered(user_id=f"u{i}", email=f"u{i}@example.org", display_name=f"User {i}"),
            producer="bench",
            occurred_at=now,
        )
        for i in range(n)
    ]


async def _raw_produce(bootstrap: str, topic: str, events: list[Envelope]) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=2
    )
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, e.to_bytes(), key=e.key.encode()) for e in events]
        await asyncio.gather(*futures)
        return len(events) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def relay_vs_raw_produce(endpoints: Endpoints, n: int = 20_000) -> list[Figure]:
    name = unique_name("b")
    prefix = f"{name}."
    await ensure_topics(endpoints.kafka, prefix)
    events = _events(n)
    raw = await _raw_produce(endpoints.kafka, f"{prefix}{TOPIC}", events)

    client = mongo_client(endpoints.mongodb, "bench")
    db = client[name]
    outbox = Outbox(db, SystemClock(), prefix)
    await outbox.ensure_indexes()
    for start in range(0, n, 1000):
        await outbox.emit(events[start : start + 1000], topic=TOPIC)
    broker = make_broker(endpoints.kafka, "bench-relay")
    await broker.start()
    relay = OutboxRelay(outbox, partial(send, broker), batch_size=1000)
    try:
        started = time.perf_counter()
        # The hot path publishes, records and deletes what it published: no read-back.
        while await relay.publish_ready():
            pass
        rate = relay.published / (time.perf_counter() - started)
        # What the hot path left for the recovery pass (nothing, unless a delete failed).
        leftovers = 0
        while settled := await relay.recover(older_than=timedelta(0)):
            leftovers += settled
    finally:
        await broker.stop()
        await client.drop_database(name)
        await client.close()
    return [
        Figure(
            "outbox relay publish",
            rate,
            "events/s",
            raw,
            "raw aiokafka produce",
            target=0.25,
            notes={
                "events": n,
                "batch": 1000,
                "entries left for the recovery pass": leftovers,
            },
        )
    ]


async def _raw_consume(bootstrap: str, topic: str, n: int) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    try:
        seen = 0
        started = time.perf_counter()
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            seen += sum(len(records) for records in batch.values())
        return n / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def consume_and_store_vs_raw(endpoints: Endpoints, n: int = 20_000) -> list[Figure]:
    """The guarded consumer on the batch path, timed from its first handler call to the last
    marker (start-up and the group join left out; progress read from its in-memory counters,
    so nothing competes with its writes), against the slower of its two raw limits."""
    name = unique_name("b")
    settings = settings_for(_BenchSettings, endpoints, name, consumer_workers=WORKERS)
    settings.infra.topic_partitions = 6
    prefix = settings.infra.topic_prefix
    await ensure_topics(endpoints.kafka, prefix, settings.infra.topic_partitions)
    events = _events(n)
    await _raw_produce(endpoints.kafka, f"{prefix}{TOPIC}", events)
    raw_consume = await _raw_consume(endpoints.kafka, f"{prefix}{TOPIC}", n)

    client = mongo_client(endpoints.mongodb, "bench")
    scratch = client[f"{name}_raw"]
    docs = [{"_id": e.key, "name": e.payload["display_name"]} for e in events]
    raw_inserts = []
    for attempt in range(3):  # the store's pace varies run to run on a shared machine: median
        started = time.perf_counter()
        for start in range(0, n, 1000):
            rows = [{**d, "_id": f"{d['_id']}.{attempt}"} for d in docs[start : start + 1000]]
            await scratch["people"].insert_many(rows, ordered=False)
        raw_inserts.append(n / (time.perf_counter() - started))
    raw_insert = sorted(raw_inserts)[1]

    runtime = Runtime("bench", settings)
    people = runtime.db["people"]
    first_call: list[float] = []

    @runtime.consumer.on_batch(UserRegistered)
    async def store(batch: Sequence[tuple[Envelope, UserRegistered]]) -> None:
        """What a projection of new people does: one bulk insert (a redelivered person is
        already there, and the insert leaves them be)."""
        if not first_call:
            first_call.append(time.perf_counter())
        rows = [{"_id": p.user_id, "name": p.display_name} for _, p in batch]
        with contextlib.suppress(BulkWriteError):
            await people.insert_many(rows, ordered=False)

    runtime.consume()
    topic = f"{prefix}{TOPIC}"
    try:
        async with runtime.running():
            # The consumer counts in memory: polling it costs the store nothing.
            while runtime.consumer.stats.counts.get((topic, Outcome.applied), 0) < n:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            rate = n / (time.perf_counter() - first_call[0])
    finally:
        await client.drop_database(name)
        await client.drop_database(f"{name}_raw")
        await client.close()
    limit, limit_name = min((raw_consume, "raw aiokafka consume"), (raw_insert, "raw bulk insert"))
    notes = {
        "events": n,
        "per batch": "one dedupe query + the handler's bulk insert + one marker insert",
        "batch (records per poll)": settings.consumer_batch,
        "partitions / workers": f"6 / {WORKERS}",
        "raw aiokafka consume (events/s)": round(raw_consume),
        "raw bulk insert, 1,000 a time (docs/s, median of 3)": round(raw_insert),
    }
    return [
        Figure(
            "consume-and-store",
            rate,
            "events/s",
            limit,
            f"min(raw consume, raw bulk insert) = {limit_name}",
            target=0.5,
            notes=notes,
        )
    ]
