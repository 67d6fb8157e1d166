"""Batch consumption keeps every promise of one-at-a-time consumption — against the real broker
and store: events reach a batch handler together and in their partition's order, events of
other types between them keep their place, one poison event costs only itself, and a repeat
(within a batch or across batches) is applied once."""

from datetime import UTC, datetime
from typing import Any

import pytest
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserBlocked, UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.testing import Endpoints, read_topic, wait_for

from .conftest import registered

pytestmark = pytest.mark.integration
KEY = b"one-person"  # one key: one partition, so one order to keep


async def _send_all(producer: Any, topic: str, events: list[Envelope]) -> None:
    """Everything is on the broker before the consumer starts, so its polls come back full."""
    for event in events:
        await producer.send(topic, event.to_bytes(), key=KEY)
    await producer.flush()


async def _at_least(found: list[str], n: int) -> bool:
    return len(found) >= n


async def _count(db: Database, n: int) -> bool:
    return await db["applied"].count_documents({}) >= n


async def test_consecutive_events_reach_a_batch_handler_together_and_in_order(
    runtime: Runtime, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    calls: list[list[str]] = []

    @runtime.consumer.on_batch(UserRegistered)
    async def store(events: Any) -> None:
        calls.append([payload.user_id for _, payload in events])
        docs = [{"_id": payload.user_id} for _, payload in events]
        await probe_db["applied"].insert_many(docs)

    runtime.consume()
    events = [registered(n) for n in range(200)]
    await _send_all(raw_producer, f"{topics}identity.users", events)
    async with runtime.running():
        await wait_for(lambda: _count(probe_db, 200), timeout=30)
    assert [user for call in calls for user in call] == [f"u{n}" for n in range(200)]
    assert max(len(call) for call in calls) > 1, "every event came alone: nothing was batched"
    assert await probe_db["processed_events"].count_documents({}) == 200


async def test_events_of_other_types_between_keep_their_place(
    runtime: Runtime, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    order: list[str] = []

    @runtime.consumer.on_batch(UserRegistered)
    async def registrations(events: Any) -> None:
        order.extend(payload.user_id for _, payload in events)

    @runtime.consumer.on(UserBlocked)
    async def block(_: Envelope, payload: UserBlocked) -> None:
        order.append(f"block {payload.blocked_id}")

    runtime.consume()
    now = datetime.now(UTC)
    blocked = build_event(
        UserBlocked(blocker_id="u1", blocked_id="u2"), producer="probe", occurred_at=now
    )
    sent = [registered(1), registered(2), blocked, registered(3), registered(4)]
    await _send_all(raw_producer, f"{topics}identity.users", sent)
    async with runtime.running():
        await wait_for(lambda: _at_least(order, 5), timeout=30)
    assert order == ["u1", "u2", "block u2", "u3", "u4"]


async def test_one_poison_event_in_a_batch_costs_only_itself(
    infra: Endpoints, runtime: Runtime, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    calls: list[int] = []

    @runtime.consumer.on_batch(UserRegistered)
    async def store(events: Any) -> None:
        calls.append(len(events))
        if any(payload.user_id == "u3" for _, payload in events):
            raise RuntimeError("u3 breaks the handler")
        await probe_db["applied"].insert_many([{"_id": p.user_id} for _, p in events])

    runtime.consume()
    topic = f"{topics}identity.users"
    events = [registered(n) for n in range(6)]
    await _send_all(raw_producer, topic, events)
    async with runtime.running():
        await wait_for(lambda: _count(probe_db, 5), timeout=30)
        await wait_for(lambda: _dead_lettered(runtime, topic, 1), timeout=30)
    applied = {doc["_id"] for doc in await probe_db["applied"].find().to_list()}
    assert applied == {"u0", "u1", "u2", "u4", "u5"}
    dead = await read_topic(infra.kafka, f"{topic}.dlt")
    assert [Envelope.from_bytes(r.value).id for r in dead] == [events[3].id]
    assert dict(dead[0].headers)["jf-dlt-reason"] == b"handler kept failing"


async def _dead_lettered(runtime: Runtime, topic: str, n: int) -> bool:
    return runtime.consumer.stats.counts.get((topic, Outcome.dead_lettered), 0) >= n


async def test_a_repeat_within_a_batch_and_across_batches_is_applied_once(
    runtime: Runtime, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    seen: list[str] = []

    @runtime.consumer.on_batch(UserRegistered)
    async def store(events: Any) -> None:
        seen.extend(str(envelope.id) for envelope, _ in events)

    runtime.consume()
    twin, other = registered(1), registered(2)
    topic = f"{topics}identity.users"
    await _send_all(raw_producer, topic, [twin, twin, other, twin])
    async with runtime.running():
        await wait_for(lambda: _at_least(seen, 2), timeout=30)
        await wait_for(lambda: _duplicates(runtime, topic, 2), timeout=30)
        await _send_all(raw_producer, topic, [other])  # a later batch
        await wait_for(lambda: _duplicates(runtime, topic, 3), timeout=30)
    assert seen == [str(twin.id), str(other.id)]


async def _duplicates(runtime: Runtime, topic: str, n: int) -> bool:
    return runtime.consumer.stats.counts.get((topic, Outcome.duplicate), 0) >= n
