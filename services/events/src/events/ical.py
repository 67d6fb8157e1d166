"""iCalendar (RFC 5545) for one event and for a person's calendar feed, built with `icalendar`.

Times carry the event's own time zone (`DTSTART;TZID=Europe/Berlin:...`) with the matching
VTIMEZONE definitions added, so calendar apps show the local time of the venue. `UID` is stable
per event and `SEQUENCE` counts the host's changes, so an imported event updates in place, and a
cancelled one arrives as `STATUS:CANCELLED`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from jobfriends_shared.mongo import Document

from events.domain.event import EventStatus

PRODID = "-//JobFriends//Events//EN"
UID_DOMAIN = "events.jobfriends"


def _vevent(doc: Document, stamp: datetime) -> Event:
    zone = ZoneInfo(doc["time_zone"])
    vevent = Event()
    vevent.add("uid", f"{doc['_id']}@{UID_DOMAIN}")
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", doc["starts_at"].astimezone(zone))
    vevent.add("dtend", doc["ends_at"].astimezone(zone))
    vevent.add("summary", doc["title"])
    if doc.get("description"):
        vevent.add("description", doc["description"])
    place = ", ".join(p for p in (doc.get("venue_name"), doc.get("address"), doc.get("city")) if p)
    if place:
        vevent.add("location", place)
    elif doc.get("online_url"):
        vevent.add("location", doc["online_url"])
    loc = doc.get("location")
    if loc:
        vevent.add("geo", (loc["lat"], loc["lon"]))
    if doc.get("online_url"):
        vevent.add("url", doc["online_url"])
    for topic in doc.get("topics") or ():
        vevent.add("categories", topic)
    vevent.add("sequence", int(doc.get("revision", 0)))
    cancelled = doc["status"] == EventStatus.cancelled
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("created", doc["created_at"])
    vevent.add("last-modified", doc["updated_at"])
    return vevent


def calendar(docs: Iterable[Document], stamp: datetime, *, name: str | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    for doc in docs:
        cal.add_component(_vevent(doc, stamp))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
