"""Events produced by the events service on `events.events`, keyed by event id."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from jobfriends_shared.contracts.base import Payload, event
from jobfriends_shared.contracts.identity import GeoPoint

TOPIC = "events.events"


class EventKind(StrEnum):
    meetup = "meetup"
    workshop = "workshop"
    talk = "talk"
    conference = "conference"
    coworking = "coworking"
    networking = "networking"
    online = "online"


class RsvpStatus(StrEnum):
    going = "going"
    waitlisted = "waitlisted"
    interested = "interested"
    not_going = "not_going"


class EventSnapshot(Payload):
    event_id: str
    host_id: str
    group_id: str | None = None
    title: str
    kind: EventKind
    topics: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()
    city: str | None = None
    neighbourhood: str | None = None
    location: GeoPoint | None = None
    online_url: str | None = None
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    capacity: int | None = None


@event(
    "event.created",
    version=1,
    topic_name=TOPIC,
    key="event_id",
    description="A local or online event was published.",
)
class EventCreated(EventSnapshot):
    pass


@event(
    "event.updated",
    version=1,
    topic_name=TOPIC,
    key="event_id",
    description="An event changed; the payload is the new snapshot, `changed` the fields.",
)
class EventUpdated(EventSnapshot):
    changed: tuple[str, ...] = ()


@event(
    "event.cancelled",
    version=1,
    topic_name=TOPIC,
    key="event_id",
    description="The host cancelled the event; attendees are told.",
)
class EventCancelled(Payload):
    event_id: str
    host_id: str
    title: str
    starts_at: datetime


@event(
    "rsvp.changed",
    version=1,
    topic_name=TOPIC,
    key="event_id",
    description="A person's RSVP changed (`status`, from `previous`).",
)
class RsvpChanged(Payload):
    event_id: str
    user_id: str
    status: RsvpStatus
    previous: RsvpStatus | None = None


@event(
    "waitlist.promoted",
    version=1,
    topic_name=TOPIC,
    key="event_id",
    description="A seat opened and `user_id`, first on the waitlist, now has it.",
)
class WaitlistPromoted(Payload):
    event_id: str
    user_id: str
    title: str
    starts_at: datetime


@event(
    "attendance.checked_in",
    version=1,
    topic_name=TOPIC,
    key="event_id",
    description="The host checked `user_id` in at the event.",
)
class AttendanceCheckedIn(Payload):
    event_id: str
    user_id: str


@event(
    "event.reminder_due",
    version=1,
    topic_name=TOPIC,
    key="event_id",
    description="An event starts soon (`lead`: 24h or 1h); one per going attendee.",
)
class EventReminderDue(Payload):
    event_id: str
    user_id: str
    title: str
    starts_at: datetime
    lead: str
