"""HTTP API of the notifications service (reached only through the gateway).

- `GET /v1/notifications`: newest first (or unread first), cursor pages, with the unread count
  and `last_event_id`, the stream position to resume from after loading the list.
- `POST /v1/notifications/read`: `{"ids": [...]}`, `{"all": true}` or `{"up_to": <time or id>}`.
- `GET /v1/notifications/stream`: server-sent events; resume with `Last-Event-ID` (or
  `?last_event_id=`). Each event: `id` (the seq), `event: notification`, `data` (the same item
  as in the list). A group ("Ana and 4 others reacted") arrives again, with a new id, whenever
  it grows: clients replace the item with the same `group`. Comments keep the line alive.
- `GET|PUT /v1/me/notification-settings`: channels per type, caps, quiet hours, time zone,
  digest frequency (PUT replaces everything; what is left out returns to its default).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from jobfriends_shared.http import CallerDep, current_caller
from jobfriends_shared.pagination import CursorParam, Limit
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from notifications.domain.drafts import NOTIFICATION_ID_PATTERN
from notifications.domain.kinds import (
    MAX_CAP,
    CapPeriod,
    Channel,
    DigestFrequency,
    NotificationType,
)
from notifications.domain.preferences import Cap, Preferences, QuietHours
from notifications.stream import event_stream

router = APIRouter(prefix="/v1", tags=["notifications"], dependencies=[Depends(current_caller)])

NotificationId = Annotated[str, Field(pattern=NOTIFICATION_ID_PATTERN, max_length=40)]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["22:00"])]


def _app(request: Request) -> Any:
    return request.app.state.services


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NotificationOut(BaseModel):
    id: str
    seq: int = Field(description="Position in your stream (the SSE event id)")
    type: NotificationType
    group: str | None = Field(None, description="Same for every version of a grouped one")
    title: str
    body: str
    actor_ids: list[str]
    actor_count: int
    data: dict[str, Any]
    channel: Channel
    alert: bool = Field(description="False during quiet hours: update silently")
    read: bool
    created_at: datetime


class PageOut(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread_count: int
    last_event_id: str = Field(description="Open the stream from here to miss nothing")


class ReadIn(Strict):
    ids: Annotated[list[NotificationId], Field(min_length=1, max_length=100)] | None = None
    all: Literal[True] | None = None
    up_to: AwareDatetime | NotificationId | None = Field(
        None, description="A time (with zone) or a notification id: that and everything older"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ReadIn:
        given = [f for f in ("ids", "all", "up_to") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of ids, all, up_to")
        return self


class ReadOut(BaseModel):
    marked: int
    read_up_to: str
    unread_count: int


class QuietHoursIn(Strict):
    start: ClockTime
    end: ClockTime


class CapIn(Strict):
    max: int = Field(ge=1, le=MAX_CAP)
    per: CapPeriod


class SettingsIn(Strict):
    channels: dict[NotificationType, Channel] = Field(default_factory=dict)
    caps: dict[NotificationType, CapIn] = Field(default_factory=dict)
    quiet_hours: QuietHoursIn | None = None
    time_zone: Annotated[str, Field(max_length=64)] | None = Field(
        None, description="IANA name; unset uses your profile's time zone"
    )
    digest: DigestFrequency = DigestFrequency.off


class SettingsOut(BaseModel):
    channels: dict[NotificationType, Channel]
    caps: dict[NotificationType, CapIn]
    quiet_hours: QuietHoursIn | None
    time_zone: str | None
    effective_time_zone: str
    digest: DigestFrequency


@router.get("/notifications", response_model=PageOut)
async def list_notifications(
    request: Request,
    caller: CallerDep,
    cursor: CursorParam = None,
    limit: Limit = 20,
    unread_first: Annotated[bool, Query(description="Unread ones first, then the rest")] = False,
) -> dict[str, Any]:
    user_id = caller.require_user()
    page: dict[str, Any] = await _app(request).inbox.page(user_id, cursor, limit, unread_first)
    return page


@router.post("/notifications/read", response_model=ReadOut)
async def mark_read(request: Request, caller: CallerDep, body: ReadIn) -> dict[str, Any]:
    user_id = caller.require_user()
    result: dict[str, Any] = await _app(request).inbox.mark_read(
        user_id, ids=body.ids, everything=bool(body.all), up_to=body.up_to
    )
    return result


@router.get(
    "/notifications/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    caller: CallerDep,
    last_event_id_header: Annotated[
        str | None, Header(alias="last-event-id", max_length=32)
    ] = None,
    last_event_id: Annotated[str | None, Query(max_length=32)] = None,
) -> StreamingResponse:
    user_id = caller.require_user()
    app = _app(request)
    app.hub.check_capacity(user_id)
    start = await app.inbox.stream_start(user_id, last_event_id_header or last_event_id)
    settings = app.settings
    batch = settings.stream_batch

    async def fetch(after: int, known: Any) -> Any:
        return await app.inbox.after(user_id, after, batch, known)

    body = event_stream(
        app.hub,
        user_id,
        start,
        fetch,
        batch=batch,
        keepalive=settings.stream_keepalive_seconds,
        max_seconds=settings.stream_max_seconds,
    )
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )


@router.get("/me/notification-settings", response_model=SettingsOut)
async def get_settings(request: Request, caller: CallerDep) -> dict[str, Any]:
    result: dict[str, Any] = await _app(request).preferences.get(caller.require_user())
    return result


@router.put("/me/notification-settings", response_model=SettingsOut)
async def put_settings(request: Request, caller: CallerDep, body: SettingsIn) -> dict[str, Any]:
    user_id = caller.require_user()
    prefs = Preferences(
        channels=body.channels,
        caps={t: Cap(max=c.max, per=c.per) for t, c in body.caps.items()},
        quiet_hours=QuietHours(**body.quiet_hours.model_dump()) if body.quiet_hours else None,
        time_zone=body.time_zone,
        digest=body.digest,
    )
    result: dict[str, Any] = await _app(request).preferences.replace(user_id, prefs)
    return result
