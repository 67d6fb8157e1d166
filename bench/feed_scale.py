"""Home-timeline reads as the data behind them grows, for the cost curves (`bench.curves`).

The design says a home-timeline read costs the same whatever the store holds: a page is the
reader's newest entries (one query on their timeline shard), then the twenty posts and the
facts about them, each a point read, most of them answered from the feed's memory. So the same
40 readers are read at 1x, 10x and 100x the data behind their timelines: the authors they
follow (10 to 1,000) and those authors' posts (80 to 8,000), with the entries fan-out wrote for
them (3,200 to 320,000). The data is bulk-loaded through the feed's repositories, as a fan-out
would have left it (100x through HTTP would take most of an hour), then trimmed by the feed's
own trim job to the newest `timeline_cap` (800) entries a person, as it is every 5 minutes in
service. The cap is part of the claim: FerretDB answers the entries query by reading all of the
reader's entries and sorting them itself (PostgreSQL's plan has no sort or limit pushed down),
so untrimmed it grows with the reader's timeline (measured: 55 ms at 800 entries, 218 ms at
8,000; the store-only p99 here went from 0.23 s at 1x to 14 s at 100x, past the feed's capacity).

Each point starts the feed afresh as its own process on the loaded store (jobs off, so no trim
or repair runs during the reads) and reads at a fixed rate, well below capacity, open loop
(`load.steady`), straight at the feed with the gateway's headers: the gateway's hop costs the
same at every size and would only add its noise. Twice: as deployed (copies in memory), and
with the copies off (`FEED_CACHE_ENTRIES=0`), where every read goes to the store and so would
show any cost that grows with what the store holds; each at its own rate (`RATES`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpx
from feed.domain import text as texts
from feed.main import wire
from feed.service import FeedService
from feed.settings import FeedSettings
from jobfriends_shared.contracts.feed import PostKind, PostVisibility
from jobfriends_shared.http import GATEWAY_SECRET_HEADER, USER_HEADER
from jobfriends_shared.mongo import Document
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.testing import Endpoints, settings_for, test_secret, unique_name

from bench.load import LoadResult, steady
from bench.platform import infra_env
from bench.services_feed import entries_by_shard, feed_process

READERS, AUTHORS, POSTS_EACH = 40, 10, 8  # at 1x
PAGE = 20
# Requests/s, by copies in memory or not: fixed across sizes, well below the feed's capacity at
# 1x on two cores (measured ~1,100/s with the copies, ~10/s without: a page is ~90 point reads).
RATES = {True: 50.0, False: 4.0}
# Keep-alive connections the load uses: few enough that none sits idle past the server's
# keep-alive timeout (5 s) at these rates, which would close it under the next request.
CONNECTIONS = {True: 16, False: 4}
_AUTHORS_AT_ONCE = 25  # 200 posts, 8,000 entries a bulk round


@dataclass(frozen=True)
class ReadPoint:
    """One size, one configuration: p50 and p99 (ms) of each steady run."""

    scale: int
    memory: bool  # copies in memory, as deployed
    authors: int
    posts: int
    entries: int  # each reader's, after the trim
    p50: list[float]
    p99: list[float]
    requests: int
    errors: int
    load_seconds: float  # growing the data to this scale
    read_seconds: float  # starting the feed, warming it and the runs


async def timeline_reads(
    endpoints: Endpoints,
    scales: Sequence[int] = (1, 10, 100),
    *,
    seconds: float = 10.0,
    repeats: int = 3,
) -> list[ReadPoint]:
    """Grow the data to each scale in turn (each step adds to the last) and read it, with and
    without the copies in memory; `repeats` steady runs per point, for medians."""
    name, secret = unique_name("b"), test_secret()
    env = infra_env(endpoints, name, secret)
    # The loader: the feed's repositories and use cases, not served, without copies in memory.
    settings = settings_for(FeedSettings, endpoints, name, run_jobs=False, cache_entries=0)
    runtime = Runtime("feed", settings)
    loader = wire(runtime, settings)
    readers = [f"reader-{n:03d}" for n in range(READERS)]
    headers = [{GATEWAY_SECRET_HEADER: secret, USER_HEADER: r} for r in readers]
    points: list[ReadPoint] = []
    loop = asyncio.get_running_loop()
    try:
        await loader.repo.ensure_indexes()
        authors = 0
        for scale in sorted(scales):
            started = loop.time()
            await _grow(loader, readers, authors, AUTHORS * scale)
            await loader.timeline.trim()
            authors = AUTHORS * scale
            load_seconds = loop.time() - started
            for memory in (True, False):
                started = loop.time()
                runs = await _read(env, name, headers, memory, seconds, repeats)
                points.append(
                    ReadPoint(
                        scale,
                        memory,
                        authors,
                        authors * POSTS_EACH,
                        min(authors * POSTS_EACH, settings.timeline_cap),
                        [r.percentile(50) for r in runs],
                        [r.percentile(99) for r in runs],
                        sum(r.requests for r in runs),
                        sum(r.errors for r in runs),
                        load_seconds,
                        loop.time() - started,
                    )
                )
    finally:
        await runtime.client.drop_database(name)
        await runtime.client.close()
    return points


async def _grow(feed: FeedService, readers: list[str], first: int, last: int) -> None:
    """Authors `first` to `last - 1`, each followed by every reader, with their posts and the
    timeline entries a fan-out of those posts writes."""
    now = datetime.now(UTC)
    social, shards = feed.repo.social, feed.repo.timeline.shards
    authors = [f"author-{n:05d}" for n in range(first, last)]
    cards = [(a, {"display_name": a, "profession": "designer", "city": "Berlin"}) for a in authors]
    await social.save_cards(cards, now)
    for start in range(0, len(authors), _AUTHORS_AT_ONCE):
        chunk = authors[start : start + _AUTHORS_AT_ONCE]
        await asyncio.gather(*(social.insert_follows(a, readers, now) for a in chunk))
        posts = [await _post(feed, a, n) for a in chunk for n in range(POSTS_EACH)]
        await feed.repo.posts.posts.insert_many(posts, ordered=False)
        by_shard = entries_by_shard(readers, posts, len(shards))
        await asyncio.gather(
            *(shards[i].insert_many(docs, ordered=False) for i, docs in by_shard.items())
        )


async def _post(feed: FeedService, author: str, n: int) -> Document:
    """The document `POST /v1/posts` stores (the service's own builder), without its events:
    published, its `post.created` would fan it out again."""
    parsed = texts.parse(f"Update {n} from {author} #bench")
    return await feed.posts._new_post(
        uuid.uuid4().hex, author, PostKind.update, PostVisibility.public, None, parsed
    )


async def _read(
    env: dict[str, str],
    database: str,
    headers: list[dict[str, str]],
    memory: bool,
    seconds: float,
    repeats: int,
) -> list[LoadResult]:
    rate, connections = RATES[memory], CONNECTIONS[memory]
    extra = {"FEED_RUN_JOBS": "false"} | ({} if memory else {"FEED_CACHE_ENTRIES": "0"})
    feed = feed_process(env, database, **extra)
    try:
        await feed.ready()
        url = f"{feed.url}/v1/feed"
        async with httpx.AsyncClient(timeout=30) as client:
            for h in headers:  # every first page once: each post's counts are settled
                page = (await client.get(url, headers=h)).raise_for_status().json()
                assert len(page["items"]) == PAGE, "a reader's timeline is not full"
        load = partial(steady, url, headers, rate=rate, connections=connections)
        await load(seconds=2)  # connections and copies warm
        return [await load(seconds=seconds) for _ in range(repeats)]
    finally:
        feed.stop()
