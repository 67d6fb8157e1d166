"""HTTP API of the events service (reached only through the gateway): thin routes that parse,
call a use case and shape the answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from jobfriends_shared.contracts.events import EventKind, RsvpStatus
from jobfriends_shared.errors import Invalid
from jobfriends_shared.http import CallerDep, current_caller
from jobfriends_shared.pagination import CursorParam, Limit, Page, decode_cursor, encode_cursor

from events import ical
from events.domain import discovery, geo, text
from events.domain import event as rules
from events.schemas import (
    AttendeeOut,
    CheckinIn,
    CheckinOut,
    EventDetail,
    EventIn,
    EventOut,
    EventPatch,
    RsvpIn,
    RsvpOut,
)
from events.service import Services

EventId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
router = APIRouter(dependencies=[Depends(current_caller)], tags=["events"])
ICS = "text/calendar; charset=utf-8"
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar (RFC 5545) file"}
}


def _parse_near(near: str | None, radius_km: float) -> discovery.Near | None:
    if near is None:
        return None
    try:
        lat_s, lon_s = near.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise Invalid("near: give it as lat,lon (e.g. 52.52,13.40)", code="invalid_near") from None
    if not geo.valid_point(lat, lon):
        raise Invalid("near: lat within -90..90, lon within -180..180", code="invalid_near")
    return discovery.Near(lat, lon, radius_km)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _detail(services: Services, doc: dict[str, Any], user_id: str) -> EventDetail:
    counts = await services.rsvps.counts(doc)
    mine = await services.rsvps.status_of(doc, user_id)
    capacity = doc.get("capacity")
    return EventDetail.model_validate(
        {
            **EventOut.of(doc).model_dump(),
            **counts,
            "seats_left": None if capacity is None else max(0, capacity - counts["going"]),
            "my_rsvp": RsvpOut(event_id=doc["_id"], **mine),
        }
    )


@router.post("/v1/events", status_code=201)
async def create_event(body: EventIn, services: ServicesDep, caller: CallerDep) -> EventDetail:
    user_id = caller.require_user()
    doc = await services.events.create(user_id, body.model_dump(exclude_unset=True, mode="python"))
    return await _detail(services, doc, user_id)


@router.get("/v1/events")
async def discover(
    services: ServicesDep,
    caller: CallerDep,
    city: Annotated[str | None, Query(max_length=200)] = None,
    near: Annotated[
        str | None, Query(max_length=64, description="lat,lon; results nearest first")
    ] = None,
    radius_km: Annotated[float, Query(allow_inf_nan=False)] = discovery.DEFAULT_RADIUS_KM,
    topic: Annotated[str | None, Query(max_length=100)] = None,
    profession: Annotated[str | None, Query(max_length=100)] = None,
    kind: EventKind | None = None,
    starts_from: Annotated[datetime | None, Query(alias="from")] = None,
    starts_to: Annotated[datetime | None, Query(alias="to")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words in title/description")
    ] = None,
    friends: Annotated[bool, Query(description="Only events my connections go to")] = False,
    recommended: Annotated[bool, Query(description="Ranked for me")] = False,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Page[EventOut]:
    user_id = caller.require_user()
    tokens: tuple[str, ...] = ()
    if q is not None:
        tokens = tuple(text.query_tokens(q))
        if not tokens:
            raise Invalid("q: give at least one word of two or more letters", code="invalid_query")
    query = discovery.Query(
        city_key=rules.city_key(city),
        near=_parse_near(near, radius_km),
        topic=rules.normalise_tag(topic) if topic else None,
        profession=rules.check_professions([profession])[0] if profession else None,
        kind=kind.value if kind else None,
        starts_from=_utc(starts_from),
        starts_to=_utc(starts_to),
        tokens=tokens,
        friends=friends,
        recommended=recommended,
    )
    items, nxt = await services.discovery.discover(user_id, query, decode_cursor(cursor), limit)
    return Page[EventOut](
        items=[EventOut.of(i) for i in items], next_cursor=encode_cursor(nxt) if nxt else None
    )


# Declared before `/v1/events/{event_id}` so that `<id>.ics` is not taken for an id.
@router.get("/v1/events/{event_id}.ics", response_class=Response, responses=ICS_RESPONSE)
async def event_ics(event_id: EventId, services: ServicesDep, caller: CallerDep) -> Response:
    doc = await services.ctx.visible(event_id, caller.require_user())
    body = ical.calendar([doc], services.ctx.clock.now())
    return Response(
        body,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="{event_id}.ics"'},
    )


@router.get("/v1/me/calendar.ics", response_class=Response, responses=ICS_RESPONSE)
async def my_calendar(services: ServicesDep, caller: CallerDep) -> Response:
    docs = await services.discovery.calendar(caller.require_user())
    body = ical.calendar(docs, services.ctx.clock.now(), name="JobFriends events")
    return Response(body, media_type=ICS)


@router.get("/v1/events/{event_id}")
async def get_event(event_id: EventId, services: ServicesDep, caller: CallerDep) -> EventDetail:
    user_id = caller.require_user()
    return await _detail(services, await services.ctx.visible(event_id, user_id), user_id)


@router.patch("/v1/events/{event_id}")
async def update_event(
    event_id: EventId, body: EventPatch, services: ServicesDep, caller: CallerDep
) -> EventDetail:
    user_id = caller.require_user()
    changes = body.model_dump(exclude_unset=True, mode="python")
    doc = await services.events.update(event_id, user_id, changes)
    return await _detail(services, doc, user_id)


@router.post("/v1/events/{event_id}/cancel")
async def cancel_event(event_id: EventId, services: ServicesDep, caller: CallerDep) -> EventDetail:
    user_id = caller.require_user()
    doc = await services.events.cancel(event_id, user_id)
    return await _detail(services, doc, user_id)


@router.put("/v1/events/{event_id}/rsvp")
async def rsvp(
    event_id: EventId, body: RsvpIn, services: ServicesDep, caller: CallerDep
) -> RsvpOut:
    out = await services.rsvps.answer(event_id, caller.require_user(), RsvpStatus(body.status))
    return RsvpOut(event_id=event_id, **out)


@router.delete("/v1/events/{event_id}/rsvp", status_code=204)
async def withdraw_rsvp(event_id: EventId, services: ServicesDep, caller: CallerDep) -> Response:
    await services.rsvps.answer(event_id, caller.require_user(), RsvpStatus.not_going)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/events/{event_id}/attendees", response_model_exclude_unset=True)
async def attendees(
    event_id: EventId,
    services: ServicesDep,
    caller: CallerDep,
    rsvp_status: Annotated[
        RsvpStatus, Query(alias="status", description="going, waitlisted or interested")
    ] = RsvpStatus.going,
    cursor: CursorParam = None,
    limit: Limit = 50,
) -> Page[AttendeeOut]:
    items, last = await services.rsvps.attendees(
        event_id, caller.require_user(), rsvp_status, decode_cursor(cursor), limit
    )
    return Page[AttendeeOut](
        items=[AttendeeOut.model_validate(i) for i in items],
        next_cursor=encode_cursor(last) if last is not None else None,
    )


@router.post("/v1/events/{event_id}/checkins", status_code=201)
async def check_in(
    event_id: EventId,
    body: CheckinIn,
    services: ServicesDep,
    caller: CallerDep,
    response: Response,
) -> CheckinOut:
    recorded = await services.rsvps.check_in(event_id, caller.require_user(), body.user_id)
    if not recorded:
        response.status_code = status.HTTP_200_OK
    return CheckinOut(event_id=event_id, user_id=body.user_id, already=not recorded)
