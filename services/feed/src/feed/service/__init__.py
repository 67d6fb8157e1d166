"""The feed's use cases, one module per concern, sharing one `Context`."""

from __future__ import annotations

from jobfriends_shared.clock import Clock
from jobfriends_shared.outbox import Outbox

from feed.repository import FeedRepository
from feed.service.context import Context
from feed.service.fanout import FanOut, FanOutService
from feed.service.groups import GroupService
from feed.service.posts import PostService
from feed.service.reactions import ReactionService
from feed.service.reading import ReadingService
from feed.service.social import SocialService
from feed.service.timeline import TimelineService
from feed.settings import FeedSettings


class FeedService:
    """Every use case of the feed, wired once per app (and reachable from tests and the
    benchmarks as `app.state.services`)."""

    def __init__(
        self, repo: FeedRepository, outbox: Outbox, clock: Clock, settings: FeedSettings
    ) -> None:
        self.repo = repo
        self.ctx = Context(repo, outbox, clock, settings)
        self.timeline = TimelineService(self.ctx)
        self.fanout = FanOutService(self.ctx, self.timeline)
        self.posts = PostService(self.ctx)
        self.reactions = ReactionService(self.ctx)
        self.reading = ReadingService(self.ctx)
        self.social = SocialService(self.ctx, self.timeline)
        self.groups = GroupService(self.ctx, self.timeline)


__all__ = ["FanOut", "FeedService"]
