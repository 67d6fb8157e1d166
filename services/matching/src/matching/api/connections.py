"""`/v1/connections`: requests that say why, answering them, connections, cadences.

A declined request is never shown as declined to its sender: their outgoing list keeps it as
`pending` until it expires or they withdraw it, exactly like a request nobody answered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from jobfriends_shared.errors import Invalid
from jobfriends_shared.http import CallerDep
from jobfriends_shared.pagination import CursorParam, Limit, Page, decode_cursor, encode_cursor

from matching.api.deps import ServicesDep
from matching.api.models import (
    CadenceIn,
    CadenceOut,
    ConnectionOut,
    DraftOut,
    RequestIdPath,
    RequestIn,
    RequestOut,
    UserIdPath,
    UserIdQuery,
)
from matching.domain.requests import Action

router = APIRouter(tags=["connections"])


def _request_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    value = decode_cursor(cursor)
    if value is None:
        return None
    try:
        at, rid = value
        return datetime.fromisoformat(at), str(rid)
    except (TypeError, ValueError):
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor") from None


def _pair_cursor(cursor: str | None) -> str | None:
    value = decode_cursor(cursor)
    if value is not None and not isinstance(value, str):
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
    return value


@router.post("/v1/connections/requests", status_code=201)
async def send_request(body: RequestIn, services: ServicesDep, caller: CallerDep) -> RequestOut:
    """Ask someone to connect; the note (10-300 characters) says why."""
    out = await services.connections.request(caller.require_user(), body.to_user_id, body.note)
    return RequestOut.model_validate(out)


@router.get("/v1/connections/requests")
async def list_requests(
    services: ServicesDep,
    caller: CallerDep,
    direction: Annotated[Literal["incoming", "outgoing"], Query()] = "incoming",
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Page[RequestOut]:
    rows = await services.connections.requests(
        caller.require_user(), direction, _request_cursor(cursor), limit
    )
    following = None
    if len(rows) == limit:
        following = encode_cursor([rows[-1]["created_at"].isoformat(), rows[-1]["id"]])
    return Page[RequestOut](
        items=[RequestOut.model_validate(r) for r in rows], next_cursor=following
    )


@router.get("/v1/connections/requests/draft")
async def draft_note(to_user_id: UserIdQuery, services: ServicesDep, caller: CallerDep) -> DraftOut:
    """A suggested note, drafted from what you share with this person."""
    note = await services.suggestions.draft(caller.require_user(), to_user_id)
    return DraftOut(to_user_id=to_user_id, note=note)


@router.post("/v1/connections/requests/{request_id}/{action}")
async def answer_request(
    request_id: RequestIdPath, action: Action, services: ServicesDep, caller: CallerDep
) -> RequestOut:
    """accept or decline (the recipient), withdraw (the sender)."""
    out = await services.connections.act(caller.require_user(), request_id, action)
    return RequestOut.model_validate(out)


@router.get("/v1/connections")
async def list_connections(
    services: ServicesDep, caller: CallerDep, cursor: CursorParam = None, limit: Limit = 20
) -> Page[ConnectionOut]:
    rows = await services.connections.connections(
        caller.require_user(), _pair_cursor(cursor), limit
    )
    following = encode_cursor(rows[-1]["pair_id"]) if len(rows) == limit else None
    return Page[ConnectionOut](
        items=[ConnectionOut.model_validate(r) for r in rows], next_cursor=following
    )


@router.delete("/v1/connections/{user_id}", status_code=204)
async def remove_connection(
    user_id: UserIdPath, services: ServicesDep, caller: CallerDep
) -> Response:
    await services.connections.remove(caller.require_user(), user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/v1/connections/{user_id}/cadence")
async def set_cadence(
    user_id: UserIdPath, body: CadenceIn, services: ServicesDep, caller: CallerDep
) -> CadenceOut:
    """How often to be nudged to keep in touch: weekly, monthly (default), quarterly, none."""
    out = await services.tribe.set_cadence(caller.require_user(), user_id, body.cadence)
    return CadenceOut.model_validate(out)
