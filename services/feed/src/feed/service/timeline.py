"""Home timelines: the audiences fan-out writes to, merge on read, and their upkeep.

Fan-out on write (`service.fanout`, run by the feed's consumer of its own post events): a
post's entry is written into the timeline of every member of its audiences (the author's
connections and followers, its hashtags' followers, its group's members) with one unordered
bulk insert per timeline shard. An audience
larger than `fanout_threshold` is not written to; its source (a very followed person, hashtag or
group) is recorded as *big*, and readers merge the recent posts of the big sources they
subscribe to into their timeline when they read it — so a post never costs more than
`fanout_threshold` writes per source.

What a person finally sees is decided at read time (`domain.posts.belongs_in_home`), so entries
are hints: an unfollow, a block or a narrowed visibility takes effect at once. Timelines are
trimmed to the newest `timeline_cap` entries by a periodic job.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from jobfriends_shared.contracts.feed import PostVisibility
from jobfriends_shared.mongo import Document

from feed.domain import audience as audiences
from feed.domain.audience import Audience
from feed.domain.feed import FeedCursor, Stream, merge, tribe_first
from feed.domain.posts import (
    SURFACED_KINDS,
    Facts,
    belongs_in_home,
    rank,
    surfaced,
)
from feed.service.context import Context

_MAX_ROUNDS = 5
_SPARE_READS = 2  # posts read beyond what a page still needs, for the odd hidden one
_MAX_CAS = 20  # attempts at writing the next version of an audience under contention
TOP = "~"  # sorts after every rank: "before TOP" is the whole timeline


@dataclass
class _BigCache:
    loaded_at: float = -1e9
    sources: list[Document] = field(default_factory=list)


class TimelineService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = ctx.repo
        self._big = _BigCache()

    # --- audiences -------------------------------------------------------------------------

    async def audience(self, source: str) -> Audience:
        """The people behind a source: one read by `_id` (plus a probe for a newer version);
        built from the relations themselves only the first time, or after a bulk change."""
        threshold = self.ctx.settings.fanout_threshold
        _, stored = await self.repo.timeline.audiences.latest(source)
        if stored is None or audiences.needs_rebuild(stored, threshold):
            return audiences.decode(await self._rebuild(source))
        return audiences.decode(stored)

    async def changed(self, source: str, member: str | None = None) -> None:
        """Call after writing a relation that changes this source's audience: with the
        `member` whose relation changed the stored audience is patched (their memberships
        are re-read, so the order in which concurrent changes land does not matter); without
        one (bulk loads, imports) it is rebuilt from the relations."""
        if member is None:
            await self._rebuild(source)
            return
        versions = self.repo.timeline.audiences
        threshold = self.ctx.settings.fanout_threshold
        for _ in range(_MAX_CAS):
            n, stored = await versions.latest(source)
            if stored is None or audiences.needs_rebuild(stored, threshold):
                await self._rebuild(source)
                return
            if stored.get("lists") is None:
                return  # big: nobody fans out to it, and it stays big
            # Read after `latest`: whoever writes version n+1 has seen every relation
            # written before version n existed, so the last change is never overwritten.
            present = await self._memberships(source, member)
            if await versions.put(
                source, n + 1, audiences.patch(stored, member, present, threshold)
            ):
                return
        await self._rebuild(source)

    async def _rebuild(self, source: str) -> audiences.Stored:
        versions = self.repo.timeline.audiences
        value: audiences.Stored = {}
        for _ in range(_MAX_CAS):
            n, _ = await versions.latest(source)
            value = audiences.build(await self._members(source), self.ctx.settings.fanout_threshold)
            if await versions.put(source, n + 1, value):
                break
        return value

    async def _members(self, source: str) -> dict[str, list[str]]:
        kind, _, key = source.partition(":")
        social = self.repo.social
        if kind == "author":
            connections, followers = await asyncio.gather(
                social.connections_of(key), social.followers_of(key)
            )
            return {"connections": connections, "followers": followers}
        if kind == "tag":
            return {"followers": await social.hashtag_followers(key)}
        if kind == "group":
            return {"members": await self.repo.groups.member_ids(key)}
        raise ValueError(f"unknown audience source {source!r}")

    async def _memberships(self, source: str, member: str) -> dict[str, bool]:
        """Which of the source's lists `member` belongs to, read from the relations."""
        kind, _, key = source.partition(":")
        social = self.repo.social
        if kind == "author":
            connected, following = await asyncio.gather(
                social.connected_among(key, [member]), social.following_among(member, [key])
            )
            return {"connections": bool(connected), "followers": bool(following)}
        if kind == "tag":
            return {"followers": bool(await social.hashtags_among(member, [key]))}
        if kind == "group":
            return {"members": bool(await self.repo.groups.member_of(member, [key]))}
        raise ValueError(f"unknown audience source {source!r}")

    # --- backfill -------------------------------------------------------------------------

    async def backfill(self, user_id: str, query: Document) -> int:
        """Copy a source's recent posts into one timeline (after a follow, a new connection,
        joining a group); what the person may not see is filtered when read."""
        n = self.ctx.settings.backfill_posts
        if n == 0:
            return 0
        posts = await self.repo.posts.newest(query, None, n)
        counts = await asyncio.gather(
            *(self.repo.timeline.insert_entries(p, [user_id]) for p in posts)
        )
        return sum(counts)

    # --- reading ---------------------------------------------------------------------------

    async def _big_sources(self) -> list[Document]:
        ttl = self.ctx.settings.big_sources_cache_seconds
        now = time.monotonic()
        if now - self._big.loaded_at > ttl:
            self._big = _BigCache(now, await self.repo.timeline.big_sources())
        return self._big.sources

    async def _subscribed_big(self, viewer: str) -> list[Document]:
        """Queries for the big sources this person gets posts from."""
        sources = await self._big_sources()
        if not sources:
            return []
        keys: dict[str, list[str]] = {"author": [], "tag": [], "group": []}
        for s in sources:
            keys.setdefault(s["kind"], []).append(s["key"])
        social = self.repo.social
        following, connected, tags, groups = await asyncio.gather(
            social.following_among(viewer, keys["author"]),
            social.connected_among(viewer, keys["author"]),
            social.hashtags_among(viewer, keys["tag"]),
            self.repo.groups.member_of(viewer, keys["group"]),
        )
        queries: list[Document] = [{"author_id": a} for a in sorted(following | connected)]
        queries += [
            {"hashtags": t, "visibility": PostVisibility.public.value} for t in sorted(tags)
        ]
        queries += [{"group_id": g} for g in sorted(groups)]
        return queries

    async def home(
        self, viewer: str, cursor: FeedCursor, limit: int
    ) -> tuple[list[Any], FeedCursor | None]:
        """One page of the home timeline, newest first; on the first page the tribe's recent
        help requests and milestones come first."""
        pulls = await self._subscribed_big(viewer)
        top: list[Document] = []
        if cursor.before is None:
            top = await self._tribe_posts(viewer, pulls)
        top = top[:limit]
        skip = set(cursor.skip) | {p["_id"] for p in top}
        if top and len(top) == limit:
            # The tribe filled the page: continue from the very top, without them.
            return top, FeedCursor(before=TOP, skip=tuple(sorted(skip)))
        rest: list[Document] = []
        before = cursor.before
        batch = max(limit * 2, 20)
        more = True
        for _ in range(_MAX_ROUNDS):
            streams = await self._streams(viewer, pulls, before, batch)
            merged, frontier = merge(streams)
            posts: dict[str, Document] = {}
            facts = Facts(viewer)
            fetched = 0
            for n, item in enumerate(merged):
                if n == fetched:
                    # Posts are read a page's worth at a time (each is a point read on
                    # FerretDB), not the whole batch of entries.
                    chunk = merged[n : n + limit - len(top) - len(rest) + _SPARE_READS]
                    fetched = n + len(chunk)
                    posts = await self.repo.posts.posts_by_id(
                        str(i["post_id"]) for i in chunk if str(i["post_id"]) not in skip
                    )
                    facts = await self.ctx.facts(viewer, posts.values(), home=True)
                before = str(item["rank"])
                post = posts.get(str(item["post_id"]))
                if post is not None and belongs_in_home(post, facts):
                    rest.append(post)
                    if len(top) + len(rest) >= limit:
                        break
            if len(top) + len(rest) >= limit:
                break
            if frontier is None:
                more = False
                break
        page = tribe_first(top, rest, limit)
        if not more or not page:
            return page, None
        return page, FeedCursor(before=before, skip=tuple(sorted(skip))[:5])

    async def _streams(
        self, viewer: str, pulls: list[Document], before: str | None, batch: int
    ) -> list[Stream]:
        entries, *pulled = await asyncio.gather(
            self.repo.timeline.entries(viewer, before, batch),
            *(self.repo.posts.newest(q, before, batch) for q in pulls),
        )
        streams = [Stream(list(entries), len(entries) < batch)]
        for posts in pulled:
            items = [{"post_id": p["_id"], "rank": p["rank"]} for p in posts]
            streams.append(Stream(items, len(posts) < batch))
        return streams

    async def _tribe_posts(self, viewer: str, pulls: list[Document]) -> list[Document]:
        wanted = self.ctx.settings.tribe_surface_max
        if wanted == 0:
            return []
        tribe = await self.repo.social.tribe_of(viewer)
        if not tribe:
            return []
        since = rank(
            self.ctx.clock.now() - timedelta(hours=self.ctx.settings.tribe_window_hours), ""
        )
        entries = await self.repo.timeline.entries_of_authors(
            viewer, tribe, SURFACED_KINDS, since, wanted * 3
        )
        ids = [e["post_id"] for e in entries]
        big_authors = {q["author_id"] for q in pulls if "author_id" in q} & set(tribe)
        if big_authors:
            query = {
                "author_id": {"$in": sorted(big_authors)},
                "kind": {"$in": list(SURFACED_KINDS)},
                "rank": {"$gte": since},
            }
            ids += [p["_id"] for p in await self.repo.posts.newest(query, None, wanted * 3)]
        posts = list((await self.repo.posts.posts_by_id(ids)).values())
        facts = await self.ctx.facts(viewer, posts, home=True)
        chosen = [p for p in posts if surfaced(p, tribe, since, facts)]
        chosen.sort(key=lambda p: str(p["rank"]), reverse=True)
        return chosen[:wanted]

    # --- upkeep (periodic jobs) ------------------------------------------------------------

    async def trim(self) -> int:
        """Cap every timeline to its newest `timeline_cap` entries."""
        cap = self.ctx.settings.timeline_cap
        removed = 0
        for shard_no in range(len(self.repo.timeline.shards)):
            for user_id in await self.repo.timeline.over_cap(shard_no, cap):
                removed += await self.repo.timeline.trim(user_id, cap)
        return removed
