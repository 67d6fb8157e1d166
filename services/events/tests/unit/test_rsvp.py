"""Seats, the fair waitlist, attendee lists and check-ins, at the service layer."""

from datetime import timedelta
from typing import Any

import pytest
from jobfriends_shared.contracts.events import (
    AttendanceCheckedIn,
    RsvpChanged,
    RsvpStatus,
    WaitlistPromoted,
)
from jobfriends_shared.contracts.identity import UserBlocked
from jobfriends_shared.errors import Conflict, Forbidden, Invalid
from jobfriends_shared.fakes import recorded

from .conftest import Events


async def answers(events: Events) -> list[tuple[str, str, str | None]]:
    """Every announced RSVP change: (person, status, previous)."""
    return [
        (c.user_id, c.status.value, c.previous.value if c.previous else None)
        for c in await recorded(events.db, RsvpChanged)
    ]


async def listed(events: Events, event_id: str, viewer: str, status: str) -> list[Any]:
    wanted = RsvpStatus(status)
    items, _ = await events.services.rsvps.attendees(event_id, viewer, wanted, None, 50)
    return items


async def test_going_beyond_capacity_waits_in_arrival_order(events: Events) -> None:
    event_id = await events.create("host", capacity=2)
    replies = [await events.rsvp(event_id, p) for p in ("a", "b", "c", "d")]
    assert [(r["status"], r["position"]) for r in replies] == [
        ("going", None),
        ("going", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert await answers(events) == [
        ("a", "going", None),
        ("b", "going", None),
        ("c", "waitlisted", None),
        ("d", "waitlisted", None),
    ]
    waiting = await listed(events, event_id, "x", "waitlisted")
    assert [(w["user_id"], w["position"]) for w in waiting] == [("c", 1), ("d", 2)]
    event = await events.services.ctx.load(event_id)
    assert await events.services.rsvps.counts(event) == {
        "going": 2,
        "waitlisted": 2,
        "interested": 0,
    }


async def test_saying_going_again_keeps_ones_place_and_announces_nothing(events: Events) -> None:
    event_id = await events.create("host", capacity=1)
    await events.rsvp(event_id, "a")
    first = await events.rsvp(event_id, "b")
    again = await events.rsvp(event_id, "b")
    assert (first["position"], again["position"]) == (1, 1)
    assert len(await answers(events)) == 2


async def test_a_freed_seat_goes_to_the_first_waiting_who_is_told(events: Events) -> None:
    event_id = await events.create("host", capacity=1)
    for person in ("a", "b", "c"):
        await events.rsvp(event_id, person)
    left = await events.rsvp(event_id, "a", "not_going")
    assert (left["status"], left["previous"]) == ("not_going", "going")
    assert [p.user_id for p in await recorded(events.db, WaitlistPromoted)] == ["b"]
    assert (await events.services.rsvps.status_of(await _event(events, event_id), "c")) == {
        "status": "waitlisted",
        "position": 1,
    }
    assert (await answers(events))[-2:] == [
        ("a", "not_going", "going"),
        ("b", "going", "waitlisted"),
    ]


async def test_more_seats_promote_the_waiting(events: Events) -> None:
    event_id = await events.create("host", capacity=1)
    for person in ("a", "b", "c"):
        await events.rsvp(event_id, person)
    await events.services.events.update(event_id, "host", {"capacity": 3})
    assert [p.user_id for p in await recorded(events.db, WaitlistPromoted)] == ["b", "c"]
    assert [i["user_id"] for i in await listed(events, event_id, "x", "going")] == ["a", "b", "c"]


async def test_interest_and_declines_are_answers_too(events: Events) -> None:
    event_id = await events.create("host")
    await events.rsvp(event_id, "a", "interested")
    await events.rsvp(event_id, "a", "interested")  # the same answer again: nothing new
    await events.rsvp(event_id, "b", "not_going")
    assert [i["user_id"] for i in await listed(events, event_id, "x", "interested")] == ["a"]
    assert await answers(events) == [("a", "interested", None), ("b", "not_going", None)]
    with pytest.raises(Invalid):
        await events.rsvp(event_id, "a", "waitlisted")


async def test_blocked_people_are_left_out_of_lists_but_keep_their_places(events: Events) -> None:
    event_id = await events.create("host", capacity=1)
    for person in ("a", "b", "c"):
        await events.rsvp(event_id, person)
    await events.bus.deliver(UserBlocked(blocker_id="c", blocked_id="b"))
    seen_by_c = await listed(events, event_id, "c", "waitlisted")
    assert [(w["user_id"], w["position"]) for w in seen_by_c] == [("c", 2)]
    shown = await listed(events, event_id, "a", "waitlisted")
    assert [(w["user_id"], w["position"]) for w in shown] == [("b", 1), ("c", 2)]


async def test_the_host_checks_in_people_with_a_seat_once(events: Events) -> None:
    event_id = await events.create("host", capacity=1)
    await events.rsvp(event_id, "a")
    await events.rsvp(event_id, "b")
    with pytest.raises(Conflict) as early:
        await events.services.rsvps.check_in(event_id, "host", "a")
    assert early.value.code == "checkin_not_open"
    events.clock.advance(timedelta(days=7))
    assert await events.services.rsvps.check_in(event_id, "host", "a") is True
    assert await events.services.rsvps.check_in(event_id, "host", "a") is False
    with pytest.raises(Conflict) as waiting:
        await events.services.rsvps.check_in(event_id, "host", "b")
    assert waiting.value.code == "not_going"
    with pytest.raises(Forbidden):
        await events.services.rsvps.check_in(event_id, "a", "a")
    assert await recorded(events.db, AttendanceCheckedIn) == [
        AttendanceCheckedIn(event_id=event_id, user_id="a")
    ]
    going = await listed(events, event_id, "host", "going")
    assert going == [{"user_id": "a", "status": "going", "checked_in": True}]


async def test_a_place_whose_request_died_is_seated_a_minute_later(events: Events) -> None:
    event_id = await events.create("host", capacity=2)
    store = events.repo.attendance
    await store.append_claim(event_id, "ghost", 0, events.clock.now())  # nothing announced
    event = await _event(events, event_id)
    assert await events.services.rsvps.settle(event) == 0
    events.clock.advance(timedelta(minutes=2))
    assert await events.services.rsvps.settle(event) == 1
    assert await answers(events) == [("ghost", "going", None)]


async def _event(events: Events, event_id: str) -> dict[str, Any]:
    return await events.services.ctx.load(event_id)
