"""What kinds of notification exist and how a person can receive them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class NotificationType(StrEnum):
    connection_requested = "connection_requested"
    connection_accepted = "connection_accepted"
    post_reacted = "post_reacted"
    post_commented = "post_commented"
    comment_replied = "comment_replied"
    mentioned = "mentioned"
    tribe_help_request = "tribe_help_request"
    tribe_milestone = "tribe_milestone"
    endorsement_received = "endorsement_received"
    event_nearby = "event_nearby"
    group_event = "group_event"
    waitlist_promoted = "waitlist_promoted"
    event_reminder = "event_reminder"
    event_cancelled = "event_cancelled"
    keep_in_touch = "keep_in_touch"
    match_suggestions = "match_suggestions"
    messages_waiting = "messages_waiting"
    message_requested = "message_requested"


# One notification per (recipient, type, post): later contributors update it instead of
# adding rows to the inbox ("Ana and 4 others reacted").
GROUPED: frozenset[NotificationType] = frozenset(
    {NotificationType.post_reacted, NotificationType.post_commented}
)


class Channel(StrEnum):
    """Per type: `in_app` shows it in the app only; `email_digest` shows it in the app and
    also lists it in the email digest (when a digest frequency is chosen); `off` drops it."""

    in_app = "in_app"
    email_digest = "email_digest"
    off = "off"


DEFAULT_CHANNEL = Channel.email_digest


class DigestFrequency(StrEnum):
    daily = "daily"
    weekly = "weekly"
    off = "off"


class CapPeriod(StrEnum):
    """Caps count per calendar window: the hour (UTC), or the person's local day or ISO week."""

    hour = "hour"
    day = "day"
    week = "week"

    def window(self, now: datetime, zone: ZoneInfo) -> str:
        if self is CapPeriod.hour:
            return now.astimezone(UTC).strftime("%Y-%m-%dT%H")
        local = now.astimezone(zone).date()
        if self is CapPeriod.day:
            return local.isoformat()
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"


MAX_CAP = 100

# Built-in limits that no setting can loosen: new match suggestions at most once a week
# (rolling: a week after the last one).
MIN_INTERVAL: dict[NotificationType, timedelta] = {
    NotificationType.match_suggestions: timedelta(weeks=1),
}

EMOJI: dict[str, str] = {
    "like": "👍",
    "celebrate": "🎉",
    "support": "💪",
    "insightful": "💡",
    "funny": "😄",
    "love": "❤️",
}
