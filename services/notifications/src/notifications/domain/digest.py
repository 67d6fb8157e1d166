"""Email digests: which period is due, its deterministic id, and the message itself.

A period is a local calendar day (daily) or a local Monday-to-Monday week (weekly) in the
person's time zone. Its digest is due from `send_hour` local time after the period ends; the
job only ever looks at the latest due period (no backfill after a long outage: a late digest of
an old week helps nobody). The id is derived from (person, frequency, period start), and it is
claimed by a unique insert before anything is sent, so two instances, or a restart, never send
a second digest for one period.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from notifications.domain.kinds import DigestFrequency


@dataclass(frozen=True)
class Period:
    frequency: DigestFrequency
    start: datetime
    end: datetime

    def label(self, zone: ZoneInfo) -> str:
        first = self.start.astimezone(zone)
        last = (self.end - timedelta(seconds=1)).astimezone(zone)
        if self.frequency == DigestFrequency.daily:
            return first.strftime("%a %d %b %Y")
        return f"{first.strftime('%d %b')} to {last.strftime('%d %b %Y')}"


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def due_period(
    now: datetime, frequency: DigestFrequency, zone: ZoneInfo, send_hour: int
) -> Period | None:
    """The latest period whose digest may go out by `now` (None when digests are off)."""
    if frequency == DigestFrequency.off:
        return None
    today = now.astimezone(zone).date()
    step = timedelta(days=1) if frequency == DigestFrequency.daily else timedelta(weeks=1)
    end_day = today if frequency == DigestFrequency.daily else today - timedelta(today.weekday())
    if now < datetime.combine(end_day, time(send_hour), tzinfo=zone):
        end_day -= step
    return Period(frequency, _midnight(end_day - step, zone), _midnight(end_day, zone))


def digest_id(user_id: str, period: Period) -> str:
    key = f"{user_id}|{period.frequency.value}|{period.start.astimezone(UTC).isoformat()}"
    return f"d{hashlib.sha256(key.encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class DigestLine:
    title: str
    body: str


def compose(
    *,
    sender: str,
    to: str,
    name: str | None,
    period: Period,
    zone: ZoneInfo,
    lines: Sequence[DigestLine],
    more: int,
    digest: str,
) -> EmailMessage:
    """A plain-text email listing the notifications of one period."""
    total = len(lines) + more
    noun = "notification" if total == 1 else "notifications"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Your {period.frequency.value} JobFriends digest: {total} new {noun}"
    message["Message-ID"] = f"<{digest}@jobfriends.local>"
    message["X-JobFriends-Digest"] = digest
    span = "on" if period.frequency == DigestFrequency.daily else "from"
    text = [f"Hi {name or 'there'},", "", f"Here is what you missed {span} {period.label(zone)}:"]
    text.append("")
    for line in lines:
        text.append(f"* {line.title}")
        if line.body:
            text.append(f"  {line.body}")
    if more:
        text += ["", f"...and {more} more in the app."]
    text += [
        "",
        f"You get this digest {period.frequency.value}; change it in your notification settings.",
    ]
    message.set_content("\n".join(text) + "\n")
    return message
