"""Calendars: `.ics` files that a real iCalendar parser reads back correctly."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from .conftest import Events


async def test_one_event_as_icalendar(events: Events) -> None:
    created = await events.create(
        "ana",
        title="Coffee, code; and \\ chat",
        description="Line one\nLine two, with commas; and semicolons",
        topics=["python", "coffee"],
    )
    response = await events.call("GET", f"/v1/events/{created['id']}.ics", "bo")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")

    cal = Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"{created['id']}@events.jobfriends"
    assert str(vevent["SUMMARY"]) == "Coffee, code; and \\ chat"
    assert str(vevent["DESCRIPTION"]) == "Line one\nLine two, with commas; and semicolons"
    start = vevent.decoded("DTSTART")
    assert start == datetime.fromisoformat(created["starts_at"])
    assert start.tzinfo is not None and str(vevent["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert vevent.decoded("DTEND") - start == timedelta(hours=2)
    assert "Betahaus" in str(vevent["LOCATION"])
    assert vevent.decoded("GEO") == (52.52, 13.405)
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]


async def test_the_personal_calendar_lists_the_events_i_have_a_seat_at(events: Events) -> None:
    going = await events.create("host", title="Going here", capacity=1)
    waiting = await events.create("host", title="Waiting here", capacity=1)
    interested = await events.create("host", title="Only interested")
    cancelled = await events.create("host", title="Called off", time_zone="America/New_York")
    await events.rsvp(going["id"], "me")
    await events.rsvp(waiting["id"], "someone")
    await events.rsvp(waiting["id"], "me")
    await events.rsvp(interested["id"], "me", "interested")
    await events.rsvp(cancelled["id"], "me")
    await events.call("POST", f"/v1/events/{cancelled['id']}/cancel", "host")
    edit = await events.call(
        "PATCH", f"/v1/events/{going['id']}", "host", json={"title": "Going here (new room)"}
    )
    assert edit.status_code == 200

    response = await events.call("GET", "/v1/me/calendar.ics", "me")
    assert response.status_code == 200
    cal = Calendar.from_ical(response.content)
    vevents = {str(v["SUMMARY"]): v for v in cal.walk("VEVENT")}
    assert set(vevents) == {"Going here (new room)", "Called off"}
    assert str(vevents["Called off"]["STATUS"]) == "CANCELLED"
    assert vevents["Going here (new room)"].decoded("SEQUENCE") == 1
    new_york = vevents["Called off"].decoded("DTSTART")
    assert (
        new_york.tzinfo is not None
        and new_york.utcoffset() == new_york.astimezone(ZoneInfo("America/New_York")).utcoffset()
    )
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {
        "Europe/Berlin",
        "America/New_York",
    }

    empty = Calendar.from_ical((await events.call("GET", "/v1/me/calendar.ics", "nobody")).content)
    assert empty.walk("VEVENT") == []
