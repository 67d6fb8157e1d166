"""Seats, the fair waitlist and check-ins on the real store, including the race for the last
seats that a store without atomic read-modify-write must not lose."""

import asyncio
from datetime import timedelta
from typing import Any

from jobfriends_shared.contracts.identity import UserBlocked

from .conftest import Events


async def attendees(
    events: Events, event_id: str, viewer: str, status: str
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"status": status, "limit": 7}
        if cursor:
            params["cursor"] = cursor
        response = await events.call(
            "GET", f"/v1/events/{event_id}/attendees", viewer, params=params
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def claims(events: Events, event_id: str) -> list[dict[str, Any]]:
    """The arrival log, in arrival order."""
    cursor = events.db["rsvp_claims"].find({"event_id": event_id}).sort("seq", 1)
    return await cursor.to_list(length=None)


async def test_going_beyond_capacity_joins_the_waitlist_in_arrival_order(events: Events) -> None:
    created = await events.create("host", capacity=2)
    answers = [(await events.rsvp(created["id"], p)).json() for p in ("a", "b", "c", "d")]
    assert [a["status"] for a in answers] == ["going", "going", "waitlisted", "waitlisted"]
    assert [a["position"] for a in answers] == [None, None, 1, 2]
    waiting = await attendees(events, created["id"], "x", "waitlisted")
    assert [(w["user_id"], w["position"]) for w in waiting] == [("c", 1), ("d", 2)]
    detail = (await events.call("GET", f"/v1/events/{created['id']}", "d")).json()
    assert (detail["going"], detail["waitlisted"], detail["seats_left"]) == (2, 2, 0)
    assert detail["my_rsvp"] == {
        "event_id": created["id"],
        "status": "waitlisted",
        "position": 2,
        "previous": None,
    }


async def test_saying_going_twice_keeps_ones_place(events: Events) -> None:
    created = await events.create("host", capacity=1)
    await events.rsvp(created["id"], "a")
    first = (await events.rsvp(created["id"], "b")).json()
    again = (await events.rsvp(created["id"], "b")).json()
    assert first["status"] == again["status"] == "waitlisted"
    assert len(await claims(events, created["id"])) == 2
    changes = await events.wait_published(2, "rsvp.changed")
    assert [c.payload["status"] for c in changes] == ["going", "waitlisted"]


async def test_fifty_concurrent_rsvps_for_the_last_five_seats_never_oversell(
    events: Events,
) -> None:
    created = await events.create("host", capacity=10)
    event_id = created["id"]
    for person in ("early1", "early2", "early3", "early4", "early5"):
        assert (await events.rsvp(event_id, person)).json()["status"] == "going"

    people = [f"p{i:02d}" for i in range(50)]
    responses = await asyncio.gather(*(events.rsvp(event_id, p) for p in people))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    told = {p: r.json() for p, r in zip(people, responses, strict=True)}
    going = sorted(p for p, a in told.items() if a["status"] == "going")
    waiting = [p for p, a in told.items() if a["status"] == "waitlisted"]
    assert len(going) == 5 and len(waiting) == 45

    # Arrival order is the order of the log; seats went to the first five arrivals and the
    # waitlist follows the log exactly.
    log = [c["user_id"] for c in await claims(events, event_id)]
    assert log[:5] == ["early1", "early2", "early3", "early4", "early5"]
    assert sorted(log[5:10]) == going
    assert sorted(told[p]["position"] for p in waiting) == list(range(1, 46))
    assert all(told[p]["position"] == log.index(p) - 9 for p in waiting)

    seated = await attendees(events, event_id, "x", "going")
    assert len(seated) == 10
    assert [w["user_id"] for w in await attendees(events, event_id, "x", "waitlisted")] == log[10:]
    assert await events.db["seats"].count_documents({"event_id": event_id}) == 10
    # exactly one announcement per person: 10 seats, 45 places on the waitlist
    announced = await events.wait_published(55, "rsvp.changed")
    by_status = [e.payload["status"] for e in announced]
    assert by_status.count("going") == 10 and by_status.count("waitlisted") == 45


async def test_a_drop_out_promotes_the_first_on_the_waitlist_and_tells_them(
    events: Events,
) -> None:
    created = await events.create("host", capacity=2)
    event_id = created["id"]
    for person in ("a", "b", "c", "d"):
        await events.rsvp(event_id, person)
    response = await events.call("DELETE", f"/v1/events/{event_id}/rsvp", "a")
    assert response.status_code == 204

    going = [g["user_id"] for g in await attendees(events, event_id, "x", "going")]
    assert going == ["b", "c"]
    waiting = await attendees(events, event_id, "x", "waitlisted")
    assert [(w["user_id"], w["position"]) for w in waiting] == [("d", 1)]
    (promoted,) = await events.wait_published(1, "waitlist.promoted")
    assert promoted.payload["user_id"] == "c"
    assert promoted.payload["title"] == "UX research meetup"
    mine = (await events.call("GET", f"/v1/events/{event_id}", "c")).json()["my_rsvp"]
    assert mine["status"] == "going"

    # a going person stepping down to "interested" frees a seat too
    step = await events.rsvp(event_id, "b", "interested")
    assert step.json() == {
        "event_id": event_id,
        "status": "interested",
        "position": None,
        "previous": "going",
    }
    promotions = await events.wait_published(2, "waitlist.promoted")
    assert promotions[1].payload["user_id"] == "d"
    interested = await attendees(events, event_id, "x", "interested")
    assert [i["user_id"] for i in interested] == ["b"]


async def test_concurrent_drop_outs_promote_each_waiting_person_exactly_once(
    events: Events,
) -> None:
    created = await events.create("host", capacity=5)
    event_id = created["id"]
    people = [f"p{i}" for i in range(12)]
    for person in people:
        await events.rsvp(event_id, person)
    leaving = people[:4]
    await asyncio.gather(
        *(events.call("DELETE", f"/v1/events/{event_id}/rsvp", p) for p in leaving)
    )
    going = [g["user_id"] for g in await attendees(events, event_id, "x", "going")]
    assert going == people[4:9]
    promotions = await events.wait_published(4, "waitlist.promoted")
    assert sorted(p.payload["user_id"] for p in promotions) == people[5:9]
    assert len(await events.published("waitlist.promoted")) == 4


async def test_a_person_who_left_and_returns_joins_the_end_of_the_queue(events: Events) -> None:
    created = await events.create("host", capacity=1)
    event_id = created["id"]
    await events.rsvp(event_id, "a")
    await events.rsvp(event_id, "b")
    await events.rsvp(event_id, "a", "not_going")
    back = (await events.rsvp(event_id, "a")).json()
    assert back["status"] == "waitlisted" and back["position"] == 1
    assert back["previous"] == "not_going"


async def test_raising_capacity_promotes_waiting_people(events: Events) -> None:
    created = await events.create("host", capacity=1)
    event_id = created["id"]
    for person in ("a", "b", "c"):
        await events.rsvp(event_id, person)
    response = await events.call("PATCH", f"/v1/events/{event_id}", "host", json={"capacity": 2})
    assert response.status_code == 200
    assert response.json()["going"] == 2
    (promoted,) = await events.wait_published(1, "waitlist.promoted")
    assert promoted.payload["user_id"] == "b"
    unlimited = await events.call(
        "PATCH", f"/v1/events/{event_id}", "host", json={"capacity": None}
    )
    assert unlimited.json()["going"] == 3 and unlimited.json()["seats_left"] is None


async def test_bad_rsvps_are_refused(events: Events) -> None:
    created = await events.create("host")
    path = f"/v1/events/{created['id']}/rsvp"
    for body in ({"status": "waitlisted"}, {"status": "maybe"}, {}, {"status": "going", "x": 1}):
        response = await events.call("PUT", path, "a", json=body)
        assert response.status_code == 422, body
    assert (await events.rsvp("nope", "a")).status_code == 404


async def test_attendee_lists_hide_blocked_people_both_ways(events: Events) -> None:
    created = await events.create("host")
    for person in ("a", "b", "c"):
        await events.rsvp(created["id"], person)
    await events.deliver(UserBlocked(blocker_id="a", blocked_id="b"), "identity.users")
    seen_by_a = [x["user_id"] for x in await attendees(events, created["id"], "a", "going")]
    seen_by_b = [x["user_id"] for x in await attendees(events, created["id"], "b", "going")]
    seen_by_c = [x["user_id"] for x in await attendees(events, created["id"], "c", "going")]
    assert seen_by_a == ["a", "c"]
    assert seen_by_b == ["b", "c"]
    assert seen_by_c == ["a", "b", "c"]
    bad = await events.call(
        "GET", f"/v1/events/{created['id']}/attendees", "a", params={"cursor": "bm90IGpzb24"}
    )
    assert bad.status_code == 422


async def test_the_host_checks_in_people_with_a_seat_once(events: Events) -> None:
    created = await events.create("host", capacity=1)
    event_id = created["id"]
    await events.rsvp(event_id, "a")
    await events.rsvp(event_id, "b")  # waitlisted
    path = f"/v1/events/{event_id}/checkins"

    early = await events.call("POST", path, "host", json={"user_id": "a"})
    assert early.status_code == 409 and early.json()["code"] == "checkin_not_open"

    events.clock.set(events.clock.now() + timedelta(days=7, minutes=10))
    assert (await events.call("POST", path, "a", json={"user_id": "a"})).status_code == 403
    waiting = await events.call("POST", path, "host", json={"user_id": "b"})
    assert waiting.status_code == 409 and waiting.json()["code"] == "not_going"
    first = await events.call("POST", path, "host", json={"user_id": "a"})
    assert first.status_code == 201 and first.json()["already"] is False
    second = await events.call("POST", path, "host", json={"user_id": "a"})
    assert second.status_code == 200 and second.json()["already"] is True

    (checked,) = await events.wait_published(1, "attendance.checked_in")
    assert checked.payload == {"event_id": event_id, "user_id": "a"}
    host_view = await attendees(events, event_id, "host", "going")
    assert host_view == [{"user_id": "a", "status": "going", "checked_in": True}]
    guest_view = await attendees(events, event_id, "b", "going")
    assert guest_view == [{"user_id": "a", "status": "going"}]


async def test_one_persons_racing_requests_take_one_place(events: Events) -> None:
    created = await events.create("host", capacity=1)
    await events.rsvp(created["id"], "first")
    answers = await asyncio.gather(*(events.rsvp(created["id"], "twin") for _ in range(6)))
    assert {a.json()["status"] for a in answers} == {"waitlisted"}
    log = [c["user_id"] for c in await claims(events, created["id"])]
    assert log == ["first", "twin"]
    changes = await events.wait_published(2, "rsvp.changed")
    assert [c.payload["user_id"] for c in changes] == ["first", "twin"]
