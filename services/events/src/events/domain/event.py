"""What an event may hold, and how a draft or a change becomes a valid event.

Every rule lives here so the HTTP layer, consumers and benchmarks get the same answers. Times are
stored in UTC; `time_zone` (IANA) says where the wall-clock times belong. A time given without an
offset is read as wall-clock time in the event's time zone; one that does not exist there (a
daylight-saving gap) is refused rather than silently shifted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from jobfriends_shared.contracts import tags
from jobfriends_shared.contracts.events import EventKind
from jobfriends_shared.contracts.professions import is_profession
from jobfriends_shared.errors import Invalid

from events.domain import geo, text

MAX_TITLE = 160
MAX_DESCRIPTION = 5000
MAX_SHORT = 200
MAX_TOPICS = 10
MAX_PROFESSIONS = 10
MAX_CAPACITY = 100_000
MAX_DURATION = timedelta(days=31)
MAX_AHEAD = timedelta(days=2 * 365)
_ZONES = frozenset(available_timezones())


class Visibility(StrEnum):
    public = "public"
    connections = "connections"  # the host's connections
    group = "group"  # members of the hosting group


class EventStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


# The fields a host sets; everything else on an event is derived or bookkeeping.
EDITABLE = (
    "title",
    "description",
    "kind",
    "topics",
    "professions",
    "city",
    "neighbourhood",
    "venue_name",
    "address",
    "location",
    "online_url",
    "starts_at",
    "ends_at",
    "time_zone",
    "capacity",
    "visibility",
)
CREATE_ONLY = ("group_id",)


def clean_text(value: str | None, field: str, max_length: int, *, required: bool = False) -> str:
    """Printable text only: control characters (NUL included) are refused, not stripped."""
    cleaned = unicodedata.normalize("NFC", value or "").strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in cleaned):
        raise Invalid(f"{field}: contains control characters", code="invalid_text")
    if len(cleaned) > max_length:
        raise Invalid(f"{field}: at most {max_length} characters", code="too_long")
    if required and not cleaned:
        raise Invalid(f"{field}: must not be empty", code="invalid_text")
    return cleaned


def normalise_tag(raw: str) -> str:
    return tags.normalise_tag(raw, "topic")


def normalise_tags(raw: Iterable[str], field: str, limit: int) -> list[str]:
    return tags.normalise_tags(raw, field, limit, "topic")


def check_professions(raw: Iterable[str]) -> list[str]:
    slugs = list(dict.fromkeys(s.strip().lower() for s in raw))
    if len(slugs) > MAX_PROFESSIONS:
        raise Invalid(f"professions: at most {MAX_PROFESSIONS}", code="too_many")
    for slug in slugs:
        if not is_profession(slug):
            raise Invalid(
                f"professions: {slug[:40]!r} is not in the catalogue (GET /v1/professions)",
                code="unknown_profession",
            )
    return slugs


def check_time_zone(name: str) -> ZoneInfo:
    if name not in _ZONES:
        raise Invalid(f"time_zone: unknown time zone {name[:40]!r}", code="unknown_time_zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"time_zone: unknown time zone {name[:40]!r}", code="unknown_time_zone"
        ) from None


def to_utc(value: datetime, zone: ZoneInfo, field: str) -> datetime:
    """An aware time as is; a naive one as wall-clock time in `zone` (refusing DST gaps).
    Whole seconds only: the store keeps milliseconds, and comparisons must survive a round trip."""
    value = value.replace(microsecond=0)
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    local = value.replace(tzinfo=zone)
    utc = local.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != value:
        raise Invalid(
            f"{field}: {value.isoformat()} does not exist in {zone.key} (clocks change)",
            code="nonexistent_local_time",
        )
    return utc


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise Invalid("online_url: must be an http(s) URL", code="invalid_url")
    return url


def check_location(location: Mapping[str, Any]) -> dict[str, float]:
    try:
        lat, lon = float(location["lat"]), float(location["lon"])
    except (KeyError, TypeError, ValueError):
        raise Invalid("location: give lat and lon in degrees", code="invalid_location") from None
    if not geo.valid_point(lat, lon):
        raise Invalid(
            "location: lat must be within -90..90 and lon within -180..180",
            code="invalid_location",
        )
    return {"lat": lat, "lon": lon}


def check_capacity(capacity: int | None) -> int | None:
    if capacity is None:
        return None
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise Invalid("capacity: a whole number of seats", code="invalid_capacity")
    if capacity <= 0:
        raise Invalid(
            "capacity: at least 1 seat (leave it out for no limit)", code="invalid_capacity"
        )
    if capacity > MAX_CAPACITY:
        raise Invalid(f"capacity: at most {MAX_CAPACITY}", code="invalid_capacity")
    return capacity


def city_key(city: str | None) -> str | None:
    """Case- and accent-insensitive city key for filtering: 'München' == 'munchen'."""
    if not city:
        return None
    return " ".join(text.fold(city).split()) or None


def check_times(starts_at: datetime, ends_at: datetime, now: datetime, *, new_start: bool) -> None:
    if ends_at <= starts_at:
        raise Invalid("ends_at: must be after starts_at", code="ends_before_start")
    if new_start and starts_at <= now:
        raise Invalid("starts_at: must be in the future", code="starts_in_past")
    if ends_at - starts_at > MAX_DURATION:
        raise Invalid("an event lasts at most 31 days", code="too_long_event")
    if starts_at - now > MAX_AHEAD:
        raise Invalid("starts_at: at most two years ahead", code="too_far_ahead")


def clean_event(
    fields: Mapping[str, Any], now: datetime, *, before: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A complete, valid event from a draft (`before` is None) or from the current event merged
    with a change. Raises `Invalid` with a precise code on the first problem."""
    out: dict[str, Any] = {}
    out["title"] = clean_text(fields.get("title"), "title", MAX_TITLE, required=True)
    if len(out["title"]) < 3:
        raise Invalid("title: at least 3 characters", code="invalid_text")
    out["description"] = clean_text(fields.get("description"), "description", MAX_DESCRIPTION)
    try:
        out["kind"] = EventKind(str(fields.get("kind"))).value
    except ValueError:
        raise Invalid("kind: not a known kind of event", code="invalid_kind") from None
    out["topics"] = normalise_tags(fields.get("topics") or (), "topics", MAX_TOPICS)
    out["professions"] = check_professions(fields.get("professions") or ())
    for name in ("city", "neighbourhood", "venue_name"):
        out[name] = clean_text(fields.get(name), name, MAX_SHORT) or None
    out["address"] = clean_text(fields.get("address"), "address", 500) or None
    location = fields.get("location")
    out["location"] = check_location(location) if location is not None else None
    url = fields.get("online_url")
    out["online_url"] = check_url(url) if url else None
    if out["kind"] == EventKind.online:
        if not out["online_url"]:
            raise Invalid("online_url: an online event needs a link", code="online_url_required")
    elif out["location"] is None or not out["city"]:
        raise Invalid(
            "an in-person event needs a city and a location (lat, lon) of its venue",
            code="location_required",
        )
    zone = check_time_zone(str(fields.get("time_zone") or ""))
    out["time_zone"] = zone.key
    starts_at = to_utc(fields["starts_at"], zone, "starts_at")
    ends_at = to_utc(fields["ends_at"], zone, "ends_at")
    new_start = before is None or before.get("starts_at") != starts_at
    check_times(starts_at, ends_at, now, new_start=new_start)
    out["starts_at"], out["ends_at"] = starts_at, ends_at
    out["capacity"] = check_capacity(fields.get("capacity"))
    try:
        out["visibility"] = Visibility(fields.get("visibility") or Visibility.public).value
    except ValueError:
        raise Invalid(
            "visibility: public, connections or group", code="invalid_visibility"
        ) from None
    group_id = before.get("group_id") if before is not None else fields.get("group_id")
    if out["visibility"] == Visibility.group and not group_id:
        raise Invalid("visibility: 'group' needs a hosting group", code="invalid_visibility")
    out["city_key"] = city_key(out["city"])
    out["keywords"] = text.keywords(
        out["title"], out["description"], extra=(*out["topics"], *out["professions"])
    )
    return out


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [f for f in EDITABLE if _comparable(before.get(f)) != _comparable(after.get(f))]


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, StrEnum):
        return str(value)
    return value


def is_over(event: Mapping[str, Any], now: datetime) -> bool:
    return bool(event["ends_at"] <= now)
