"""The fake event bus: events a use case recorded through the outbox are read back from the
store, and events are handed to a service's consumer as Kafka would hand them."""

from datetime import UTC, datetime
from typing import Any

import pytest
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import TOPIC, UserDeleted, UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import (
    FakeDatabase,
    offline_runtime,
    offline_settings,
    recorded,
    recorded_events,
)
from jobfriends_shared.outbox import Outbox
from jobfriends_shared.settings import ServiceSettings

CLOCK = ControlledClock(datetime(2025, 3, 1, tzinfo=UTC))


def _registered(n: int) -> Envelope:
    payload = UserRegistered(user_id=f"u{n}", email=f"u{n}@example.org", display_name=f"U{n}")
    return build_event(payload, producer="test", occurred_at=CLOCK.now())


async def test_committed_events_are_recorded_in_order_and_abandoned_ones_are_not() -> None:
    db = FakeDatabase()
    outbox = Outbox(db, CLOCK)
    async with outbox.unit([_registered(1)], topic=TOPIC, collection="users", aggregate_id="u1"):
        await db["users"].insert_one({"_id": "u1"})
    with pytest.raises(RuntimeError):
        async with outbox.unit(
            [_registered(2)], topic=TOPIC, collection="users", aggregate_id="u2"
        ):
            raise RuntimeError("the state change failed")
    await outbox.emit([_registered(n) for n in range(3, 6)], topic=TOPIC)  # one bundle

    events = await recorded_events(db)
    assert [e.key for e in events] == ["u1", "u3", "u4", "u5"]
    assert await recorded_events(db, "user.deleted") == []
    payloads = await recorded(db, UserRegistered)
    assert [p.email for p in payloads] == [f"u{n}@example.org" for n in (1, 3, 4, 5)]


async def test_delivered_events_reach_the_handler_once_and_bad_ones_are_dead_lettered() -> None:
    db = FakeDatabase()
    offline = offline_runtime("probe", offline_settings(ServiceSettings), db, CLOCK)
    seen: list[str] = []
    tries: list[Any] = []

    @offline.runtime.consumer.on(UserRegistered)
    async def registered(_: Envelope, event: UserRegistered) -> None:
        seen.append(event.user_id)

    @offline.runtime.consumer.on(UserDeleted)
    async def deleted(_: Envelope, event: UserDeleted) -> None:
        tries.append(event.user_id)
        raise RuntimeError("this handler always fails")

    envelope = _registered(1)
    assert await offline.deliver(envelope) is Outcome.applied
    assert await offline.deliver(envelope) is Outcome.duplicate
    assert seen == ["u1"]
    assert await offline.deliver(UserDeleted(user_id="u1")) is Outcome.dead_lettered
    assert len(tries) > 1  # retried before giving up
    broken = envelope.model_copy(update={"payload": {"user_id": "u2"}})
    assert await offline.deliver(broken) is Outcome.dead_lettered
    reasons = [d.headers["jf-dlt-reason"] for d in offline.dead_letters.sent]
    assert reasons == ["handler kept failing", "payload breaks its contract"]
    assert {d.topic for d in offline.dead_letters.sent} == {"identity.users.dlt"}


async def test_a_service_hears_what_it_recorded_once() -> None:
    db = FakeDatabase()
    offline = offline_runtime("probe", offline_settings(ServiceSettings), db, CLOCK)
    heard: list[str] = []

    @offline.runtime.consumer.on(UserRegistered)
    async def registered(_: Envelope, event: UserRegistered) -> None:
        heard.append(event.user_id)
        if event.user_id == "u1":  # what a handler records is heard in turn
            await offline.runtime.outbox.emit([_registered(2)], topic=TOPIC)

    await offline.runtime.outbox.emit([_registered(1)], topic=TOPIC)
    await offline.runtime.outbox.emit(
        [build_event(UserDeleted(user_id="u1"), producer="t", occurred_at=CLOCK.now())], topic=TOPIC
    )
    outcomes = await offline.deliver_recorded()
    assert outcomes == [Outcome.applied, Outcome.ignored, Outcome.applied]
    assert heard == ["u1", "u2"]
    assert await offline.deliver_recorded() == []
