"""Stopping an instance (a deploy, a scale-down, a node drain) finishes the message it is
handling, publishes what that message led to, and commits it: nothing is cut off half-applied,
and the next instance in the group neither loses nor repeats it."""

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.testing import read_topic, wait_for


async def _committed(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


def _registered(user_id: str) -> Envelope:
    return build_event(
        UserRegistered(user_id=user_id, email=f"{user_id}@example.org", display_name="U"),
        producer="probe",
        occurred_at=datetime.now(UTC),
    )


async def test_stopping_finishes_the_message_in_hand_and_commits_it(
    probe_settings: Any, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    def instance(name: str) -> Runtime:
        runtime = Runtime("probe", probe_settings.model_copy(update={"instance_id": name}))

        async def apply(envelope: Envelope, payload: Any) -> None:
            if payload.user_id == "slow":
                started.set()
                await release.wait()
                # what the message leads to is staged while the instance is already stopping
                await runtime.outbox.emit([_registered("echo")], topic="identity.users")
            await probe_db["applied"].insert_one({"user": payload.user_id, "by": name})

        runtime.consumer.on(UserRegistered)(apply)
        runtime.consume()
        return runtime

    async def send(event: Envelope) -> None:
        await raw_producer.send_and_wait(
            f"{topics}identity.users", event.to_bytes(), key=event.key.encode()
        )

    first, stop = instance("first"), asyncio.Event()

    async def serve_until_stopped() -> None:
        async with first.running():
            await stop.wait()

    serving = asyncio.create_task(serve_until_stopped())
    await send(_registered("slow"))
    await asyncio.wait_for(started.wait(), 60)

    stop.set()  # as on SIGTERM: the app's lifespan ends while the handler is mid-message
    subscriber = first.broker.subscribers[0]

    async def stopping() -> bool:
        return not getattr(subscriber, "running", True)

    await wait_for(stopping, timeout=30)
    release.set()
    await asyncio.wait_for(serving, 30)

    applied = await probe_db["applied"].find({}, {"_id": 0}).to_list()
    assert applied == [{"user": "slow", "by": "first"}]
    physical = f"{topics}identity.users"
    published = await read_topic(probe_settings.infra.kafka_bootstrap_servers, physical)
    assert len(published) == 2  # the slow event and the one its handler staged while stopping
    slow = next(r for r in published if b'"slow"' in r.value)
    committed = await _committed(
        probe_settings.infra.kafka_bootstrap_servers, f"{topics}probe:identity.users"
    )
    assert committed[(physical, slow.partition)] == slow.offset + 1

    second = instance("second")
    async with second.running():
        await send(_registered("after"))

        async def after_applied() -> bool:
            return await probe_db["applied"].count_documents({"user": {"$ne": "slow"}}) == 2

        await wait_for(after_applied, timeout=60)
    applied = await probe_db["applied"].find({}, {"_id": 0}).to_list()
    assert sorted(row["user"] for row in applied) == ["after", "echo", "slow"]


async def test_a_step_that_never_ends_does_not_keep_the_instance_from_stopping(
    runtime: Runtime, topics: str
) -> None:
    runtime.consume()
    close = runtime.client.close
    stuck = asyncio.Event()

    async def never_closes() -> None:
        stuck.set()
        await asyncio.Event().wait()  # a store that stopped answering

    runtime.client.close = never_closes  # type: ignore[method-assign]
    try:
        async with asyncio.timeout(30):  # the store's step gives up after 3 s
            async with runtime.running():
                pass
        assert stuck.is_set()
    finally:
        await close()
