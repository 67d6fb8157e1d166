"""Plain data the ranker works on: people, events, intents, suggestions and their reasons.

Nothing here knows about Kafka, MongoDB or HTTP, so a benchmark can build these from a synthetic
city and call the ranker directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from jobfriends_shared.contracts.professions import FAMILIES

SENIORITY_LEVELS: Mapping[str, int] = {
    "student": 0,
    "junior": 1,
    "mid": 2,
    "senior": 3,
    "lead": 4,
    "principal": 5,
}

# The grid that candidate generation walks: about 1.1 km north-south and 1.0-1.5 km east-west
# at the latitudes where people live. Cells only need to be consistent, not square; distances
# are computed exactly when scoring.
CELL_LAT = 0.01
CELL_LON = 0.015

Cell = tuple[int, int]


class Intent(StrEnum):
    job_friends = "job_friends"
    collaborators = "collaborators"
    mentors = "mentors"
    mentees = "mentees"


def cell_of(lat: float, lon: float) -> Cell:
    return (math.floor(lat / CELL_LAT), math.floor(lon / CELL_LON))


def _key(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split()).casefold()
    return cleaned or None


@dataclass(slots=True, eq=False)
class Person:
    """What the ranker knows about one person (matching's own projection of the profile)."""

    id: str
    display_name: str = ""
    profession: str | None = None
    seniority: int | None = None
    skills: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    city: str | None = None
    neighbourhood: str | None = None
    lat: float | None = None
    lon: float | None = None
    languages: frozenset[str] = frozenset()
    open_to: frozenset[str] = frozenset()
    # Derived once, used on every comparison.
    family: str | None = field(default=None, init=False)
    city_key: str | None = field(default=None, init=False)
    hood_key: str | None = field(default=None, init=False)
    cell: Cell | None = field(default=None, init=False)
    cos_lat: float = field(default=1.0, init=False)

    def __post_init__(self) -> None:
        self.family = FAMILIES.get(self.profession) if self.profession else None
        self.city_key = _key(self.city)
        hood = _key(self.neighbourhood)
        # A neighbourhood name only means something within its city.
        self.hood_key = f"{self.city_key}/{hood}" if hood else None
        if self.lat is not None and self.lon is not None:
            self.cell = cell_of(self.lat, self.lon)
            self.cos_lat = math.cos(math.radians(self.lat))

    @classmethod
    def from_profile(cls, user_id: str, profile: Mapping[str, Any]) -> Person:
        """From a profile snapshot as identity publishes it (or as matching stores it)."""
        location = profile.get("location") or {}
        seniority = profile.get("seniority")
        return cls(
            id=user_id,
            display_name=str(profile.get("display_name") or ""),
            profession=profile.get("profession") or None,
            seniority=SENIORITY_LEVELS.get(str(seniority)) if seniority is not None else None,
            skills=frozenset(profile.get("skills") or ()),
            interests=frozenset(profile.get("interests") or ()),
            city=profile.get("city") or None,
            neighbourhood=profile.get("neighbourhood") or None,
            lat=location.get("lat"),
            lon=location.get("lon"),
            languages=frozenset(profile.get("languages") or ()),
            open_to=frozenset(str(o) for o in profile.get("open_to") or ()),
        )


@dataclass(frozen=True, slots=True)
class EventInfo:
    """An event as far as explanations need it."""

    id: str
    title: str
    starts_at: datetime
    kind: str = "meetup"
    time_zone: str = "UTC"
    cancelled: bool = False


@dataclass(slots=True)
class SocialGraph:
    """Everything besides profiles that the ranker reads, as plain mappings.

    Pairs are unordered unless noted. `rsvps` holds the people going to (or interested in) each
    event; `attended` the people checked in at past events; `dismissed` maps a person to the
    people they dismissed (one way); `hidden` pairs are blocked (either way) and `pending` pairs
    have an open connection request.
    """

    friends: Iterable[tuple[str, str]] = ()
    groups: Mapping[str, Iterable[str]] = field(default_factory=dict)
    group_names: Mapping[str, str] = field(default_factory=dict)
    hashtags: Mapping[str, Iterable[str]] = field(default_factory=dict)
    events: Mapping[str, EventInfo] = field(default_factory=dict)
    rsvps: Mapping[str, Iterable[str]] = field(default_factory=dict)
    attended: Mapping[str, Iterable[str]] = field(default_factory=dict)
    interactions: Iterable[tuple[str, str]] = ()
    hidden: Iterable[tuple[str, str]] = ()
    pending: Iterable[tuple[str, str]] = ()
    dismissed: Mapping[str, Iterable[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reason:
    """One structured reason; `data` is JSON-friendly."""

    kind: str
    weight: float
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.data}


@dataclass(frozen=True, slots=True)
class Suggestion:
    user_id: str
    score: float
    reasons: tuple[Reason, ...] = ()
    sentence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "score": round(self.score, 4),
            "reasons": [r.as_dict() for r in self.reasons],
            "sentence": self.sentence,
        }
