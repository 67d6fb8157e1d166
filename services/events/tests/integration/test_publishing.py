"""Publishing, editing and cancelling events through the API, against the real store and broker."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jobfriends_shared.contracts.feed import GroupCreated, GroupMemberJoined, GroupMemberLeft
from jobfriends_shared.contracts.identity import UserBlocked
from jobfriends_shared.contracts.matching import ConnectionAccepted, pair_id

from .conftest import Events


async def test_a_published_event_is_stored_shown_and_announced(events: Events) -> None:
    created = await events.create("ana", capacity=30)
    assert created["host_id"] == "ana"
    assert created["status"] == "scheduled"
    starts = datetime.fromisoformat(created["starts_at"])
    local = starts.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    assert created["starts_at_local"] == local.isoformat()
    assert created["going"] == 0 and created["seats_left"] == 30
    assert created["my_rsvp"]["status"] is None

    shown = await events.call("GET", f"/v1/events/{created['id']}", "bo")
    assert shown.status_code == 200
    assert shown.json()["title"] == "UX research meetup"

    (announced,) = await events.wait_published(1, "event.created")
    assert announced.key == created["id"]
    assert announced.correlation_id == "test-corr"
    assert announced.payload["location"] == {"lat": 52.52, "lon": 13.405}
    assert announced.payload["capacity"] == 30


BAD_EVENTS: list[tuple[dict[str, Any], str]] = [
    ({"ends_at": "2020-01-01T10:00:00+00:00"}, "ends_before_start"),
    (
        {"starts_at": "2020-01-01T10:00:00+00:00", "ends_at": "2020-01-01T12:00:00+00:00"},
        "starts_in_past",
    ),
    ({"capacity": 0}, "invalid_capacity"),
    ({"capacity": -3}, "invalid_capacity"),
    ({"location": {"lat": 95, "lon": 13.4}}, "invalid_location"),
    ({"location": {"lat": 52.5, "lon": 181}}, "invalid_location"),
    ({"time_zone": "Europe/Atlantis"}, "unknown_time_zone"),
    ({"professions": ["dragon-tamer"]}, "unknown_profession"),
    ({"kind": "online", "location": None}, "online_url_required"),
    ({"visibility": "group"}, "invalid_visibility"),
]
MALFORMED: list[dict[str, Any]] = [
    {"host_id": "someone-else"},
    {"status": "cancelled"},
    {"title": {"$gt": ""}},
    {"capacity": "many"},
    {"location": {"lat": "north", "lon": 1}},
]


async def test_bad_events_are_refused_with_a_clear_client_error(events: Events) -> None:
    for overrides, code in BAD_EVENTS:
        response = await events.call("POST", "/v1/events", "ana", json=events.draft(**overrides))
        assert response.status_code == 422, (overrides, response.text)
        assert response.json()["code"] == code, overrides
        assert response.json()["message"]
    for body in MALFORMED:
        response = await events.call("POST", "/v1/events", "ana", json=events.draft(**body))
        assert response.status_code == 422, body
        assert response.json()["code"] == "invalid_request"
    assert await events.db["events"].count_documents({}) == 0


async def test_requests_need_a_signed_in_person_coming_through_the_gateway(events: Events) -> None:
    anonymous = await events.call("GET", "/v1/events")
    assert anonymous.status_code == 401
    forged = await events.client.get("/v1/events", headers={"x-jf-user-id": "ana"})
    assert forged.status_code == 401
    assert forged.json()["code"] == "not_gateway"


async def test_only_the_host_edits_and_an_edit_is_announced_with_what_changed(
    events: Events,
) -> None:
    created = await events.create("ana")
    path = f"/v1/events/{created['id']}"
    forbidden = await events.call("PATCH", path, "bo", json={"title": "Mine now"})
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "not_host"

    response = await events.call(
        "PATCH", path, "ana", json={"title": "UX research night", "capacity": 12}
    )
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "UX research night"
    (updated,) = await events.wait_published(1, "event.updated")
    assert set(updated.payload["changed"]) == {"title", "capacity"}
    assert updated.payload["capacity"] == 12

    unchanged = await events.call("PATCH", path, "ana", json={"title": "UX research night"})
    assert unchanged.status_code == 200
    bad = await events.call("PATCH", path, "ana", json={"ends_at": created["starts_at"]})
    assert bad.status_code == 422 and bad.json()["code"] == "ends_before_start"
    assert len(await events.published("event.updated")) == 1


async def test_capacity_cannot_drop_below_the_people_who_have_seats(events: Events) -> None:
    created = await events.create("ana", capacity=5)
    for person in ("bo", "cy", "di"):
        assert (await events.rsvp(created["id"], person)).json()["status"] == "going"
    path = f"/v1/events/{created['id']}"
    refused = await events.call("PATCH", path, "ana", json={"capacity": 2})
    assert refused.status_code == 409
    assert refused.json()["code"] == "capacity_below_going"
    assert (await events.call("PATCH", path, "ana", json={"capacity": 3})).status_code == 200


async def test_cancelling_tells_attendees_and_closes_the_event(events: Events) -> None:
    created = await events.create("ana")
    path = f"/v1/events/{created['id']}"
    await events.rsvp(created["id"], "bo")
    assert (await events.call("POST", f"{path}/cancel", "bo")).status_code == 403

    response = await events.call("POST", f"{path}/cancel", "ana")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = await events.call("POST", f"{path}/cancel", "ana")
    assert again.status_code == 200

    (cancelled,) = await events.wait_published(1, "event.cancelled")
    assert cancelled.payload["event_id"] == created["id"]

    rsvp = await events.rsvp(created["id"], "cy")
    assert rsvp.status_code == 409 and rsvp.json()["code"] == "event_cancelled"
    edit = await events.call("PATCH", path, "ana", json={"title": "Back on"})
    assert edit.status_code == 409
    listed = await events.call("GET", "/v1/events", "cy")
    assert listed.json()["items"] == []


async def test_rsvps_to_a_finished_event_are_refused(events: Events) -> None:
    created = await events.create("ana")
    events.clock.advance(timedelta(days=8))
    response = await events.rsvp(created["id"], "bo")
    assert response.status_code == 409
    assert response.json()["code"] == "event_over"


async def test_only_group_members_host_for_a_group(events: Events) -> None:
    social = "feed.social"
    unknown = await events.call("POST", "/v1/events", "ana", json=events.draft(group_id="g1"))
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_group"

    await events.deliver(GroupCreated(group_id="g1", owner_id="owner", name="UX Berlin"), social)
    outsider = await events.call("POST", "/v1/events", "ana", json=events.draft(group_id="g1"))
    assert outsider.status_code == 403 and outsider.json()["code"] == "not_group_member"

    await events.deliver(GroupMemberJoined(group_id="g1", user_id="ana"), social)
    hosted = await events.create("ana", group_id="g1", visibility="group")
    assert hosted["group_id"] == "g1"
    owner = await events.create("owner", group_id="g1")
    assert owner["group_id"] == "g1"

    # group-only events are for members
    path = f"/v1/events/{hosted['id']}"
    assert (await events.call("GET", path, "stranger")).status_code == 404
    assert (await events.call("GET", path, "owner")).status_code == 200

    await events.deliver(GroupMemberLeft(group_id="g1", user_id="ana"), social)
    left = await events.call("POST", "/v1/events", "ana", json=events.draft(group_id="g1"))
    assert left.status_code == 403


async def test_connections_only_events_are_hidden_from_strangers(events: Events) -> None:
    created = await events.create("ana", visibility="connections")
    path = f"/v1/events/{created['id']}"
    assert (await events.call("GET", path, "bo")).status_code == 404
    assert (await events.rsvp(created["id"], "bo")).status_code == 404
    await events.deliver(
        ConnectionAccepted(
            pair_id=pair_id("ana", "bo"), from_user_id="bo", to_user_id="ana", request_id="r1"
        ),
        "matching.connections",
    )
    assert (await events.call("GET", path, "bo")).status_code == 200
    listed = await events.call("GET", "/v1/events", "bo")
    assert [e["id"] for e in listed.json()["items"]] == [created["id"]]


async def test_a_block_hides_the_hosts_events_both_ways(events: Events) -> None:
    created = await events.create("ana")
    await events.deliver(UserBlocked(blocker_id="bo", blocked_id="ana"), "identity.users")
    path = f"/v1/events/{created['id']}"
    assert (await events.call("GET", path, "bo")).status_code == 404
    assert (await events.call("GET", f"{path}.ics", "bo")).status_code == 404
    listed = await events.call("GET", "/v1/events", "bo")
    assert listed.json()["items"] == []
    near = await events.call("GET", "/v1/events", "bo", params={"near": "52.52,13.405"})
    assert near.json()["items"] == []
    assert (await events.call("GET", path, "cy")).status_code == 200


async def test_unknown_events_are_not_found(events: Events) -> None:
    response = await events.call("GET", "/v1/events/doesnotexist", "ana")
    assert response.status_code == 404
    assert response.json()["code"] == "event_not_found"
    assert (await events.call("GET", "/v1/events/bad$id", "ana")).status_code == 422
