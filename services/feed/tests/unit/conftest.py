"""The feed wired as `main.py` wires it, on the in-memory store (without the in-memory copies
of documents, `FEED_CACHE_ENTRIES=0`), its consumer fed the other services' events and its own
ones back, as Kafka would: use cases in milliseconds."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from feed import main
from feed.domain.feed import FeedCursor
from feed.service import FeedService
from feed.settings import FeedSettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import Payload
from jobfriends_shared.contracts.feed import PostKind, PostVisibility
from jobfriends_shared.contracts.identity import ProfileSnapshot, ProfileUpdated, UserRegistered
from jobfriends_shared.contracts.matching import ConnectionAccepted, pair_id
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import (
    FakeDatabase,
    OfflineRuntime,
    offline_runtime,
    offline_settings,
    recorded_events,
)

START = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


@dataclass
class Feed:
    svc: FeedService
    bus: OfflineRuntime
    db: Any
    clock: ControlledClock

    async def hear(self, payload: Payload | Envelope) -> None:
        outcome = await self.bus.deliver(payload)
        assert outcome in (Outcome.applied, Outcome.duplicate), outcome

    async def settle(self) -> None:
        """Let the feed hear its own events (fan-outs happen then)."""
        outcomes = await self.bus.deliver_recorded()
        assert Outcome.dead_lettered not in outcomes

    async def person(self, user_id: str, city: str | None = None) -> None:
        name = user_id.capitalize()
        email = f"{user_id}@example.org"
        await self.hear(UserRegistered(user_id=user_id, email=email, display_name=name))
        if city:
            profile = ProfileSnapshot(display_name=name, city=city)
            await self.hear(ProfileUpdated(user_id=user_id, changed=("city",), profile=profile))

    async def connect(self, a: str, b: str) -> None:
        pair = {"pair_id": pair_id(a, b), "from_user_id": a, "to_user_id": b}
        await self.hear(ConnectionAccepted(request_id=f"{a}>{b}", **pair))
        await self.settle()

    async def post(
        self,
        author: str,
        text: str,
        kind: str = "update",
        visibility: str = "public",
        group_id: str | None = None,
    ) -> str:
        """Publish, let the fan-out run, and move the clock on a minute, so that posts are
        ordered as they were made."""
        created = await self.svc.posts.create(
            author, text, PostKind(kind), PostVisibility(visibility), group_id, []
        )
        await self.settle()
        self.clock.advance(timedelta(minutes=1))
        return str(created["id"])

    async def home(self, viewer: str, limit: int = 50) -> list[str]:
        """The texts of the viewer's home timeline, every page, newest first."""
        texts: list[str] = []
        cursor = FeedCursor()
        while True:
            posts, following = await self.svc.timeline.home(viewer, cursor, limit)
            texts += [str(p["text"]) for p in posts]
            if following is None:
                return texts
            cursor = following

    async def events(self, *types: str) -> list[Envelope]:
        return await recorded_events(self.db, *types)


@pytest.fixture
async def feed() -> Feed:
    db = FakeDatabase("feed")
    clock = ControlledClock(START)
    settings = offline_settings(FeedSettings, timeline_shards=4, cache_entries=0)
    bus = offline_runtime("feed", settings, db, clock)
    service = main.wire(bus.runtime, settings)
    await bus.runtime.prepare_store()
    return Feed(service, bus, db, clock)
