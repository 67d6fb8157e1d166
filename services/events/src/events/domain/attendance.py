"""Seats, the waitlist, check-ins and reminders: the rules, without the store.

Seats are decided by arrival order alone. Every "going" is appended to the event's arrival log
with the next sequence number; a claim holds a seat when fewer than `capacity` claims that are
still active arrived before it (`rank < capacity`), and waits otherwise. A drop-out deactivates
its claim, which moves everyone after it one place up: the first waiting claim is then inside
the capacity and is promoted. Nothing here counts seats in a shared counter, which is what lets
the store do without atomic read-modify-write (see `repository.rsvps`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from jobfriends_shared.contracts.events import RsvpStatus
from jobfriends_shared.errors import Conflict

from events.domain.event import EventStatus

CHOOSABLE = (RsvpStatus.going, RsvpStatus.interested, RsvpStatus.not_going)
CHECKIN_OPENS_BEFORE = timedelta(hours=1)
CHECKIN_CLOSES_AFTER = timedelta(hours=2)
# A request that took a place in the arrival log but died before announcing the outcome is
# finished by the next settling of the event once it is this old.
STALE_CLAIM = timedelta(minutes=1)


def check_open_for_rsvp(event: Mapping[str, Any], now: datetime) -> None:
    if event["status"] == EventStatus.cancelled:
        raise Conflict("this event was cancelled", code="event_cancelled")
    if event["ends_at"] <= now:
        raise Conflict("this event is over", code="event_over")


def seat_status(rank: int, capacity: int | None) -> RsvpStatus:
    """`rank`: active claims that arrived earlier."""
    if capacity is None or rank < capacity:
        return RsvpStatus.going
    return RsvpStatus.waitlisted


def waitlist_position(rank: int, capacity: int | None) -> int | None:
    if capacity is None or rank < capacity:
        return None
    return rank - capacity + 1


def check_checkin(event: Mapping[str, Any], now: datetime) -> None:
    if event["status"] == EventStatus.cancelled:
        raise Conflict("this event was cancelled", code="event_cancelled")
    if now < event["starts_at"] - CHECKIN_OPENS_BEFORE:
        raise Conflict("check-in opens an hour before the start", code="checkin_not_open")
    if now > event["ends_at"] + CHECKIN_CLOSES_AFTER:
        raise Conflict("check-in closed two hours after the end", code="checkin_closed")


# --- reminders ---------------------------------------------------------------------------------


class Lead(StrEnum):
    day = "24h"
    hour = "1h"


LEADS: tuple[tuple[Lead, timedelta], ...] = (
    (Lead.hour, timedelta(hours=1)),
    (Lead.day, timedelta(hours=24)),
)
REMINDER_HORIZON = timedelta(hours=24)


def due_lead(starts_at: datetime, now: datetime) -> Lead | None:
    """The reminder due at `now` for an event starting at `starts_at`, if any.

    A lead falls due at `starts_at - lead` and stays due until the event starts, so a scheduler
    that was down catches up on its next run. When the 1 h reminder is due, a 24 h reminder
    that has not gone out yet is superseded by it: nobody gets "tomorrow" and "in an hour" in
    the same minute, and nobody is reminded after the start.
    """
    if now >= starts_at:
        return None
    for lead, before in LEADS:
        if now >= starts_at - before:
            return lead
    return None


def reminder_id(event_id: str, user_id: str, lead: Lead, starts_at: datetime) -> str:
    """Deterministic: one reminder per person, lead and start time (a moved event reminds
    again for its new time)."""
    return f"{event_id}:{user_id}:{lead.value}:{int(starts_at.timestamp())}"
