"""Nothing lost, nothing doubled — proven against the real broker and store."""

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jobfriends_shared import outbox as outbox_module
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserBlocked, UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database
from jobfriends_shared.outbox import ABANDONED, Outbox, stamp
from jobfriends_shared.relay import OutboxRelay
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.testing import Endpoints, read_topic, wait_for

from .conftest import registered

pytestmark = pytest.mark.integration
CRASH_WRITER = Path(__file__).with_name("crash_writer.py")


def run_crash_writer(infra: Endpoints, database: str, prefix: str, die_after: str) -> str:
    done = subprocess.run(
        [sys.executable, str(CRASH_WRITER), infra.mongodb, database, prefix, die_after],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 17, done.stderr
    return done.stdout.strip()


def counting_handler(db: Database) -> Any:
    """Appends a row per application (deliberately not idempotent) so doubles would show."""

    async def handler(envelope: Envelope, payload: Any) -> None:
        await db["applied"].insert_one({"event_id": str(envelope.id), "type": envelope.type})

    return handler


async def test_event_survives_a_crash_between_state_change_and_publish(
    infra: Endpoints, runtime: Runtime, probe_db: Database, topics: str
) -> None:
    event_id = await asyncio.to_thread(
        run_crash_writer, infra, runtime.settings.database, topics, "state"
    )
    relay = OutboxRelay(runtime.outbox, runtime.relay._send, stale_after=timedelta(0))
    await runtime.broker.start()
    try:
        await relay.housekeeping()
        await relay.drain()
    finally:
        await runtime.broker.stop()

    records = await read_topic(infra.kafka, f"{topics}identity.users")
    assert [Envelope.from_bytes(r.value).id.hex for r in records] == [event_id.replace("-", "")]


async def test_event_of_a_state_change_that_never_happened_is_never_published(
    infra: Endpoints, runtime: Runtime, probe_db: Database, topics: str
) -> None:
    event_id = await asyncio.to_thread(
        run_crash_writer, infra, runtime.settings.database, topics, "stage"
    )
    relay = OutboxRelay(runtime.outbox, runtime.relay._send, stale_after=timedelta(0))
    await relay.housekeeping()
    await relay.drain()
    assert relay.published == 0
    entry = await probe_db["outbox"].find_one({"_id": event_id})
    assert entry is not None and entry["state"] == ABANDONED
    assert await read_topic(infra.kafka, f"{topics}identity.users") == []


async def test_same_event_delivered_twice_is_applied_once(
    runtime: Runtime, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    runtime.consumer.on(UserRegistered)(counting_handler(probe_db))
    runtime.consume()
    twin, other = registered(1), registered(2)
    topic = f"{topics}identity.users"
    for event in (twin, twin, other, twin):
        await raw_producer.send_and_wait(topic, event.to_bytes(), key=event.key.encode())
    async with runtime.running():
        # The twin and the other event sit on different partitions: wait for both to apply.
        await wait_for(lambda: _applied_at_least(probe_db, 2), timeout=20)
        await wait_for(lambda: _duplicates_seen(runtime, topic, 2), timeout=20)
    rows = await probe_db["applied"].find({}, {"_id": 0}).to_list()
    assert sorted(r["event_id"] for r in rows) == sorted([str(twin.id), str(other.id)])


async def _applied_at_least(db: Database, n: int) -> bool:
    return await db["applied"].count_documents({}) >= n


async def _duplicates_seen(runtime: Runtime, topic: str, n: int) -> bool:
    return runtime.consumer.stats.counts.get((topic, Outcome.duplicate), 0) >= n


async def test_malformed_message_goes_to_dead_letter_and_the_next_is_processed(
    infra: Endpoints, runtime: Runtime, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    runtime.consumer.on(UserRegistered)(counting_handler(probe_db))
    runtime.consume()
    topic = f"{topics}identity.users"
    good = registered(7)
    broken_contract = registered(8).model_copy(update={"payload": {"user_id": 8}})
    await raw_producer.send_and_wait(topic, b"{not json", key=b"u7")
    await raw_producer.send_and_wait(topic, broken_contract.to_bytes(), key=b"u7")
    await raw_producer.send_and_wait(topic, good.to_bytes(), key=b"u7")
    async with runtime.running():
        await wait_for(lambda: probe_db["applied"].count_documents({}), timeout=20)
    dead = await read_topic(infra.kafka, f"{topic}.dlt")
    assert [r.value for r in dead] == [b"{not json", broken_contract.to_bytes()]
    headers = dict(dead[0].headers)
    assert headers["jf-dlt-reason"] == b"malformed envelope"
    assert headers["jf-dlt-original-topic"] == topic.encode()
    rows = await probe_db["applied"].find({}, {"_id": 0}).to_list()
    assert [r["event_id"] for r in rows] == [str(good.id)]


async def test_handler_that_keeps_failing_is_dead_lettered_after_bounded_retries(
    infra: Endpoints, runtime: Runtime, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    calls: list[str] = []

    async def flaky(envelope: Envelope, payload: Any) -> None:
        calls.append(payload.user_id)
        if payload.user_id == "u1":
            raise RuntimeError("downstream is broken")
        await probe_db["applied"].insert_one({"event_id": str(envelope.id)})

    runtime.consumer.on(UserRegistered)(flaky)
    runtime.consume()
    topic = f"{topics}identity.users"
    poison, after = registered(1), registered(2)
    for event in (poison, after):
        await raw_producer.send_and_wait(topic, event.to_bytes(), key=b"same-key")
    async with runtime.running():
        await wait_for(lambda: probe_db["applied"].count_documents({}), timeout=20)
    assert calls == ["u1"] * 4 + ["u2"]
    dead = await read_topic(infra.kafka, f"{topic}.dlt")
    assert [Envelope.from_bytes(r.value).id for r in dead] == [poison.id]


async def test_consumer_restarted_mid_stream_resumes_without_loss_or_doubles(
    probe_settings: Any, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    topic = f"{topics}identity.users"
    events = [registered(n) for n in range(60)]
    for event in events[:30]:
        await raw_producer.send(topic, event.to_bytes(), key=event.key.encode())
    await raw_producer.flush()

    first = Runtime("probe", probe_settings)
    first.consumer.on(UserRegistered)(counting_handler(probe_db))
    first.consume()
    async with first.running():
        await wait_for(lambda: _at_least(probe_db, 10))
    # more arrive while the consumer is down
    for event in events[30:]:
        await raw_producer.send(topic, event.to_bytes(), key=event.key.encode())
    await raw_producer.flush()

    second = Runtime("probe", probe_settings)
    second.consumer.on(UserRegistered)(counting_handler(probe_db))
    second.consume()
    async with second.running():
        await wait_for(lambda: _at_least(probe_db, 60), timeout=90)
    rows = await probe_db["applied"].find({}, {"_id": 0}).to_list()
    assert sorted(r["event_id"] for r in rows) == sorted(str(e.id) for e in events)


async def _at_least(db: Database, n: int) -> bool:
    return await db["applied"].count_documents({}) >= n


async def test_relay_publishes_committed_events_in_order_with_their_keys(
    infra: Endpoints, runtime: Runtime, probe_db: Database, topics: str
) -> None:
    events = [
        build_event(
            UserBlocked(blocker_id="a", blocked_id=f"b{n}"),
            producer="probe",
            occurred_at=datetime.now(UTC),
        )
        for n in range(20)
    ]
    outbox: Outbox = runtime.outbox
    for event in events:
        async with outbox.unit(
            [event], topic="identity.users", collection="users", aggregate_id="a"
        ) as unit:
            await probe_db["users"].update_one(
                {"_id": "a"},
                stamp({"$set": {"n": event.payload["blocked_id"]}}, unit),
                upsert=True,
            )
    async with runtime.running():
        await wait_for(lambda: _published(probe_db, 20))
    records = await read_topic(infra.kafka, f"{topics}identity.users")
    assert [Envelope.from_bytes(r.value).id for r in records] == [e.id for e in events]
    assert {r.key for r in records} == {b"a"}


async def _published(db: Database, n: int) -> bool:
    return await db["outbox_published"].count_documents({}) >= n


async def test_an_event_whose_publish_failed_is_published_by_the_recovery_pass(
    infra: Endpoints, runtime: Runtime, topics: str
) -> None:
    async def broker_down(*_: Any) -> Any:
        raise ConnectionError("broker unreachable")

    event = registered(1)
    await runtime.outbox.emit([event], topic="identity.users")
    with pytest.raises(ConnectionError):
        await OutboxRelay(runtime.outbox, broker_down).publish_ready()
    await runtime.broker.start()
    try:
        await OutboxRelay(runtime.outbox, runtime.relay._send).recover(older_than=timedelta(0))
    finally:
        await runtime.broker.stop()
    records = await read_topic(infra.kafka, f"{topics}identity.users")
    assert [Envelope.from_bytes(r.value).id for r in records] == [event.id]


async def test_events_emitted_together_are_published_once_by_either_path_and_then_gone(
    infra: Endpoints,
    runtime: Runtime,
    probe_db: Database,
    topics: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Several events emitted at once are stored in bundles (here two events a bundle): the
    recovery pass publishes them all after a failed fast path; the fast path deletes its own."""
    monkeypatch.setattr(outbox_module, "BUNDLE_EVENTS", 2)

    async def broker_down(*_: Any) -> Any:
        raise ConnectionError("broker unreachable")

    failed = [registered(n) for n in range(5)]
    await runtime.outbox.emit(failed, topic="identity.users")
    assert await probe_db["outbox"].count_documents({}) == 3
    with pytest.raises(ConnectionError):
        await OutboxRelay(runtime.outbox, broker_down).publish_ready()
    fine = [registered(n) for n in range(5, 8)]
    await runtime.outbox.emit(fine, topic="identity.users")
    await runtime.broker.start()
    try:
        relay = OutboxRelay(runtime.outbox, runtime.relay._send)
        assert await relay.publish_ready() == len(fine)
        await relay.recover(older_than=timedelta(0))
    finally:
        await runtime.broker.stop()
    records = await read_topic(infra.kafka, f"{topics}identity.users")
    published = [Envelope.from_bytes(r.value).id for r in records]
    assert sorted(published) == sorted(e.id for e in fine + failed)
    assert await probe_db["outbox"].count_documents({}) == 0


async def test_drain_returns_only_once_what_the_fast_path_holds_is_acknowledged(
    runtime: Runtime, probe_db: Database, topics: str
) -> None:
    acknowledged = asyncio.Event()

    async def slow_ack(*record: Any) -> Any:
        sent = await runtime.relay._send(*record)

        async def later() -> Any:
            await asyncio.sleep(0.5)  # a broker slow to acknowledge
            result = await sent
            acknowledged.set()
            return result

        return later()

    relay = OutboxRelay(runtime.outbox, slow_ack)
    await runtime.broker.start()
    relay.start()
    try:
        await runtime.outbox.emit([registered(1)], topic="identity.users")

        async def taken() -> bool:  # by the fast path, which now waits for the broker
            return runtime.outbox.ready.empty() and bool(runtime.outbox.in_flight)

        await wait_for(taken, interval=0.001)
        await relay.drain()
        assert acknowledged.is_set()
    finally:
        await relay.stop()
        await runtime.broker.stop()
