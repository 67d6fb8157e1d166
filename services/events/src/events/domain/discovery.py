"""Who may see an event, what a discovery query asks for, and how recommendations rank.

The same query runs two ways: as a MongoDB filter (the repository translates `Query`) when
events are listed by time, and as `matches()` in code when the grid hands over nearby candidates
one by one. Both follow the rules written here; the tests run both paths on the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobfriends_shared.contracts.professions import FAMILIES
from jobfriends_shared.errors import Invalid

from events.domain.event import EventStatus, Visibility

MAX_RADIUS_KM = 100.0
DEFAULT_RADIUS_KM = 10.0


@dataclass(frozen=True)
class Viewer:
    """A person as discovery sees them: their circles, from this service's projections."""

    user_id: str
    connections: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    blocked: frozenset[str] = frozenset()  # blocked either way


@dataclass(frozen=True)
class Profile:
    """What recommendations use of a person's profile (projection of identity's events)."""

    profession: str | None = None
    interests: frozenset[str] = frozenset()
    city_key: str | None = None
    location: tuple[float, float] | None = None


def can_see(event: Mapping[str, Any], viewer: Viewer) -> bool:
    host = event["host_id"]
    if host == viewer.user_id:
        return True
    if host in viewer.blocked:
        return False
    visibility = event.get("visibility", Visibility.public)
    if visibility == Visibility.public:
        return True
    if visibility == Visibility.connections:
        return host in viewer.connections
    return visibility == Visibility.group and event.get("group_id") in viewer.groups


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    radius_km: float = DEFAULT_RADIUS_KM


@dataclass(frozen=True)
class Query:
    """A discovery request. Only upcoming (not yet ended), scheduled events are found."""

    city_key: str | None = None
    near: Near | None = None
    topic: str | None = None
    profession: str | None = None
    kind: str | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    tokens: tuple[str, ...] = ()
    friends: bool = False
    recommended: bool = False
    only_ids: frozenset[str] | None = field(default=None, compare=False)

    def check(self) -> None:
        if self.near is not None:
            r = self.near.radius_km
            if not (0 < r <= MAX_RADIUS_KM):
                raise Invalid(
                    f"radius_km: more than 0 and at most {MAX_RADIUS_KM:g}", code="invalid_radius"
                )
        if self.starts_from and self.starts_to and self.starts_to <= self.starts_from:
            raise Invalid("to: must be after from", code="invalid_range")


def matches(event: Mapping[str, Any], query: Query, viewer: Viewer, now: datetime) -> bool:
    """The code twin of `EventsRepository.discovery_filter` (used for nearby candidates)."""
    if event.get("status") != EventStatus.scheduled or event["ends_at"] <= now:
        return False
    if not can_see(event, viewer):
        return False
    if query.only_ids is not None and event["_id"] not in query.only_ids:
        return False
    if query.city_key and event.get("city_key") != query.city_key:
        return False
    if query.topic and query.topic not in event.get("topics", ()):
        return False
    if query.profession and query.profession not in event.get("professions", ()):
        return False
    if query.kind and event.get("kind") != query.kind:
        return False
    if query.starts_from and event["starts_at"] < query.starts_from:
        return False
    if query.starts_to and event["starts_at"] >= query.starts_to:
        return False
    keywords = set(event.get("keywords", ()))
    return all(t in keywords for t in query.tokens)


# --- recommendations ---------------------------------------------------------------------------

RECOMMEND_CANDIDATES = 500


def score(
    event: Mapping[str, Any],
    profile: Profile,
    friends_going: int,
    matches_going: int,
    distance_km: float | None,
) -> float:
    """Why an event suits a person, as one number: their profession (or its family), their
    interests among its topics, connections and matches going, and closeness."""
    points = 0.0
    professions = event.get("professions", ())
    if profile.profession:
        if profile.profession in professions:
            points += 3
        elif any(FAMILIES.get(p) == FAMILIES.get(profile.profession) for p in professions):
            points += 1
    points += 2 * min(3, len(profile.interests.intersection(event.get("topics", ()))))
    points += 2 * min(3, friends_going) + 1.5 * min(3, matches_going)
    if profile.city_key and event.get("city_key") == profile.city_key:
        points += 1
    if distance_km is not None:
        points += 1 if distance_km <= 5 else 0.5 if distance_km <= 25 else 0
    return points


def family_professions(profession: str | None) -> list[str]:
    if not profession or profession not in FAMILIES:
        return []
    family = FAMILIES[profession]
    return [p for p, f in FAMILIES.items() if f == family]
