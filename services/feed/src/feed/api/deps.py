"""Dependencies shared by the feed's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from jobfriends_shared.http import current_caller
from starlette.types import ASGIApp, Receive, Scope, Send

from feed.repository.memory import MEMORY_READS
from feed.service import FeedService


async def get_feed(request: Request) -> FeedService:
    feed: FeedService = request.app.state.services
    return feed


Feed = Annotated[FeedService, Depends(get_feed)]


def make_router(tag: str) -> APIRouter:
    # Every route must arrive through the gateway (shared secret checked per request).
    return APIRouter(tags=[tag], dependencies=[Depends(current_caller)])


class MemoryForReads:
    """Lets what answers a GET read from the instance's memory; everything else reads the
    store (see `repository.memory` for why)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        token = MEMORY_READS.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            MEMORY_READS.reset(token)
