"""Identity's rules: who may sign up with what, what a profile may hold, who sees which part of
it, when sign-in is throttled, and what may be endorsed. Plain Python, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from email_validator import EmailNotValidError, validate_email
from jobfriends_shared.contracts.professions import is_profession
from jobfriends_shared.contracts.tags import normalise_tag as normalise_tag
from jobfriends_shared.contracts.tags import normalise_tags
from jobfriends_shared.errors import Forbidden, Invalid, TooMany

MAX_SKILLS = 50
MAX_INTERESTS = 50
MAX_LANGUAGES = 12
MAX_LINKS = 10
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_COMMON_PASSWORDS = frozenset(
    {"password123", "qwertyuiop", "1234567890", "letmein123", "iloveyou12", "passw0rd12"}
)


class Visibility(StrEnum):
    public = "public"
    connections = "connections"


class Relation(StrEnum):
    self = "self"
    connection = "connection"
    other = "other"


# Field groups whose visibility a person chooses; `basics` (name, headline, profession,
# seniority, city) is always public, so people can be found at all.
FIELD_GROUPS: Mapping[str, tuple[str, ...]] = {
    "about": ("bio", "portfolio_links", "languages"),
    "skills": ("skills", "interests"),
    "location": ("neighbourhood", "location"),
    "open_to": ("open_to",),
}
DEFAULT_VISIBILITY: Mapping[str, Visibility] = {
    "about": Visibility.public,
    "skills": Visibility.public,
    "location": Visibility.connections,
    "open_to": Visibility.public,
}
PROFILE_FIELDS = (
    "display_name",
    "headline",
    "profession",
    "profession_other",
    "seniority",
    "skills",
    "interests",
    "city",
    "neighbourhood",
    "location",
    "bio",
    "portfolio_links",
    "languages",
    "open_to",
    "time_zone",
)


def normalise_email(raw: str) -> str:
    """Case-insensitive identity: the normalised address is the uniqueness key."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(f"email: {exc}", code="invalid_email") from None
    return checked.normalized.lower()


def check_password(password: str, email: str) -> None:
    """Length first (it matters most), then refuse the obvious and the personal."""
    if len(password) < 10:
        raise Invalid("password: use at least 10 characters", code="weak_password")
    if len(password) > 128:
        raise Invalid("password: use at most 128 characters", code="weak_password")
    classes = sum(
        any(test(c) for c in password)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if len(password) < 16 and classes < 3:
        raise Invalid(
            "password: mix at least three of lower case, upper case, digits and symbols, "
            "or use 16 characters or more",
            code="weak_password",
        )
    local = email.split("@", 1)[0]
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or (len(local) >= 4 and local in lowered):
        raise Invalid("password: too easy to guess", code="weak_password")


def clean_text(value: str, field: str, max_length: int) -> str:
    """Printable text only: control characters (NUL included) are refused, not stripped."""
    text = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise Invalid(f"{field}: contains control characters", code="invalid_text")
    if len(text) > max_length:
        raise Invalid(f"{field}: at most {max_length} characters", code="too_long")
    return text


def check_links(links: Sequence[str]) -> list[str]:
    if len(links) > MAX_LINKS:
        raise Invalid(f"portfolio_links: at most {MAX_LINKS}", code="too_many")
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(link) > 500:
            raise Invalid(
                f"portfolio_links: {link[:60]!r} is not an http(s) URL", code="invalid_url"
            )
    return list(dict.fromkeys(links))


def check_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(
            f"time_zone: unknown time zone {name[:40]!r}", code="invalid_time_zone"
        ) from None
    if name not in available_timezones():
        raise Invalid(f"time_zone: unknown time zone {name[:40]!r}", code="invalid_time_zone")
    return name


def clean_profile_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise a partial profile; structural checks (types, ranges) happened at the edge."""
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if value is None or field in ("seniority", "location", "open_to"):
            out[field] = value
        elif field == "display_name":
            name = clean_text(value, field, 80)
            if not name:
                raise Invalid("display_name: must not be empty", code="invalid_text")
            out[field] = name
        elif field in ("headline", "profession_other", "city", "neighbourhood"):
            out[field] = clean_text(value, field, 160)
        elif field == "bio":
            out[field] = clean_text(value, field, 2000)
        elif field == "profession":
            if not is_profession(value):
                raise Invalid(
                    f"profession: {value[:40]!r} is not in the catalogue (GET /v1/professions); "
                    "use profession_other for anything else",
                    code="unknown_profession",
                )
            out[field] = value
        elif field == "skills":
            out[field] = normalise_tags(value, field, MAX_SKILLS)
        elif field == "interests":
            out[field] = normalise_tags(value, field, MAX_INTERESTS)
        elif field == "languages":
            langs = list(dict.fromkeys(v.lower() for v in value))
            if len(langs) > MAX_LANGUAGES or not all(_LANGUAGE.match(v) for v in langs):
                raise Invalid(
                    "languages: up to 12 ISO 639 codes like 'en', 'de'", code="invalid_language"
                )
            out[field] = langs
        elif field == "portfolio_links":
            out[field] = check_links(value)
        elif field == "time_zone":
            out[field] = check_time_zone(value)
        elif field == "visibility":
            out[field] = dict(value)
        else:
            raise Invalid(f"{field}: cannot be changed", code="read_only")
    return out


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [f for f in (*PROFILE_FIELDS, "visibility") if before.get(f) != after.get(f)]


def visible_profile(profile: Mapping[str, Any], relation: Relation) -> dict[str, Any]:
    """The profile as `relation` may see it: connections-only groups vanish for strangers."""
    shown = {f: profile.get(f) for f in PROFILE_FIELDS}
    if relation is Relation.other:
        visibility = {**DEFAULT_VISIBILITY, **profile.get("visibility", {})}
        for group, fields in FIELD_GROUPS.items():
            if visibility[group] != Visibility.public:
                for field in fields:
                    shown.pop(field, None)
    return shown


@dataclass(frozen=True)
class SignInPolicy:
    failures_allowed: int
    window: timedelta

    def check(self, recent_failures: Sequence[datetime], now: datetime) -> None:
        """Refuse while too many failures sit in the window; say when to try again."""
        inside = sorted(t for t in recent_failures if t > now - self.window)
        if len(inside) >= self.failures_allowed:
            unlock = inside[-self.failures_allowed] + self.window
            wait = max(1, int((unlock - now).total_seconds()) + 1)
            raise TooMany(
                "too many failed sign-ins; try again later", retry_after=wait, code="sign_in_locked"
            )


def check_endorsement(endorser_id: str, user_id: str, skill: str, skills: Sequence[str]) -> str:
    if endorser_id == user_id:
        raise Forbidden("you cannot endorse your own skills", code="self_endorsement")
    tag = normalise_tag(skill)
    if tag not in skills:
        raise Invalid(f"skill {tag!r} is not listed on this profile", code="unknown_skill")
    return tag


def check_block(blocker_id: str, blocked_id: str) -> None:
    if blocker_id == blocked_id:
        raise Invalid("you cannot block yourself", code="self_block")
