"""Groups: create, find, view, join/leave, moderate, and read a group's posts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response, status
from jobfriends_shared.errors import Invalid
from jobfriends_shared.http import CallerDep
from jobfriends_shared.pagination import CursorParam, Limit, Page, decode_cursor, encode_cursor

from feed.api.deps import Feed, make_router
from feed.api.models import GroupIn, GroupOut, MemberOut, MembershipOut, PathId, PostOut
from feed.api.posts import post_page
from feed.domain.feed import decode_rank_cursor
from feed.domain.groups import Status

router = make_router("groups")

_NO_CONTENT = status.HTTP_204_NO_CONTENT


def _order_cursor(cursor: str | None) -> str | None:
    value = decode_cursor(cursor)
    if value is not None and (not isinstance(value, str) or len(value) > 100):
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
    return value


@router.post("/v1/groups", status_code=201)
async def create_group(body: GroupIn, feed: Feed, caller: CallerDep) -> GroupOut:
    fields = body.model_dump(exclude={"access"})
    out = await feed.groups.create(caller.require_user(), fields, body.access)
    return GroupOut.model_validate(out)


@router.get("/v1/groups")
async def find_groups(
    feed: Feed,
    caller: CallerDep,
    city: Annotated[str | None, Query(max_length=100)] = None,
    profession: Annotated[str | None, Query(max_length=60)] = None,
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Page[GroupOut]:
    items, next_before = await feed.groups.find(
        caller.require_user(), city, profession, _order_cursor(cursor), limit
    )
    return Page[GroupOut](
        items=[GroupOut.model_validate(i) for i in items],
        next_cursor=encode_cursor(next_before) if next_before else None,
    )


@router.get("/v1/groups/{group_id}")
async def get_group(group_id: PathId, feed: Feed, caller: CallerDep) -> GroupOut:
    return GroupOut.model_validate(await feed.groups.view(caller.require_user(), group_id))


@router.put("/v1/groups/{group_id}/membership")
async def join(group_id: PathId, feed: Feed, caller: CallerDep) -> MembershipOut:
    """Join a public group at once; for an approval-needed group this asks its moderators."""
    state = await feed.groups.join(caller.require_user(), group_id)
    return MembershipOut(group_id=group_id, status=state.value)


@router.delete("/v1/groups/{group_id}/membership", status_code=204)
async def leave(group_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    """Leave the group, or withdraw a request to join."""
    await feed.groups.leave(caller.require_user(), group_id)
    return Response(status_code=_NO_CONTENT)


@router.get("/v1/groups/{group_id}/members")
async def members(
    group_id: PathId,
    feed: Feed,
    caller: CallerDep,
    state: Annotated[Literal["member", "pending"], Query(alias="status")] = "member",
    cursor: CursorParam = None,
    limit: Limit = 20,
) -> Page[MemberOut]:
    items, next_after = await feed.groups.members(
        caller.require_user(), group_id, Status(state), _order_cursor(cursor), limit
    )
    return Page[MemberOut](
        items=[MemberOut.model_validate(i) for i in items],
        next_cursor=encode_cursor(next_after) if next_after else None,
    )


@router.put("/v1/groups/{group_id}/members/{user_id}", status_code=204)
async def approve(group_id: PathId, user_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    """A moderator approves a request to join."""
    await feed.groups.approve(caller.require_user(), group_id, user_id)
    return Response(status_code=_NO_CONTENT)


@router.delete("/v1/groups/{group_id}/members/{user_id}", status_code=204)
async def remove(group_id: PathId, user_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    """A moderator removes a member or declines a request."""
    await feed.groups.remove(caller.require_user(), group_id, user_id)
    return Response(status_code=_NO_CONTENT)


@router.put("/v1/groups/{group_id}/moderators/{user_id}", status_code=204)
async def promote(group_id: PathId, user_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    await feed.groups.set_moderator(caller.require_user(), group_id, user_id, True)
    return Response(status_code=_NO_CONTENT)


@router.delete("/v1/groups/{group_id}/moderators/{user_id}", status_code=204)
async def demote(group_id: PathId, user_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    await feed.groups.set_moderator(caller.require_user(), group_id, user_id, False)
    return Response(status_code=_NO_CONTENT)


@router.get("/v1/groups/{group_id}/posts")
async def group_posts(
    group_id: PathId, feed: Feed, caller: CallerDep, cursor: CursorParam = None, limit: Limit = 20
) -> Page[PostOut]:
    items, next_before = await feed.groups.posts(
        caller.require_user(), group_id, decode_rank_cursor(cursor), limit
    )
    return post_page(items, next_before)
