"""Fan-out leaves the request: the feed's consumer of its own `post.created` / `post.updated`
does it, once, and what happens to a post meanwhile (a delete, an edit) wins."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from feed.service import FanOut
from jobfriends_shared.consumer import PROCESSED, Outcome
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import wait_for

from .conftest import Feed


class FanOuts:
    """Counts the instance's fan-outs and, while `held`, keeps each waiting at its start (the
    post as the consumer read it in hand) until `release`."""

    def __init__(self, feed: Feed, monkeypatch: pytest.MonkeyPatch, held: bool) -> None:
        self.calls = 0
        self._reached = asyncio.Event()
        self._released = asyncio.Event()
        if not held:
            self._released.set()
        real = feed.service.fanout.fan_out

        async def counted(post: Any) -> FanOut:
            self.calls += 1
            self._reached.set()
            await self._released.wait()
            return await real(post)

        monkeypatch.setattr(feed.service.fanout, "fan_out", counted)

    async def reached(self) -> bool:
        return self._reached.is_set()

    def release(self) -> None:
        self._released.set()


async def entries(feed: Feed, post_id: str) -> int:
    shards = feed.service.repo.timeline.shards
    return sum([await shard.count_documents({"post_id": post_id}) for shard in shards])


async def created_event(feed: Feed, post_id: str) -> Envelope:
    (event,) = [e for e in await feed.events_of("post.created") if e.key == post_id]
    return event


async def handled(feed: Feed, event: Envelope) -> None:
    """Wait until the consumer has finished with `event` (its processed marker is written)."""

    async def marked() -> bool:
        return await feed.db[PROCESSED].find_one({"_id": str(event.id)}) is not None

    await wait_for(marked)


async def test_posting_answers_before_the_fan_out_which_the_consumer_then_does(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = await feed.person("Star")
    fans = [f"fan-{i:04d}" for i in range(2000)]
    await feed.service.repo.social.insert_follows(author, fans, feed.clock.now())
    await feed.service.timeline.changed(f"author:{author}")
    fan_outs = FanOuts(feed, monkeypatch, held=True)

    async with asyncio.timeout(10):  # a request waiting for its fan-out would hang here
        post_id = await feed.post(author, "hello all 2,000 of you", settle=False)
    await wait_for(fan_outs.reached)  # post.created came through Kafka to the feed's consumer
    assert await entries(feed, post_id) == 1  # the author's own, written with the post
    assert await feed.home(author) == [post_id]
    assert not await feed.service.repo.timeline.has_entry(fans[0], post_id)

    fan_outs.release()
    await feed.settled(post_id)
    assert await entries(feed, post_id) == 2001
    assert await feed.service.repo.timeline.has_entry(fans[-1], post_id)


async def test_a_redelivered_post_created_fans_out_once(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    author = await feed.person("A")
    fans = [await feed.person(f"F{i}") for i in range(3)]
    for fan in fans:
        await feed.ok("PUT", f"/v1/users/{author}/follow", fan)
    fan_outs = FanOuts(feed, monkeypatch, held=False)
    post_id = await feed.post(author, "once #only")
    created = await created_event(feed, post_id)
    await handled(feed, created)

    assert await feed.deliver(created) == Outcome.duplicate
    # As if the consumer died after fanning out, before recording the event as processed:
    await feed.db[PROCESSED].delete_one({"_id": str(created.id)})
    assert await feed.deliver(created) == Outcome.applied

    assert fan_outs.calls == 1
    assert await entries(feed, post_id) == 4
    assert await feed.db["hashtag_uses"].count_documents({"post_id": post_id}) == 1
    assert all([await feed.home(fan) == [post_id] for fan in fans])


async def test_a_post_deleted_while_it_is_fanned_out_leaves_no_entries(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    author, fan = await feed.person("A"), await feed.person("Fan")
    await feed.ok("PUT", f"/v1/users/{author}/follow", fan)
    fan_outs = FanOuts(feed, monkeypatch, held=True)
    post_id = await feed.post(author, "oops #typo", settle=False)
    await wait_for(fan_outs.reached)  # the consumer holds the post as it was before the delete

    await feed.ok("DELETE", f"/v1/posts/{post_id}", author)
    fan_outs.release()  # its entries land after the delete removed the post's entries
    await handled(feed, await created_event(feed, post_id))

    assert await entries(feed, post_id) == 0
    assert await feed.db["hashtag_uses"].count_documents({"post_id": post_id}) == 0
    assert await feed.home(fan) == [] and await feed.home(author) == []


async def test_an_edit_while_a_post_is_fanned_out_is_what_readers_get(
    feed: Feed, monkeypatch: pytest.MonkeyPatch
) -> None:
    author, friend = await feed.person("A"), await feed.person("Friend")
    fan, tag_fan = await feed.person("Fan"), await feed.person("TagFan")
    await feed.connect(author, friend)
    await feed.ok("PUT", f"/v1/users/{author}/follow", fan)
    await feed.ok("PUT", "/v1/hashtags/hiring/follow", tag_fan)
    fan_outs = FanOuts(feed, monkeypatch, held=True)
    narrowed = await feed.post(author, "for everyone at first", settle=False)
    await wait_for(fan_outs.reached)

    # Narrowed before its fan-out lands: the fan's entry is written, but reads check visibility.
    await feed.ok("PATCH", f"/v1/posts/{narrowed}", author, json={"visibility": "connections"})
    widened = await feed.post(
        author, "friends only at first", visibility="connections", settle=False
    )
    # Widened before its post.created is handled: whichever of its events comes after the
    # edit fans it out to the wider audience (test_timeline covers an edit after the fan-out).
    await feed.ok("PATCH", f"/v1/posts/{widened}", author, json={"text": "now public #hiring"})
    await feed.ok("PATCH", f"/v1/posts/{widened}", author, json={"visibility": "public"})
    fan_outs.release()
    await feed.settled(narrowed)
    await feed.settled(widened)

    assert await feed.service.repo.timeline.has_entry(fan, narrowed)  # a hint, not shown
    assert await feed.home(fan) == [widened]
    assert await feed.home(tag_fan) == [widened]
    assert await feed.home(friend) == [widened, narrowed]
