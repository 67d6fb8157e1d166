"""Reminders before an event starts, and what a deleted person leaves behind."""

from datetime import timedelta

import pytest
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.events import EventCancelled, EventReminderDue, WaitlistPromoted
from jobfriends_shared.contracts.identity import UserDeleted
from jobfriends_shared.errors import NotFound
from jobfriends_shared.fakes import recorded

from .conftest import Events


async def reminders(events: Events) -> list[tuple[str, str]]:
    return [(r.user_id, r.lead) for r in await recorded(events.db, EventReminderDue)]


async def test_each_person_going_is_reminded_a_day_and_an_hour_before_once(
    events: Events,
) -> None:
    event_id = await events.create("host", capacity=2)
    for person in ("a", "b", "waiting"):
        await events.rsvp(event_id, person)
    assert await events.services.reminders.run() == 0  # a week ahead: nothing due
    events.clock.advance(timedelta(days=6, hours=1))
    assert await events.services.reminders.run() == 2
    assert await events.services.reminders.run() == 0  # a second run, or instance, sends none
    events.clock.advance(timedelta(hours=22, minutes=30))
    assert await events.services.reminders.run() == 2
    events.clock.advance(timedelta(hours=1))
    assert await events.services.reminders.run() == 0  # it has started
    assert await reminders(events) == [("a", "24h"), ("b", "24h"), ("a", "1h"), ("b", "1h")]


async def test_a_scheduler_that_was_down_sends_only_the_nearest_reminder(events: Events) -> None:
    event_id = await events.create("host")
    await events.rsvp(event_id, "a")
    events.clock.advance(timedelta(days=6, hours=23, minutes=30))
    await events.services.reminders.run()
    assert await reminders(events) == [("a", "1h")]


async def test_a_deleted_attendee_leaves_and_the_waitlist_moves_up(events: Events) -> None:
    event_id = await events.create("host", capacity=1)
    for person in ("gone", "next"):
        await events.rsvp(event_id, person)
    assert await events.bus.deliver(UserDeleted(user_id="gone")) is Outcome.applied
    assert [p.user_id for p in await recorded(events.db, WaitlistPromoted)] == ["next"]
    assert await events.services.discovery.calendar("gone") == []
    assert await events.repo.attendance.rsvps.count_documents({"user_id": "gone"}) == 0


async def test_a_deleted_hosts_upcoming_events_are_cancelled_then_erased(events: Events) -> None:
    event_id = await events.create("gone")
    await events.rsvp(event_id, "guest")
    await events.bus.deliver(UserDeleted(user_id="gone"))
    assert [c.event_id for c in await recorded(events.db, EventCancelled)] == [event_id]
    with pytest.raises(NotFound):
        await events.services.ctx.load(event_id)
    assert await events.services.discovery.calendar("guest") == []
    assert await events.nearby("guest", {"lat": 52.52, "lon": 13.405}, 5) == []
