"""What the service does with other services' events: projections, erasure, idempotency."""

from typing import Any

from aiokafka import AIOKafkaProducer
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserBlocked, UserDeleted, UserUnblocked
from jobfriends_shared.contracts.matching import ConnectionAccepted, SuggestionsRefreshed, pair_id
from jobfriends_shared.testing import wait_for

from .conftest import Events


async def going(events: Events, event_id: str, viewer: str = "x") -> list[str]:
    response = await events.call("GET", f"/v1/events/{event_id}/attendees", viewer)
    return [i["user_id"] for i in response.json()["items"]]


async def test_events_arrive_from_kafka_itself(events: Events) -> None:
    created = await events.create("ana")
    infra = events.settings.infra
    envelope = build_event(
        UserBlocked(blocker_id="ana", blocked_id="bo"),
        producer="identity",
        occurred_at=events.clock.now(),
    )
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            f"{infra.topic_prefix}identity.users", envelope.to_bytes(), key=b"ana"
        )
    finally:
        await producer.stop()

    async def hidden() -> bool:
        response = await events.call("GET", f"/v1/events/{created['id']}", "bo")
        return response.status_code == 404

    assert await wait_for(hidden, timeout=30)


async def test_a_redelivered_event_changes_nothing_twice(events: Events) -> None:
    created = await events.create("ana")
    first = await events.deliver(UserBlocked(blocker_id="ana", blocked_id="bo"), "identity.users")
    assert await events.redeliver(first, "identity.users") == Outcome.duplicate
    await events.deliver(UserUnblocked(blocker_id="ana", blocked_id="bo"), "identity.users")
    # the same fact again under a new id (a producer retry): still idempotent by content
    await events.deliver(UserUnblocked(blocker_id="ana", blocked_id="bo"), "identity.users")
    response = await events.call("GET", f"/v1/events/{created['id']}", "bo")
    assert response.status_code == 200
    accepted = ConnectionAccepted(
        pair_id=pair_id("a", "b"), from_user_id="a", to_user_id="b", request_id="r"
    )
    await events.deliver(accepted, "matching.connections")
    await events.deliver(accepted, "matching.connections")
    assert await events.db["connections"].count_documents({}) == 1


async def test_a_deleted_person_leaves_every_waitlist_moving_it_up(events: Events) -> None:
    created = await events.create("host", capacity=1)
    event_id = created["id"]
    await events.rsvp(event_id, "gone")
    await events.rsvp(event_id, "next")
    other = await events.create("host", title="Other meetup")
    await events.rsvp(other["id"], "gone", "interested")

    envelope = await events.deliver(UserDeleted(user_id="gone"), "identity.users")
    assert await going(events, event_id) == ["next"]
    (promoted,) = await events.wait_published(1, "waitlist.promoted")
    assert promoted.payload["user_id"] == "next"
    for collection in ("rsvps", "seats", "checkins", "reminders"):
        assert await events.db[collection].count_documents({"user_id": "gone"}) == 0
    assert await events.db["rsvp_claims"].count_documents({"user_id": "gone"}) == 0
    assert await events.db["rsvp_claims"].count_documents({"event_id": event_id}) == 2

    # the same deletion, delivered again under a new id, changes nothing
    await events.deliver(UserDeleted(user_id="gone"), "identity.users")
    assert await events.redeliver(envelope, "identity.users") == Outcome.duplicate
    assert await going(events, event_id) == ["next"]
    assert len(await events.published("waitlist.promoted")) == 1


async def test_a_deleted_hosts_events_are_cancelled_for_attendees_then_erased(
    events: Events,
) -> None:
    created = await events.create("gone")
    await events.rsvp(created["id"], "guest")
    kept = await events.create("stays")

    await events.deliver(UserDeleted(user_id="gone"), "identity.users")
    (cancelled,) = await events.wait_published(1, "event.cancelled")
    assert cancelled.payload["event_id"] == created["id"]
    assert (await events.call("GET", f"/v1/events/{created['id']}", "guest")).status_code == 404
    assert await events.db["events"].count_documents({"host_id": "gone"}) == 0
    assert await events.db["rsvps"].count_documents({"event_id": created["id"]}) == 0
    listed = await events.call("GET", "/v1/events", "guest", params={"near": "52.52,13.405"})
    assert [e["id"] for e in listed.json()["items"]] == [kept["id"]]

    await events.deliver(UserDeleted(user_id="gone"), "identity.users")
    assert len(await events.published("event.cancelled")) == 1


async def test_where_my_matches_go_counts_for_recommendations(events: Events) -> None:
    created = await events.create("host", title="Matches go here", professions=[], topics=[])
    await events.rsvp(created["id"], "match1")
    items: list[Any] = (
        await events.call("GET", "/v1/events", "me", params={"recommended": "true"})
    ).json()["items"]
    assert items == []
    await events.deliver(
        SuggestionsRefreshed(user_id="me", count=3, top=("match1", "match2")),
        "matching.suggestions",
    )
    items = (await events.call("GET", "/v1/events", "me", params={"recommended": "true"})).json()[
        "items"
    ]
    assert [i["title"] for i in items] == ["Matches go here"]


async def test_a_malformed_message_is_dead_lettered_not_applied(events: Events) -> None:
    runtime = events.app.state.runtime
    outcome = await runtime.consumer.handle(
        b'{"not": "an envelope"}', topic=f"{events.settings.infra.topic_prefix}identity.users"
    )
    assert outcome == Outcome.dead_lettered
