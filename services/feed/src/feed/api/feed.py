"""The home timeline and the person's feed settings."""

from __future__ import annotations

from fastapi import Response
from jobfriends_shared.http import CallerDep
from jobfriends_shared.pagination import CursorParam, Limit, Page
from pydantic_core import to_json

from feed.api.deps import Feed, make_router
from feed.api.models import PostOut, SettingsIn, SettingsOut
from feed.domain.feed import FeedCursor

router = make_router("feed")


@router.get("/v1/feed", response_model=Page[PostOut])
async def home(
    feed: Feed, caller: CallerDep, cursor: CursorParam = None, limit: Limit = 20
) -> Response:
    """Posts from your connections, the people and hashtags you follow and your groups,
    newest first; your tribe's recent help requests and milestones lead the first page."""
    viewer = caller.require_user()
    posts, next_cursor = await feed.timeline.home(viewer, FeedCursor.decode(cursor), limit)
    rendered = await feed.ctx.render(viewer, posts)
    # The busiest read is serialised straight from what `render` built, field for field the
    # shape of `PostOut` (a test holds them equal): validating twenty models and then FastAPI
    # validating the page again cost a tenth of the request.
    page = {"items": rendered, "next_cursor": next_cursor.encode() if next_cursor else None}
    return Response(to_json(page), media_type="application/json")


@router.get("/v1/feed/settings")
async def get_settings(feed: Feed, caller: CallerDep) -> SettingsOut:
    return SettingsOut.model_validate(await feed.social.settings(caller.require_user()))


@router.put("/v1/feed/settings")
async def put_settings(body: SettingsIn, feed: Feed, caller: CallerDep) -> SettingsOut:
    changes = body.model_dump(exclude_none=True)
    out = await feed.social.save_settings(caller.require_user(), changes)
    return SettingsOut.model_validate(out)
