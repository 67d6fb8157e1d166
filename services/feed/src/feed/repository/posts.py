"""Posts, reactions, comments and hashtag uses.

Contended writes are one document per actor: a reaction is the document `{post}:{user}`, so 30
people reacting at once write 30 different documents and the counts (`$group` + `$sum` over
them) cannot lose any, on MongoDB or on FerretDB's unlocked updates alike. Nothing keeps a
counter. Deleting a post leaves a tombstone stamped with the outbox unit (so `post.deleted` is
provably tied to it) and removes its reactions, comments and hashtag uses.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from jobfriends_shared.mongo import Document, insert_new, upsert
from jobfriends_shared.outbox import marked, stamp
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError

from feed.domain.posts import EMOJIS
from feed.repository.base import by_ids
from feed.repository.cache import TokenCache
from feed.repository.memory import Store

POSTS = "posts"
REACTIONS = "reactions"
COMMENTS = "comments"
HASHTAG_USES = "hashtag_uses"
_DUPLICATE_KEY = 11000
_NO_COUNTS: dict[str, Any] = {"reactions": {}, "comments": 0}


def reaction_id(post_id: str, user_id: str) -> str:
    return f"{post_id}:{user_id}"


class PostRepository:
    def __init__(self, store: Store) -> None:
        self.posts = store.cached(POSTS)
        self.reactions = store.cached(REACTIONS)
        self.comments = store.cached(COMMENTS)
        self.uses = store.db[HASHTAG_USES]
        self.db = store.db
        # Reaction and comment counts share one cache entry per post: every post on a page
        # is two point reads (token, value) rather than four; a change of either recounts
        # both, which costs far less than it saves, as posts are read much more often.
        self.counts = TokenCache(store, "post_counts")

    async def ensure_indexes(self) -> None:
        await self.posts.create_index([("author_id", ASCENDING), ("rank", DESCENDING)])
        await self.posts.create_index([("hashtags", ASCENDING), ("rank", DESCENDING)])
        await self.posts.create_index([("group_id", ASCENDING), ("rank", DESCENDING)])
        await self.posts.create_index("created_at")
        await self.reactions.create_index("post_id")
        await self.reactions.create_index("user_id")
        await self.comments.create_index(
            [("post_id", ASCENDING), ("parent_id", ASCENDING), ("created_at", ASCENDING)]
        )
        await self.comments.create_index("author_id")
        await self.comments.create_index("parent_id")
        await self.uses.create_index([("city", ASCENDING), ("at", DESCENDING)])
        await self.uses.create_index("post_id")
        names = set(await self.db.list_collection_names())
        for legacy in ("reaction_counts", "comment_counts"):  # earlier separate caches
            for suffix in ("_cache", "_tokens"):
                if legacy + suffix in names:
                    await self.db.drop_collection(legacy + suffix)

    # --- posts -----------------------------------------------------------------------------

    async def insert_post(self, doc: Document, unit: str) -> bool:
        return await insert_new(self.posts, {**doc, **marked(unit)})

    async def post(self, post_id: str) -> Document | None:
        """A live post (tombstones count as gone)."""
        doc = await self.posts.find_one({"_id": post_id})
        return None if doc is None or doc.get("deleted") else doc

    async def exists(self, post_id: str) -> bool:
        return await self.posts.find_one({"_id": post_id}, {"_id": 1}) is not None

    async def posts_by_id(self, post_ids: Iterable[str]) -> dict[str, Document]:
        found = await by_ids(self.posts, post_ids)
        return {k: v for k, v in found.items() if not v.get("deleted")}

    async def update_post(self, post_id: str, fields: Document, unit: str) -> None:
        await self.posts.update_one({"_id": post_id}, stamp({"$set": fields}, unit))

    async def tombstone_post(self, post: Document, at: datetime, unit: str) -> None:
        stub = {
            "author_id": post["author_id"],
            "rank": post["rank"],
            "created_at": post["created_at"],
            "deleted": True,
            "deleted_at": at,
            **marked(unit),
        }
        await self.posts.replace_one({"_id": post["_id"]}, stub)

    async def newest(self, query: Document, before: str | None, limit: int) -> list[Document]:
        """Live posts matching `query`, newest first, strictly older than rank `before`."""
        full: Document = {**query, "deleted": {"$ne": True}}
        if before is not None:
            full["rank"] = {"$lt": before}
        cursor = self.posts.find(full).sort("rank", DESCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def created_between(self, start: datetime, end: datetime) -> list[Document]:
        query = {"created_at": {"$gte": start, "$lt": end}, "deleted": {"$ne": True}}
        return await self.posts.find(query).to_list(None)

    async def ids_by_author(self, author_id: str) -> list[str]:
        docs = await self.posts.find({"author_id": author_id}, {"_id": 1}).to_list(None)
        return [d["_id"] for d in docs]

    async def delete_posts(self, post_ids: Sequence[str]) -> None:
        if post_ids:
            await self.posts.delete_many({"_id": {"$in": list(post_ids)}})

    # --- reactions -------------------------------------------------------------------------

    async def reaction(self, post_id: str, user_id: str) -> str | None:
        doc = await self.reactions.find_one({"_id": reaction_id(post_id, user_id)})
        return None if doc is None else doc.get("emoji")

    async def set_reaction(
        self, post_id: str, user_id: str, emoji: str | None, at: datetime, unit: str
    ) -> None:
        """Removing a reaction keeps the document with `emoji: null`, stamped, so the outbox
        can prove the change happened; counts ignore it."""
        fields = {"post_id": post_id, "user_id": user_id, "emoji": emoji, "at": at}
        await upsert(self.reactions, reaction_id(post_id, user_id), stamp({"$set": fields}, unit))
        await self.counts.invalidate([post_id])

    async def post_counts(self, post_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """`{"reactions": {emoji: n}, "comments": n}` per post, counted from the reaction and
        comment documents (cached until one of them changes)."""
        return await self.counts.get_many(post_ids, self._count, _NO_COUNTS)

    async def _count(self, post_ids: Sequence[str]) -> dict[str, Any]:
        reactions, comments = await asyncio.gather(
            self._count_reactions(post_ids), self._count_comments(post_ids)
        )
        return {
            p: {"reactions": reactions.get(p, {}), "comments": comments.get(p, 0)} for p in post_ids
        }

    async def reaction_counts(self, post_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Counts per emoji, counted from the reaction documents (cached until one changes)."""
        return {p: c["reactions"] for p, c in (await self.post_counts(post_ids)).items()}

    async def _count_reactions(self, post_ids: Sequence[str]) -> dict[str, Any]:
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        rows = await self.reactions.aggregate(
            [
                {"$match": {"post_id": {"$in": list(post_ids)}, "emoji": {"$in": list(EMOJIS)}}},
                {"$group": {"_id": {"p": "$post_id", "e": "$emoji"}, "n": {"$sum": 1}}},
            ]
        )
        async for row in rows:
            counts[row["_id"]["p"]][row["_id"]["e"]] = row["n"]
        return counts

    async def my_reactions(self, user_id: str, post_ids: Sequence[str]) -> dict[str, str]:
        found = await by_ids(self.reactions, [reaction_id(p, user_id) for p in post_ids])
        return {d["post_id"]: d["emoji"] for d in found.values() if d.get("emoji")}

    # --- comments --------------------------------------------------------------------------

    async def insert_comment(self, doc: Document, unit: str) -> None:
        await self.comments.insert_one({**doc, **marked(unit)})
        await self.counts.invalidate([doc["post_id"]])

    async def comment(self, comment_id: str) -> Document | None:
        doc = await self.comments.find_one({"_id": comment_id})
        return None if doc is None or doc.get("deleted") else doc

    async def update_comment(self, comment_id: str, fields: Document, unit: str) -> None:
        await self.comments.update_one({"_id": comment_id}, stamp({"$set": fields}, unit))

    async def delete_comment(self, comment: Document, at: datetime) -> None:
        """Tombstones the comment and its replies; their text is gone at once."""
        gone = {"$set": {"deleted": True, "deleted_at": at, "text": "", "mentions": []}}
        await self.comments.update_many({"parent_id": comment["_id"]}, gone)
        await self.comments.update_one({"_id": comment["_id"]}, gone)
        await self.counts.invalidate([comment["post_id"]])

    async def comments_page(
        self, post_id: str, parent_id: str | None, after: str | None, limit: int
    ) -> list[Document]:
        """Oldest first; `after` is the `order` key of the last comment seen."""
        query: Document = {"post_id": post_id, "parent_id": parent_id, "deleted": {"$ne": True}}
        if after is not None:
            query["order"] = {"$gt": after}
        cursor = self.comments.find(query).sort("order", ASCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def _count_comments(self, post_ids: Sequence[str]) -> dict[str, int]:
        return await self._count_by("post_id", {"post_id": {"$in": list(post_ids)}}, True)

    async def reply_counts(self, comment_ids: Sequence[str]) -> dict[str, int]:
        return await self._count_by(
            "parent_id", {"parent_id": {"$in": list(comment_ids)}}, bool(comment_ids)
        )

    async def _count_by(self, field: str, match: Document, any_wanted: bool) -> dict[str, int]:
        if not any_wanted:
            return {}
        rows = await self.comments.aggregate(
            [
                {"$match": {**match, "deleted": {"$ne": True}}},
                {"$group": {"_id": f"${field}", "n": {"$sum": 1}}},
            ]
        )
        return {row["_id"]: row["n"] async for row in rows}

    # --- hashtag uses (trending) -------------------------------------------------------------

    async def set_uses(
        self, post: Mapping[str, Any], tags: Sequence[str], *, others: bool = True
    ) -> None:
        """Make a post's hashtag uses exactly `tags`: one document per (post, tag), `_id =
        f"{post}:{tag}"`; the post's other uses go (unless the caller knows there are no
        `others`). It writes the post's current state, so repeating it changes nothing and an
        older event handled late cannot undo a newer one."""
        post_id = post["_id"]
        docs = [
            {
                "_id": f"{post_id}:{tag}",
                "post_id": post_id,
                "tag": tag,
                "city": post.get("city_key"),
                "at": post["created_at"],
            }
            for tag in tags
        ]
        if others:
            keep = [d["_id"] for d in docs]
            await self.uses.delete_many({"post_id": post_id, "_id": {"$nin": keep}})
        if docs:
            try:
                await self.uses.insert_many(docs, ordered=False)
            except BulkWriteError as exc:
                if any(e.get("code") != _DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                    raise

    async def remove_uses(self, post_id: str) -> None:
        await self.uses.delete_many({"post_id": post_id})

    async def purge_uses(self, before: datetime) -> int:
        """Hashtag uses only matter inside the trending window (no TTL index on FerretDB)."""
        result = await self.uses.delete_many({"at": {"$lt": before}})
        return result.deleted_count

    async def seed_counts(self, post_id: str) -> None:
        """A new post has no reactions or comments: say so in the count caches before it
        exists, so its first readers need not count."""
        await self.counts.seed(post_id, _NO_COUNTS)

    async def trending(
        self, city: str | None, since: datetime, limit: int
    ) -> list[tuple[str, int]]:
        match: Document = {"at": {"$gte": since}}
        if city is not None:
            match["city"] = city
        rows = await self.uses.aggregate(
            [{"$match": match}, {"$group": {"_id": "$tag", "n": {"$sum": 1}}}]
        )
        counted = [(row["_id"], int(row["n"])) async for row in rows]
        counted.sort(key=lambda r: (-r[1], r[0]))
        return counted[:limit]

    # --- removal -------------------------------------------------------------------------

    async def remove_children(self, post_ids: Sequence[str]) -> None:
        """Reactions, comments and hashtag uses of these posts."""
        if not post_ids:
            return
        ids = {"$in": list(post_ids)}
        await self.reactions.delete_many({"post_id": ids})
        await self.comments.delete_many({"post_id": ids})
        await self.uses.delete_many({"post_id": ids})
        await self.counts.forget(post_ids)

    async def erase_user_activity(self, user_id: str) -> None:
        """A deleted person's reactions and comments (with the replies to them)."""
        reacted = await self.reactions.find({"user_id": user_id}, {"post_id": 1}).to_list(None)
        await self.reactions.delete_many({"user_id": user_id})
        await self.counts.invalidate(r["post_id"] for r in reacted)
        theirs = await self.comments.find({"author_id": user_id}, {"_id": 1, "post_id": 1}).to_list(
            None
        )
        if theirs:
            await self.comments.delete_many({"parent_id": {"$in": [c["_id"] for c in theirs]}})
        await self.comments.delete_many({"author_id": user_id})
        await self.counts.invalidate(c["post_id"] for c in theirs)
