"""Reading posts: one post, a person's posts, a hashtag's posts, and trending hashtags.

Every list goes through `Context.visible_page`, which applies the visibility rules to each post
and reads on while posts are hidden, so a page never leaks and rarely comes back short.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jobfriends_shared.errors import NotFound
from jobfriends_shared.mongo import Document

from feed.domain import text as texts
from feed.service.context import Context


class ReadingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo

    async def get(self, viewer: str, post_id: str) -> dict[str, Any]:
        post = await self.ctx.visible_post(viewer, post_id)
        return (await self.ctx.render(viewer, [post]))[0]

    async def by_author(
        self, viewer: str, author_id: str, before: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        if author_id != viewer and (
            await self.repo.social.blocked_either_way(viewer, author_id)
            or await self.repo.social.erased(author_id)
        ):
            raise NotFound("no such person", code="user_not_found")

        async def fetch(cursor: str | None, n: int) -> list[Document]:
            return await self.repo.posts.newest({"author_id": author_id}, cursor, n)

        posts, next_before = await self.ctx.visible_page(viewer, fetch, before, limit)
        return await self.ctx.render(viewer, posts), next_before

    async def by_hashtag(
        self, viewer: str, tag: str, before: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        tag = texts.normalise_hashtag(tag)

        async def fetch(cursor: str | None, n: int) -> list[Document]:
            return await self.repo.posts.newest({"hashtags": tag}, cursor, n)

        posts, next_before = await self.ctx.visible_page(viewer, fetch, before, limit)
        return await self.ctx.render(viewer, posts), next_before

    async def trending(
        self, viewer: str, city: str | None, limit: int
    ) -> tuple[str | None, list[tuple[str, int]]]:
        """Hashtags of public posts in the last `trending_window_hours`, in the caller's city
        (from their profile) unless another is asked for; everywhere if neither is known."""
        if city is None:
            card = await self.repo.social.author(viewer)
            city = (card or {}).get("city")
        since = self.ctx.clock.now() - timedelta(hours=self.ctx.settings.trending_window_hours)
        return city, await self.repo.posts.trending(texts.normalise_city(city), since, limit)

    async def purge_hashtag_uses(self) -> int:
        """Periodic: forget hashtag uses older than the trending window."""
        window = timedelta(hours=self.ctx.settings.trending_window_hours)
        return await self.repo.posts.purge_uses(self.ctx.clock.now() - window)
