"""Events produced by the notifications service (engagement analytics)."""

from __future__ import annotations

from datetime import datetime

from jobfriends_shared.contracts.base import Payload, event

TOPIC = "notifications.notifications"


@event(
    "notification.created",
    version=1,
    topic_name=TOPIC,
    key="recipient_id",
    description="A notification was stored for `recipient_id`.",
)
class NotificationCreated(Payload):
    notification_id: str
    recipient_id: str
    type: str
    channel: str
    source_event_id: str | None = None


@event(
    "notification.read",
    version=1,
    topic_name=TOPIC,
    key="recipient_id",
    description="`recipient_id` read notifications (these ids, or all up to `up_to`).",
)
class NotificationRead(Payload):
    recipient_id: str
    notification_ids: tuple[str, ...] = ()
    up_to: datetime | None = None


@event(
    "digest.sent",
    version=1,
    topic_name=TOPIC,
    key="recipient_id",
    description="An email digest for one period was sent.",
)
class DigestSent(Payload):
    recipient_id: str
    period: str
    period_start: datetime
    count: int
