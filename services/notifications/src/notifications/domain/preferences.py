"""A person's notification preferences and the rules that read them.

Decisions (documented for clients):
- per type a channel: `in_app`, `email_digest` (in the app *and* in the digest) or `off`
  (not stored at all). Everything defaults to `email_digest`; the digest frequency defaults to
  `off`, so nobody gets email without choosing it.
- quiet hours, in the person's time zone: notifications are still stored, listed, counted and
  sent on the live stream (the stream must stay gap-free and in order), but flagged
  `alert: false` so clients update the inbox silently: no sound, no toast, no OS notification.
- per-type frequency caps (`max` per calendar `hour` (UTC), or local `day` / ISO `week`):
  past the cap a notification is dropped, never queued. For grouped types the contributor is
  still counted, so the next notification that is allowed shows the full count. New match
  suggestions are also limited to one a week whatever the settings say.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jobfriends_shared.errors import Invalid
from pydantic import BaseModel, ConfigDict, Field

from notifications.domain.kinds import (
    DEFAULT_CHANNEL,
    MAX_CAP,
    CapPeriod,
    Channel,
    DigestFrequency,
    NotificationType,
)

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
UTC_ZONE = ZoneInfo("UTC")


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone of that name; `Invalid` for names that are not zones."""
    if name is None:
        return UTC_ZONE
    if len(name) > 64 or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name) or ".." in name:
        raise Invalid("time_zone: not an IANA time zone name", code="invalid_time_zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("time_zone: not an IANA time zone name", code="invalid_time_zone") from None


def zone_or_utc(name: str | None) -> ZoneInfo:
    try:
        return zone(name)
    except Invalid:
        return UTC_ZONE


def clock_time(raw: str, field: str) -> time:
    match = _CLOCK.match(raw)
    if not match:
        raise Invalid(f"{field}: use HH:MM (24 hours)", code="invalid_quiet_hours")
    return time(int(match[1]), int(match[2]))


class QuietHours(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: str
    end: str

    def check(self) -> QuietHours:
        if clock_time(self.start, "quiet_hours.start") == clock_time(self.end, "quiet_hours.end"):
            raise Invalid("quiet_hours: start and end must differ", code="invalid_quiet_hours")
        return self

    def contains(self, local: time) -> bool:
        """Whether a local wall-clock time falls inside; windows may wrap past midnight."""
        start = clock_time(self.start, "start")
        end = clock_time(self.end, "end")
        moment = local.replace(second=0, microsecond=0, tzinfo=None)
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end


class Cap(BaseModel):
    model_config = ConfigDict(frozen=True)

    max: int = Field(ge=1, le=MAX_CAP)
    per: CapPeriod


class Preferences(BaseModel):
    """What is stored per person (only what they chose; defaults fill the rest)."""

    model_config = ConfigDict(frozen=True)

    channels: dict[NotificationType, Channel] = Field(default_factory=dict)
    caps: dict[NotificationType, Cap] = Field(default_factory=dict)
    quiet_hours: QuietHours | None = None
    time_zone: str | None = None
    digest: DigestFrequency = DigestFrequency.off
    digest_since: datetime | None = None

    def checked(self) -> Preferences:
        """Raise `Invalid` for anything the models cannot express (zones, clock times)."""
        if self.quiet_hours is not None:
            self.quiet_hours.check()
        zone(self.time_zone)
        return self

    def channel(self, type_: NotificationType) -> Channel:
        return self.channels.get(type_, DEFAULT_CHANNEL)

    def all_channels(self) -> dict[NotificationType, Channel]:
        return {t: self.channel(t) for t in NotificationType}

    def limits(self, type_: NotificationType) -> list[tuple[int, CapPeriod]]:
        """The person's cap for this type, if any."""
        if type_ in self.caps:
            cap = self.caps[type_]
            return [(cap.max, cap.per)]
        return []

    def zone(self, profile_zone: str | None) -> ZoneInfo:
        """Their own choice here, else their profile's, else UTC."""
        return zone_or_utc(self.time_zone or profile_zone)

    def is_quiet(self, now: datetime, tz: ZoneInfo) -> bool:
        if self.quiet_hours is None:
            return False
        return self.quiet_hours.contains(now.astimezone(tz).time())

    def with_changes(self, new: Preferences, now: datetime) -> Preferences:
        """`new` as stored: the moment a digest was switched on is remembered, so the first
        digest never covers a period that ended before the person asked for digests."""
        since = self.digest_since
        if new.digest == DigestFrequency.off:
            since = None
        elif self.digest == DigestFrequency.off or since is None:
            since = now
        return new.model_copy(update={"digest_since": since})
