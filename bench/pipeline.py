"""The event pipeline's own cost: how close the outbox relay comes to raw producing, and the
guarded consumer (dedupe + handler write + marker) to raw consuming and raw bulk inserting."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from jobfriends_shared.clock import SystemClock
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

from bench.report import Figure

TOPIC = "identity.users"
WORKERS = 3  # partitions of the topic processed concurrently by the consuming instance


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


async def consume_and_store_vs_raw(endpoints: Endpoints, n: int = 5_000) -> list[Figure]:
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
    started = time.perf_counter()
    for start in range(0, n, 1000):
        await scratch["people"].insert_many(docs[start : start + 1000], ordered=False)
    raw_insert = n / (time.perf_counter() - started)

    runtime = Runtime("bench", settings)
    people = runtime.db["people"]

    async def store(_: Envelope, payload: Any) -> None:
        await people.replace_one(
            {"_id": payload.user_id}, {"name": payload.display_name}, upsert=True
        )

    runtime.consumer.on(UserRegistered)(store)
    runtime.consume()
    try:
        started = time.perf_counter()
        async with runtime.running():
            while await runtime.db["processed_events"].count_documents({}) < n:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
        rate = n / (time.perf_counter() - started)
    finally:
        await client.drop_database(name)
        await client.drop_database(f"{name}_raw")
        await client.close()
    notes = {
        "events": n,
        "per event": "dedupe read + handler upsert + marker insert",
        "partitions / workers": f"6 / {WORKERS}",
    }
    return [
        Figure(
            "consume-and-store",
            rate,
            "events/s",
            raw_consume,
            "raw aiokafka consume",
            target=0.01,
            notes=notes,
        ),
        Figure(
            "consume-and-store",
            rate,
            "events/s",
            raw_insert,
            "raw bulk insert",
            target=0.02,
            notes={"bulk insert batch": 1000},
        ),
    ]
