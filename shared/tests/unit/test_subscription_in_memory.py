"""A service's Kafka subscription, as the runtime wires it (batch subscribers per topic, the
idempotent consumer behind them), driven through FastStream's in-memory broker: records reach
the typed handlers once, and what cannot be read goes to the dead-letter topic."""

from datetime import UTC, datetime

from faststream.kafka import TestKafkaBroker
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserDeleted, UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import FakeDatabase, offline_runtime, offline_settings
from jobfriends_shared.settings import ServiceSettings

CLOCK = ControlledClock(datetime(2025, 3, 1, tzinfo=UTC))


async def test_records_on_a_subscribed_topic_reach_their_handler_once() -> None:
    offline = offline_runtime("probe", offline_settings(ServiceSettings), FakeDatabase(), CLOCK)
    seen: list[str] = []

    @offline.runtime.consumer.on(UserRegistered)
    async def registered(_: Envelope, event: UserRegistered) -> None:
        seen.append(event.user_id)

    offline.runtime.consume()
    payload = UserRegistered(user_id="u1", email="u1@example.org", display_name="U")
    envelope = build_event(payload, producer="identity", occurred_at=CLOCK.now())
    deleted = build_event(UserDeleted(user_id="u1"), producer="identity", occurred_at=CLOCK.now())
    async with TestKafkaBroker(offline.runtime.broker) as broker:
        for record in (envelope, envelope, deleted):  # a redelivery, and an event nobody handles
            await broker.publish(record.to_bytes(), "identity.users", key=b"u1")
        await broker.publish(b"not an envelope", "identity.users", key=b"u1")

    assert seen == ["u1"]
    counts = offline.runtime.consumer.stats.counts
    assert {outcome: n for (_, outcome), n in counts.items()} == {
        Outcome.applied: 1,
        Outcome.duplicate: 1,
        Outcome.ignored: 1,
        Outcome.dead_lettered: 1,
    }
    (dead,) = offline.dead_letters.sent
    assert (dead.topic, dead.value, dead.headers["jf-dlt-reason"]) == (
        "identity.users.dlt",
        b"not an envelope",
        "malformed envelope",
    )
