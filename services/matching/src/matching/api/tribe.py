"""`/v1/tribe`: the 15-30 connections a person counts on, and how support flows."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from jobfriends_shared.http import CallerDep

from matching.api.deps import ServicesDep
from matching.api.models import TribeOut, UserIdPath

router = APIRouter(tags=["tribe"])


@router.get("/v1/tribe")
async def get_tribe(services: ServicesDep, caller: CallerDep) -> TribeOut:
    return TribeOut.model_validate(await services.tribe.tribe(caller.require_user()))


@router.put("/v1/tribe/{user_id}")
async def add_to_tribe(user_id: UserIdPath, services: ServicesDep, caller: CallerDep) -> TribeOut:
    """Add a connection to your tribe (at most 30); adding someone twice changes nothing."""
    out = await services.tribe.add(caller.require_user(), user_id)
    return TribeOut.model_validate(out)


@router.delete("/v1/tribe/{user_id}", status_code=204)
async def remove_from_tribe(
    user_id: UserIdPath, services: ServicesDep, caller: CallerDep
) -> Response:
    await services.tribe.remove(caller.require_user(), user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
