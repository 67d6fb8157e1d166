"""Per-person home timelines, the audience cache that feeds them, and fan-out bookkeeping.

Timeline entries are insert-only documents `_id = f"{user}:{post}"`, so a fan-out that runs
twice (a redelivered event, a repair after a crash, an edit) can never double an entry: a
repeat is a duplicate-key error that the unordered bulk insert skips. Entries are spread over
`timeline_shards` collections by a stable hash of the person's id. On MongoDB this changes
nothing but the collection name (each shard has the same `(user_id, rank)` index); on FerretDB
1.24, which reads a whole collection for any filter other than `_id` equality, it divides the
cost of reading one person's timeline by the number of shards, while a fan-out's bulk inserts
go to all shards concurrently.

Each instance also keeps the newest `HEAD` entries of the timelines it reads in memory (the
`DocumentCache` of `repository.memory`, under the name `timeline_heads`): a first page, and the
pages after it until the head runs out, cost no query. Every write to a person's entries drops
their head, here and, announced, in the other instances.

Audiences (who gets an author's, a hashtag's or a group's posts) are kept as versions read by
`_id` (see `repository.audience`), because listing 10,000 followers by a non-`_id` filter costs
FerretDB ~1.5 s.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from jobfriends_shared.mongo import Collection, Database, Document, insert_new
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError

from feed.repository.audience import AudienceRepository
from feed.repository.base import by_ids
from feed.repository.memory import MEMORY_READS, DocumentCache

BIG_SOURCES = "big_sources"
FANOUTS = "fanouts"
HEADS = "timeline_heads"  # a name in memory only, not a collection
HEAD = 60  # entries kept per person: a page of 20 and a batch of 40 behind it
_DUPLICATE_KEY = 11000


def entry_id(user_id: str, post_id: str) -> str:
    return f"{user_id}:{post_id}"


def entry(user_id: str, post: Mapping[str, Any]) -> Document:
    """The timeline entry of `post` for `user_id` (what a fan-out writes, per person)."""
    return {
        "_id": entry_id(user_id, post["_id"]),
        "user_id": user_id,
        "post_id": post["_id"],
        "author_id": post["author_id"],
        "kind": post["kind"],
        "rank": post["rank"],
    }


def fanout_id(post: Mapping[str, Any]) -> str:
    """The mark of a finished fan-out of the post's current audience: the post id, then a new
    mark after each edit that widened the audience (`widened_by`, the edit's event id), so a
    widening edit is fanned out again, once, and the repair job can tell it is still due."""
    widened_by = post.get("widened_by")
    return str(post["_id"]) if widened_by is None else f"{post['_id']}+{widened_by}"


def shard_of(user_id: str, shards: int) -> int:
    return zlib.crc32(user_id.encode()) % shards


class TimelineRepository:
    def __init__(self, db: Database, shards: int, cache: DocumentCache | None = None) -> None:
        self.cache = cache
        self.shards: list[Collection] = [db[f"timeline_{i:03d}"] for i in range(shards)]
        self.audiences = AudienceRepository(db)
        self.big = db[BIG_SOURCES]
        self.fanouts = db[FANOUTS]

    def shard(self, user_id: str) -> Collection:
        return self.shards[shard_of(user_id, len(self.shards))]

    async def ensure_indexes(self) -> None:
        for coll in self.shards:
            await coll.create_index([("user_id", ASCENDING), ("rank", DESCENDING)])
            await coll.create_index("post_id")
        await self.fanouts.create_index("post_id")
        await self.audiences.drop_legacy()

    # --- writing ---------------------------------------------------------------------------

    async def insert_entries(self, post: Mapping[str, Any], user_ids: Iterable[str]) -> int:
        """Put `post` into these people's timelines; returns how many entries were new.

        One unordered bulk insert per shard, all shards at once; entries that exist already
        are skipped by the store (duplicate `_id`), which is what makes repeats harmless."""
        by_shard: dict[int, list[Document]] = defaultdict(list)
        n = len(self.shards)
        for user_id in dict.fromkeys(user_ids):
            by_shard[shard_of(user_id, n)].append(entry(user_id, post))
        try:
            counts = await asyncio.gather(
                *(self._insert(self.shards[i], docs) for i, docs in by_shard.items())
            )
        finally:
            self._changed(d["user_id"] for docs in by_shard.values() for d in docs)
        return sum(counts)

    def _changed(self, user_ids: Iterable[str] | None) -> None:
        """After a write to these people's entries (`None`: anyone's)."""
        if self.cache is not None:
            self.cache.changed(HEADS, user_ids)

    @staticmethod
    async def _insert(coll: Collection, docs: list[Document]) -> int:
        try:
            result = await coll.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != _DUPLICATE_KEY for e in errors):
                raise
            return int(exc.details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def remove_post(self, post_id: str) -> int:
        results = await asyncio.gather(
            *(coll.delete_many({"post_id": post_id}) for coll in self.shards)
        )
        self._changed(None)
        return sum(r.deleted_count for r in results)

    async def remove_posts(self, post_ids: Sequence[str]) -> None:
        if post_ids:
            query = {"post_id": {"$in": list(post_ids)}}
            await asyncio.gather(*(coll.delete_many(query) for coll in self.shards))
            self._changed(None)

    async def remove_author_from(self, user_id: str, author_id: str) -> None:
        await self.shard(user_id).delete_many({"user_id": user_id, "author_id": author_id})
        self._changed([user_id])

    async def remove_timeline(self, user_id: str) -> None:
        await self.shard(user_id).delete_many({"user_id": user_id})
        self._changed([user_id])

    # --- reading ---------------------------------------------------------------------------

    async def entries(self, user_id: str, before: str | None, limit: int) -> list[Document]:
        """A person's entries older than `before`, newest first: from the head in memory
        when it reaches far enough, from the store otherwise."""
        if self.cache is None or limit > HEAD or not MEMORY_READS.get():
            return await self._entries(user_id, before, limit)
        head = await self.cache.get(HEADS, user_id, lambda: self._head(user_id))
        rows: list[Document] = (head or {}).get("entries", [])
        if before is not None:
            rows = [r for r in rows if r["rank"] < before]
        if len(rows) >= limit or (head or {}).get("whole"):
            return rows[:limit]  # shared with memory: callers only read entries
        return await self._entries(user_id, before, limit)

    async def _head(self, user_id: str) -> Document:
        rows = await self._entries(user_id, None, HEAD)
        return {"_id": user_id, "entries": rows, "whole": len(rows) < HEAD}

    async def _entries(self, user_id: str, before: str | None, limit: int) -> list[Document]:
        query: Document = {"user_id": user_id}
        if before is not None:
            query["rank"] = {"$lt": before}
        cursor = self.shard(user_id).find(query).sort("rank", DESCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def entries_of_authors(
        self, user_id: str, authors: Sequence[str], kinds: Sequence[str], since: str, limit: int
    ) -> list[Document]:
        query = {
            "user_id": user_id,
            "author_id": {"$in": list(authors)},
            "kind": {"$in": list(kinds)},
            "rank": {"$gte": since},
        }
        cursor = self.shard(user_id).find(query).sort("rank", DESCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def has_entry(self, user_id: str, post_id: str) -> bool:
        found = await self.shard(user_id).find_one({"_id": entry_id(user_id, post_id)})
        return found is not None

    # --- capping ---------------------------------------------------------------------------

    async def over_cap(self, shard_no: int, cap: int) -> list[str]:
        rows = await self.shards[shard_no].aggregate(
            [{"$group": {"_id": "$user_id", "n": {"$sum": 1}}}]
        )
        return [row["_id"] async for row in rows if row["n"] > cap]

    async def trim(self, user_id: str, cap: int) -> int:
        """Keep the newest `cap` entries of one person."""
        coll = self.shard(user_id)
        kept = await (
            coll.find({"user_id": user_id}, {"rank": 1}).sort("rank", DESCENDING).limit(cap)
        ).to_list(length=cap)
        if len(kept) < cap:
            return 0
        result = await coll.delete_many({"user_id": user_id, "rank": {"$lt": kept[-1]["rank"]}})
        self._changed([user_id])
        return result.deleted_count

    # --- audiences ----------------------------------------------------------------------------

    async def forget_audiences(self, sources: Iterable[str]) -> None:
        for source in set(sources):
            await self.audiences.forget(source)
            await self.big.delete_one({"_id": source})

    # --- sources read on merge ---------------------------------------------------------------

    async def mark_big(self, source: str, size: int, at: datetime) -> None:
        """Once big, a source stays merged-on-read (its later posts are not in timelines)."""
        kind, _, key = source.partition(":")
        await insert_new(self.big, {"_id": source, "kind": kind, "key": key, "since": at})
        await self.big.update_one({"_id": source}, {"$set": {"size": size}})

    async def big_sources(self) -> list[Document]:
        return await self.big.find({}).to_list(None)

    # --- fan-out bookkeeping -----------------------------------------------------------------

    async def mark_fanned_out(self, post: Mapping[str, Any], at: datetime, delivered: int) -> None:
        doc = {"_id": fanout_id(post), "post_id": post["_id"], "at": at, "delivered": delivered}
        await insert_new(self.fanouts, doc)

    async def fanned_out(self, posts: Iterable[Mapping[str, Any]]) -> set[str]:
        """The ids of these posts whose current audience has been fanned out to."""
        by_mark = {fanout_id(p): p["_id"] for p in posts}
        done = await by_ids(self.fanouts, by_mark, {"_id": 1})
        return {by_mark[mark] for mark in done}

    async def forget_fanouts(self, post_ids: Sequence[str]) -> None:
        if post_ids:
            ids = {"$in": list(post_ids)}
            await self.fanouts.delete_many({"post_id": ids})
            await self.fanouts.delete_many({"_id": ids})  # marks from before they named `post_id`
