"""Dependencies shared by the feed's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from jobfriends_shared.http import current_caller

from feed.service import FeedService


def get_feed(request: Request) -> FeedService:
    feed: FeedService = request.app.state.feed
    return feed


Feed = Annotated[FeedService, Depends(get_feed)]


def make_router(tag: str) -> APIRouter:
    # Every route must arrive through the gateway (shared secret checked per request).
    return APIRouter(tags=[tag], dependencies=[Depends(current_caller)])
