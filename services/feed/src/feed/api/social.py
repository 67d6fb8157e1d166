"""Following people and hashtags; trending hashtags."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response, status
from jobfriends_shared.http import CallerDep

from feed.api.deps import Feed, make_router
from feed.api.models import PathId, PathTag, TrendingItem, TrendingOut

router = make_router("following")

_NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.put("/v1/users/{user_id}/follow", status_code=204)
async def follow(user_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    await feed.social.follow(caller.require_user(), user_id)
    return Response(status_code=_NO_CONTENT)


@router.delete("/v1/users/{user_id}/follow", status_code=204)
async def unfollow(user_id: PathId, feed: Feed, caller: CallerDep) -> Response:
    await feed.social.unfollow(caller.require_user(), user_id)
    return Response(status_code=_NO_CONTENT)


@router.put("/v1/hashtags/{tag}/follow", status_code=204)
async def follow_hashtag(tag: PathTag, feed: Feed, caller: CallerDep) -> Response:
    await feed.social.follow_hashtag(caller.require_user(), tag)
    return Response(status_code=_NO_CONTENT)


@router.delete("/v1/hashtags/{tag}/follow", status_code=204)
async def unfollow_hashtag(tag: PathTag, feed: Feed, caller: CallerDep) -> Response:
    await feed.social.unfollow_hashtag(caller.require_user(), tag)
    return Response(status_code=_NO_CONTENT)


@router.get("/v1/hashtags/trending")
async def trending(
    feed: Feed,
    caller: CallerDep,
    city: Annotated[
        str | None, Query(max_length=100, description="Another city than your profile's")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> TrendingOut:
    counted_city, rows = await feed.reading.trending(caller.require_user(), city, limit)
    return TrendingOut(
        city=counted_city,
        window_hours=feed.ctx.settings.trending_window_hours,
        items=[TrendingItem(hashtag=tag, posts=n) for tag, n in rows],
    )
