"""The reminder scheduler: 24 h and 1 h before the start, once per going attendee, across
restarts and pauses, never twice."""

from datetime import timedelta

from events.settings import EventsSettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.mongo import Database

from .conftest import Events, running


async def reminders(app: Events) -> list[tuple[str, str]]:
    return sorted(
        (e.payload["user_id"], e.payload["lead"]) for e in await app.published("event.reminder_due")
    )


async def test_reminders_go_out_once_each_even_across_a_restart(
    events_settings: EventsSettings, clock: ControlledClock, events_db: Database
) -> None:
    async with running(events_settings, clock, events_db) as app:
        created = await app.create("host", capacity=2, **_starts_in(clock, hours=48))
        for person in ("a", "b", "c"):  # c waits
            await app.rsvp(created["id"], person)
        await app.rsvp(created["id"], "d", "interested")
        starts = clock.now() + timedelta(hours=48)

        clock.set(starts - timedelta(hours=25))
        assert await app.app.state.runtime.run_job("reminders") == 0
        clock.set(starts - timedelta(hours=23))
        assert await app.app.state.runtime.run_job("reminders") == 2
        assert await app.app.state.runtime.run_job("reminders") == 0
        await app.wait_published(2, "event.reminder_due")

    # a new process on the same store: nothing is sent again, nothing is skipped
    async with running(events_settings, clock, events_db) as app:
        assert await app.app.state.runtime.run_job("reminders") == 0
        clock.set(starts - timedelta(minutes=59))
        assert await app.app.state.runtime.run_job("reminders") == 2
        assert await app.app.state.runtime.run_job("reminders") == 0
        await app.wait_published(4, "event.reminder_due")
        assert await reminders(app) == [("a", "1h"), ("a", "24h"), ("b", "1h"), ("b", "24h")]
        (first,) = [
            e for e in await app.published("event.reminder_due") if e.payload["lead"] == "24h"
        ][:1]
        assert first.payload["title"] == "UX research meetup"
        clock.set(starts + timedelta(minutes=1))
        assert await app.app.state.runtime.run_job("reminders") == 0


def _starts_in(clock: ControlledClock, hours: int) -> dict[str, str]:
    starts = clock.now() + timedelta(hours=hours)
    return {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}


async def test_a_scheduler_that_was_down_catches_up_and_late_joiners_are_reminded(
    events: Events,
) -> None:
    created = await events.create("host", **_starts_in(events.clock, hours=30))
    starts = events.clock.now() + timedelta(hours=30)
    await events.rsvp(created["id"], "a")
    run = events.app.state.runtime.run_job

    # the 24 h reminder fell due while nothing ran; the next run still sends it
    events.clock.set(starts - timedelta(hours=20))
    assert await run("reminders") == 1
    # someone who joins later gets the reminder that is due for them
    await events.rsvp(created["id"], "b")
    assert await run("reminders") == 1
    # someone who drops out is not reminded
    await events.rsvp(created["id"], "a", "not_going")
    events.clock.set(starts - timedelta(minutes=30))
    assert await run("reminders") == 1
    await events.wait_published(3, "event.reminder_due")
    assert await reminders(events) == [("a", "24h"), ("b", "1h"), ("b", "24h")]


async def test_a_moved_event_reminds_again_for_its_new_time_and_a_cancelled_one_not_at_all(
    events: Events,
) -> None:
    moved = await events.create("host", title="Moves", **_starts_in(events.clock, hours=20))
    dropped = await events.create("host", title="Dropped", **_starts_in(events.clock, hours=20))
    for event in (moved, dropped):
        await events.rsvp(event["id"], "a")
    run = events.app.state.runtime.run_job
    assert await run("reminders") == 2
    later = events.clock.now() + timedelta(hours=22)
    await events.call(
        "PATCH",
        f"/v1/events/{moved['id']}",
        "host",
        json={"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=1)).isoformat()},
    )
    await events.call("POST", f"/v1/events/{dropped['id']}/cancel", "host")
    assert await run("reminders") == 1
    assert await run("reminders") == 0
