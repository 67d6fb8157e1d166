"""Two feed instances over one store and one broker: each keeps copies of what it read, and a
write on one reaches readers of the other, with copies set to last ten minutes, so only the
`feed.cache` announcement can bring it in time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import pytest
from feed.main import create_app
from feed.repository import DocumentCache
from feed.repository.timeline import HEAD
from feed.settings import FeedSettings
from jobfriends_shared.contracts.identity import UserBlocked
from jobfriends_shared.testing import Endpoints, in_process, settings_for, unique_name, wait_for

from .conftest import START, Clock, Feed


def copies(feed: Feed) -> DocumentCache:
    cache: DocumentCache | None = feed.service.ctx.repo.cache
    assert cache is not None
    return cache


@pytest.fixture
async def pair(infra: Endpoints) -> AsyncIterator[tuple[Feed, Feed]]:
    name, clock = unique_name("feed"), Clock(START)

    def settings(instance: str) -> FeedSettings:
        return settings_for(
            FeedSettings,
            infra,
            name,
            run_jobs=False,
            timeline_shards=3,
            big_sources_cache_seconds=0,
            cache_seconds=600,
            instance_id=instance,
        )

    async with (
        in_process(Feed, create_app, settings("feed-a"), clock) as a,
        in_process(Feed, create_app, settings("feed-b"), clock) as b,
    ):
        for instance in (a, b):
            await wait_for(partial(hears, instance))
        yield a, b


async def hears(feed: Feed) -> bool:
    """Whether the instance hears announcements (until then it keeps no copies)."""
    return bool(feed.app.state.runtime.assigned("feed.cache"))


async def friends(feed: Feed) -> tuple[str, str]:
    ana, ben = await feed.person("Ana"), await feed.person("Ben")
    await feed.connect(ana, ben)
    return ana, ben


async def texts(feed: Feed, viewer: str) -> list[str]:
    page = await feed.ok("GET", "/v1/feed", viewer)
    return [p["text"] for p in page["items"]]


async def first(feed: Feed, viewer: str) -> dict[str, Any]:
    page = await feed.ok("GET", "/v1/feed", viewer)
    item: dict[str, Any] = page["items"][0]
    return item


async def test_an_edit_on_one_instance_reaches_readers_of_the_other(
    pair: tuple[Feed, Feed],
) -> None:
    a, b = pair
    ana, ben = await friends(a)
    post = await a.post(ana, "Portfolio v1 is up")
    assert await texts(b, ben) == ["Portfolio v1 is up"]

    async def from_memory() -> bool:
        # Announcements of a's earlier writes may still drop a copy between two reads.
        hits = copies(b).hits.total()
        return await texts(b, ben) == ["Portfolio v1 is up"] and copies(b).hits.total() > hits

    await wait_for(from_memory, timeout=10)

    await a.ok("PATCH", f"/v1/posts/{post}", ana, json={"text": "Portfolio v2 is up"})

    async def edited() -> bool:
        return await texts(b, ben) == ["Portfolio v2 is up"]

    await wait_for(edited, timeout=10)


async def test_a_block_on_one_instance_hides_posts_on_the_other_at_once(
    pair: tuple[Feed, Feed],
) -> None:
    a, b = pair
    ana, ben = await friends(a)
    post = await a.post(ana, "Hiring a junior designer")
    for _ in range(2):  # the second time from memory
        assert await texts(b, ben) == ["Hiring a junior designer"]
        await b.ok("GET", f"/v1/posts/{post}", ben)

    await a.deliver(UserBlocked(blocker_id=ana, blocked_id=ben))

    async def hidden() -> bool:
        single = await b.call("GET", f"/v1/posts/{post}", ben)
        return single.status_code == 404 and await texts(b, ben) == []

    await wait_for(hidden, timeout=10)


async def test_reactions_and_comments_on_one_instance_are_counted_on_the_other(
    pair: tuple[Feed, Feed],
) -> None:
    a, b = pair
    ana, ben, cem = await a.person("Ana"), await a.person("Ben"), await a.person("Cem")
    await a.connect(ana, ben)
    await a.connect(ana, cem)
    post = await a.post(ana, "Got the job!", kind="milestone")
    seen = await first(b, ben)
    assert seen["reactions"] == {} and seen["comment_count"] == 0

    await a.ok("PUT", f"/v1/posts/{post}/reaction", cem, json={"emoji": "celebrate"})
    await a.ok("PUT", f"/v1/posts/{post}/reaction", ben, json={"emoji": "love"})
    await a.ok("POST", f"/v1/posts/{post}/comments", cem, json={"text": "Congratulations!"})

    async def counted() -> bool:
        item = await first(b, ben)
        return bool(
            item["reactions"] == {"celebrate": 1, "love": 1}
            and item["my_reaction"] == "love"
            and item["comment_count"] == 1
        )

    await wait_for(counted, timeout=10)


async def test_a_new_post_on_one_instance_tops_a_timeline_read_on_the_other(
    pair: tuple[Feed, Feed],
) -> None:
    a, b = pair
    ana, ben = await friends(a)
    await a.post(ana, "First")
    assert await texts(b, ben) == ["First"]
    assert await texts(b, ben) == ["First"]  # the timeline's head is now in b's memory

    await a.post(ana, "Second")

    async def topped() -> bool:
        return await texts(b, ben) == ["Second", "First"]

    await wait_for(topped, timeout=10)


async def test_paging_runs_on_past_what_memory_holds_of_a_timeline(
    pair: tuple[Feed, Feed],
) -> None:
    a, b = pair
    ana, ben = await friends(a)
    written = [await a.post(ana, f"Note {n}") for n in range(HEAD + 15)]
    for _ in range(2):  # the second time with the head in memory
        assert await b.all_pages(ben, "/v1/feed", limit=20) == written[::-1]


async def test_only_what_answers_a_get_reads_memory_changes_decide_on_the_store(
    feed: Feed,
) -> None:
    ana = await feed.person("Ana")
    post = await feed.post(ana, "Draft")

    await wait_for(partial(hears, feed))
    await feed.ok("GET", f"/v1/posts/{post}", ana)
    # Deleted where no announcement reaches this instance (a writer that crashed after its
    # write): reads may show the copy until it expires, but nothing may act on it.
    await feed.db["posts"].update_one({"_id": post}, {"$set": {"deleted": True}})
    assert (await feed.call("GET", f"/v1/posts/{post}", ana)).status_code == 200
    react = await feed.call("PUT", f"/v1/posts/{post}/reaction", ana, json={"emoji": "like"})
    assert react.status_code == 404


async def test_operators_see_hits_and_misses_of_the_copies_by_collection(feed: Feed) -> None:
    ana = await feed.person("Ana")
    post = await feed.post(ana, "Hello")

    await wait_for(partial(hears, feed))
    for _ in range(2):
        await feed.ok("GET", f"/v1/posts/{post}", ana)
    metrics = (await feed.client.get("/metrics")).text
    assert 'jf_feed_copy_misses_total{collection="posts"} 1.0' in metrics
    assert 'jf_feed_copy_hits_total{collection="posts"} 1.0' in metrics
    assert "jf_feed_copies " in metrics
