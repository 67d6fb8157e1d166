"""`/v1/matches`: explained suggestions per intent, and dismissing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from jobfriends_shared.errors import Invalid
from jobfriends_shared.http import CallerDep
from jobfriends_shared.pagination import CursorParam, Limit, decode_cursor, encode_cursor

from matching.api.deps import ServicesDep
from matching.api.models import MatchesOut, MatchOut, UserIdPath
from matching.ranking import Intent

router = APIRouter(tags=["matching"])


def _offset(cursor: str | None) -> int:
    value = decode_cursor(cursor)
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
    return value


@router.get("/v1/matches")
async def matches(
    services: ServicesDep,
    caller: CallerDep,
    intent: Annotated[Intent, Query(description="Who you are looking for")] = Intent.job_friends,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> MatchesOut:
    """People you should meet, best first, each with the reasons why."""
    user_id = caller.require_user()
    items, following, hint = await services.suggestions.matches(
        user_id, intent, _offset(cursor), limit
    )
    return MatchesOut(
        intent=intent.value,
        items=[MatchOut.model_validate(i) for i in items],
        next_cursor=encode_cursor(following) if following is not None else None,
        hint=hint,
    )


@router.post("/v1/matches/{user_id}/dismiss", status_code=204)
async def dismiss(user_id: UserIdPath, services: ServicesDep, caller: CallerDep) -> Response:
    """Never suggest this person again."""
    await services.suggestions.dismiss(caller.require_user(), user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
