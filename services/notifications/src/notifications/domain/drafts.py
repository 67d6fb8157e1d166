"""What a notification is before it is stored, how its id is derived, and the pure rules that
decide who hears about what (nearness, interest fit).

Ids are derived, never random: the same source (an event id, or a natural key such as a
reminder's event and lead time) and the same recipient always give the same notification id,
so a re-delivered event meets a unique index instead of creating a second notification.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from notifications.domain.kinds import GROUPED, NotificationType

EXCERPT_CHARS = 140
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Draft:
    """A notification one recipient should get, decided from one incoming event."""

    recipient_id: str
    type: NotificationType
    source_key: str
    actor_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    post_id: str | None = None
    event_id: str | None = None
    request_id: str | None = None

    @property
    def id(self) -> str:
        return notification_id(self.source_key, self.recipient_id)

    @property
    def group(self) -> str | None:
        """Grouped types gather every contributor to one post under one key."""
        if self.type in GROUPED and self.post_id:
            return group_key(self.type, self.post_id)
        return None

    @property
    def self_inflicted(self) -> bool:
        return self.actor_id is not None and self.actor_id == self.recipient_id


def notification_id(source_key: str, recipient_id: str) -> str:
    digest = hashlib.sha256(f"{source_key}|{recipient_id}".encode()).hexdigest()
    return f"n{digest[:32]}"


NOTIFICATION_ID_PATTERN = r"^n[0-9a-f]{32}$"


def group_key(type_: NotificationType, post_id: str) -> str:
    return f"{type_.value}:{post_id}"


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of a text on one line, cut at a word boundary."""
    if not text:
        return ""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def normalise_place(city: str | None) -> str | None:
    if not city:
        return None
    folded = " ".join(unicodedata.normalize("NFKC", city).casefold().split())
    return folded or None


def normalise_tag(raw: str) -> str:
    return "-".join(unicodedata.normalize("NFKC", raw).strip().lower().split())


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(point: tuple[float, float], km: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) around a point: the store has no geo queries
    (FerretDB), so candidates come from plain range queries and `distance_km` decides."""
    lat, lon = point
    dlat = math.degrees(km / EARTH_RADIUS_KM)
    lat_min, lat_max = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = math.cos(math.radians(lat))
    if cos_lat < 1e-6 or lat_min <= -90.0 or lat_max >= 90.0:
        return lat_min, lat_max, -180.0, 180.0
    dlon = math.degrees(km / (EARTH_RADIUS_KM * cos_lat))
    if dlon >= 180.0 or lon - dlon < -180.0 or lon + dlon > 180.0:
        return lat_min, lat_max, -180.0, 180.0  # crosses the antimeridian: take all longitudes
    return lat_min, lat_max, lon - dlon, lon + dlon


@dataclass(frozen=True)
class Place:
    city: str | None = None
    location: tuple[float, float] | None = None


def is_near(event: Place, person: Place, km: float) -> bool:
    """Within `km` when both have coordinates; otherwise the same city."""
    if event.location and person.location:
        return distance_km(event.location, person.location) <= km
    event_city, person_city = normalise_place(event.city), normalise_place(person.city)
    return event_city is not None and event_city == person_city


def fits_interests(
    topics: Iterable[str],
    professions: Iterable[str],
    interests: Iterable[str],
    profession: str | None,
) -> bool:
    """An event fits a person when one of its topics is among their interests or skills, or it
    is meant for their profession."""
    wanted = {normalise_tag(t) for t in topics}
    if wanted & {normalise_tag(i) for i in interests}:
        return True
    return profession is not None and profession in set(professions)


# Tribes are directed in matching (`owner_id` added `member_id`). A help request or milestone
# from someone goes to the members of *their* tribe: the people they chose as their inner
# circle are the ones they want to hear it. (`TRIBE_AUDIENCE` names the field of the tribe
# rows that holds the author; the recipients are the other side.)
TRIBE_AUDIENCE = "owner_id"
