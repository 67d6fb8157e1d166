"""Every query the feed makes, and the only package that knows its collection layout."""

from __future__ import annotations

from jobfriends_shared.mongo import Database

from feed.repository.groups import GroupRepository
from feed.repository.memory import DocumentCache, Store
from feed.repository.posts import PostRepository
from feed.repository.social import SocialRepository
from feed.repository.timeline import TimelineRepository


class FeedRepository:
    """The feed's repositories over one database."""

    def __init__(
        self, db: Database, timeline_shards: int, cache: DocumentCache | None = None
    ) -> None:
        store = Store(db, cache)
        self.cache = cache
        self.posts = PostRepository(store)
        self.social = SocialRepository(store)
        self.groups = GroupRepository(store)
        self.timeline = TimelineRepository(db, timeline_shards, cache)

    async def ensure_indexes(self) -> None:
        await self.posts.ensure_indexes()
        await self.social.ensure_indexes()
        await self.groups.ensure_indexes()
        await self.timeline.ensure_indexes()


__all__ = [
    "DocumentCache",
    "FeedRepository",
    "GroupRepository",
    "PostRepository",
    "SocialRepository",
    "TimelineRepository",
]
