"""A feed instance of its own per test: own database and topic prefix, real Kafka and store.

Other services' facts (registrations, profiles, connections, blocks...) are delivered to the
feed's consumer as real envelopes, exactly as they would arrive from Kafka. The feed's own post
events take the real way: the outbox relay publishes them and the app's consumer, subscribed to
the test's `feed.posts`, fans the posts out. Nothing else publishes on that topic, so no
delivery by hand races it: a test that reads timelines waits until the post is settled.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from feed.main import create_app
from feed.service import FeedService
from feed.settings import FeedSettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.contracts.identity import ProfileSnapshot, ProfileUpdated, UserRegistered
from jobfriends_shared.contracts.matching import ConnectionAccepted, TribeMemberAdded, pair_id
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import (
    Endpoints,
    ServiceClient,
    in_process,
    settings_for,
    unique_name,
    wait_for,
)

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Clock(ControlledClock):
    def advance_seconds(self, seconds: float) -> None:
        self.advance(timedelta(seconds=seconds))


class Feed(ServiceClient):
    clock: Clock

    @property
    def service(self) -> FeedService:
        service: FeedService = self.app.state.services
        return service

    async def person(self, name: str, city: str | None = None, **profile: Any) -> str:
        user_id = uuid.uuid4().hex
        await self.deliver(
            UserRegistered(user_id=user_id, email=f"{user_id}@x.org", display_name=name)
        )
        if city or profile:
            snapshot = ProfileSnapshot(display_name=name, city=city, **profile)
            await self.deliver(ProfileUpdated(user_id=user_id, changed=("city",), profile=snapshot))
        return user_id

    async def connect(self, a: str, b: str) -> None:
        await self.deliver(
            ConnectionAccepted(pair_id=pair_id(a, b), from_user_id=a, to_user_id=b, request_id="r")
        )

    async def add_to_tribe(self, owner: str, member: str) -> None:
        await self.deliver(
            TribeMemberAdded(pair_id=pair_id(owner, member), owner_id=owner, member_id=member)
        )

    # --- common actions ------------------------------------------------------------------

    async def post(self, author: str, text: str, *, settle: bool = True, **fields: Any) -> str:
        """Publish a post one second after the previous action (distinct, ordered ranks), and
        wait until the feed's consumer has fanned it out (unless `settle` is false)."""
        self.clock.advance_seconds(1)
        body = {"text": text, **fields}
        post_id = str((await self.ok("POST", "/v1/posts", author, json=body))["id"])
        if settle:
            await self.settled(post_id)
        return post_id

    async def settled(self, post_id: str) -> None:
        """Wait until the post's current audience has been fanned out to (by the consumer of
        its `post.created`, or of the `post.updated` of an edit that widened it)."""
        await wait_for(lambda: self.service.fanout.done(post_id))

    async def home(self, user_id: str, **params: Any) -> list[str]:
        page = await self.ok("GET", "/v1/feed", user_id, params=params)
        return [p["id"] for p in page["items"]]

    async def all_pages(self, user_id: str, path: str, limit: int = 2) -> list[str]:
        ids: list[str] = []
        cursor = None
        for _ in range(50):
            params: dict[str, Any] = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            page = await self.ok("GET", path, user_id, params=params)
            ids += [p["id"] for p in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return ids
        raise AssertionError("pagination did not end")

    async def events(self, topic: str = "feed.posts") -> list[Envelope]:
        await self.app.state.runtime.relay.drain()
        found: list[Envelope] = await self.published(topic)
        return found

    async def events_of(self, type_: str, n: int = 1, topic: str = "feed.posts") -> list[Envelope]:
        async def found() -> list[Envelope]:
            matching = [e for e in await self.events(topic) if e.type == type_]
            return matching if len(matching) >= n else []

        return await wait_for(found)


@pytest.fixture
async def feed(infra: Endpoints) -> AsyncIterator[Feed]:
    settings = settings_for(
        FeedSettings,
        infra,
        unique_name("feed"),
        run_jobs=False,
        timeline_shards=3,
        big_sources_cache_seconds=0,
    )
    async with in_process(Feed, create_app, settings, Clock(START)) as service:
        yield service
