"""Two instances of one service share a topic's partitions: every event is applied exactly
once, and both instances do part of the work (how `--scale` and replicas behave)."""

from datetime import UTC, datetime
from typing import Any

from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.testing import wait_for


def _instance(settings: Any, db: Database, name: str) -> Runtime:
    runtime = Runtime("probe", settings.model_copy(update={"instance_id": name}))

    async def apply(envelope: Envelope, payload: Any) -> None:
        await db["applied"].insert_one({"event_id": str(envelope.id), "by": name})

    runtime.consumer.on(UserRegistered)(apply)
    runtime.consume()
    return runtime


async def test_two_instances_share_partitions_without_duplicates_or_loss(
    probe_settings: Any, probe_db: Database, topics: str, raw_producer: Any
) -> None:
    first, second = (
        _instance(probe_settings, probe_db, "a"),
        _instance(probe_settings, probe_db, "b"),
    )
    events = [
        build_event(
            UserRegistered(user_id=f"u{n}", email=f"u{n}@example.org", display_name="U"),
            producer="probe",
            occurred_at=datetime.now(UTC),
        )
        for n in range(80)
    ]
    async with first.running(), second.running():

        async def both_assigned() -> bool:
            # After the rebalance each instance holds one of the topic's two partitions.
            subs = [first.broker.subscribers[0], second.broker.subscribers[0]]
            return all(s.consumer is not None and s.consumer.assignment() for s in subs)

        await wait_for(both_assigned, timeout=30)
        for event in events:
            await raw_producer.send(
                f"{topics}identity.users", event.to_bytes(), key=event.key.encode()
            )
        await raw_producer.flush()

        async def all_applied() -> bool:
            return await probe_db["applied"].count_documents({}) >= len(events)

        await wait_for(all_applied, timeout=60)
    rows = await probe_db["applied"].find({}, {"_id": 0}).to_list()
    assert sorted(r["event_id"] for r in rows) == sorted(str(e.id) for e in events)
    assert {r["by"] for r in rows} == {"a", "b"}
