"""Request and response bodies of the events API.

Input models forbid unknown fields (no client can set ids, hosts, counters or status) and cap
every length; typed fields refuse objects such as `{"$gt": ""}`. Ranges that deserve a precise
error code (coordinates, capacity, times, time zones) are checked by `domain.event`, so the
answer is the same whether a request or a benchmark calls the use case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from jobfriends_shared.bodies import not_null
from jobfriends_shared.contracts.events import EventKind
from pydantic import BaseModel, ConfigDict, Field

from events.domain.event import Visibility

Id = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Short = Annotated[str, Field(max_length=1000)]
Tag = Annotated[str, Field(max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Point(Strict):
    lat: float = Field(allow_inf_nan=False)
    lon: float = Field(allow_inf_nan=False)


class EventPatch(Strict):
    title: Short | None = None
    description: Annotated[str, Field(max_length=20_000)] | None = None
    kind: EventKind | None = None
    topics: Annotated[list[Tag], Field(max_length=50)] | None = None
    professions: Annotated[list[Tag], Field(max_length=50)] | None = None
    city: Short | None = None
    neighbourhood: Short | None = None
    venue_name: Short | None = None
    address: Short | None = None
    location: Point | None = None
    online_url: Annotated[str, Field(max_length=2000)] | None = None
    starts_at: datetime | None = Field(
        None, description="With an offset, or wall-clock time in `time_zone`"
    )
    ends_at: datetime | None = None
    time_zone: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="IANA name, e.g. Europe/Berlin"
    )
    capacity: Annotated[int, Field(ge=-(2**31), le=2**31)] | None = Field(
        None, description="Seats; leave out for no limit"
    )
    visibility: Visibility | None = None

    _kept = not_null("starts_at", "ends_at")


class EventIn(EventPatch):
    title: Short
    kind: EventKind
    starts_at: datetime
    ends_at: datetime
    time_zone: Annotated[str, Field(max_length=64)]
    group_id: Id | None = Field(None, description="Host for a group you are a member of")


class RsvpIn(Strict):
    status: Literal["going", "interested", "not_going"]


class CheckinIn(Strict):
    user_id: Id


class RsvpOut(BaseModel):
    event_id: str
    status: str | None
    position: int | None = Field(None, description="Place on the waitlist (1 = next)")
    previous: str | None = None


class EventOut(BaseModel):
    id: str
    host_id: str
    group_id: str | None = None
    title: str
    description: str = ""
    kind: EventKind
    topics: list[str] = []
    professions: list[str] = []
    city: str | None = None
    neighbourhood: str | None = None
    venue_name: str | None = None
    address: str | None = None
    location: Point | None = None
    online_url: str | None = None
    starts_at: datetime
    ends_at: datetime
    starts_at_local: str = Field(description="Wall-clock start in the event's time zone")
    ends_at_local: str
    time_zone: str
    capacity: int | None = None
    visibility: Visibility
    status: Literal["scheduled", "cancelled"]
    created_at: datetime
    updated_at: datetime
    distance_km: float | None = None
    friends_going: list[str] | None = None
    score: float | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> EventOut:
        zone = ZoneInfo(doc["time_zone"])
        local = {
            "starts_at_local": doc["starts_at"].astimezone(zone).replace(tzinfo=None).isoformat(),
            "ends_at_local": doc["ends_at"].astimezone(zone).replace(tzinfo=None).isoformat(),
        }
        fields = {k: v for k, v in doc.items() if k in cls.model_fields}
        return cls.model_validate({**fields, **local, "id": doc["_id"]})


class EventDetail(EventOut):
    going: int
    waitlisted: int
    interested: int
    seats_left: int | None = None
    my_rsvp: RsvpOut


class AttendeeOut(BaseModel):
    user_id: str
    status: Literal["going", "waitlisted", "interested"]
    position: int | None = None
    checked_in: bool | None = Field(None, description="Shown to the host only")


class CheckinOut(BaseModel):
    event_id: str
    user_id: str
    checked_in: bool = True
    already: bool = Field(description="True when this person had been checked in before")
