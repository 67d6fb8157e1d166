"""People and their relations as the feed knows them.

Author cards, blocks, connections and tribes are projections of other services' events (upserts
and deletes keyed by natural ids, so a redelivered event changes nothing twice). Follows of
people and hashtags are the feed's own: one document per (follower, followed) with an `active`
flag, so that switching it and stamping the outbox unit are one single-document write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from jobfriends_shared.contracts.matching import pair_id
from jobfriends_shared.mongo import Document, merged_by_key, replace, set_unless_tombstoned, upsert
from jobfriends_shared.outbox import stamp
from pymongo import ASCENDING
from pymongo.errors import BulkWriteError

from feed.repository.base import by_ids
from feed.repository.cache import TokenCache
from feed.repository.memory import Store

AUTHORS = "authors"
BLOCKS = "blocks"
CONNECTIONS = "connections"
TRIBE = "tribe"
FOLLOWS = "follows"
HASHTAG_FOLLOWS = "hashtag_follows"
SETTINGS = "user_settings"
CARD_FIELDS = ("display_name", "headline", "profession", "city")


def follow_id(follower: str, followed: str) -> str:
    return f"{follower}>{followed}"


def hashtag_follow_id(user: str, tag: str) -> str:
    return f"{user}#{tag}"


def block_id(blocker: str, blocked: str) -> str:
    return f"{blocker}|{blocked}"


def tribe_id(owner: str, member: str) -> str:
    return f"{owner}>{member}"


class SocialRepository:
    def __init__(self, store: Store) -> None:
        self.authors = store.cached(AUTHORS)
        self.blocks = store.cached(BLOCKS)
        self.connections = store.cached(CONNECTIONS)
        self.tribe = store.cached(TRIBE)
        self.follows = store.cached(FOLLOWS)
        self.hashtag_follows = store.cached(HASHTAG_FOLLOWS)
        self.settings = store.cached(SETTINGS)
        self.tribes = TokenCache(store, "tribe")

    async def ensure_indexes(self) -> None:
        await self.blocks.create_index("blocker_id")
        await self.blocks.create_index("blocked_id")
        await self.connections.create_index("users")
        await self.tribe.create_index("owner_id")
        await self.tribe.create_index("member_id")
        await self.follows.create_index([("followed_id", ASCENDING), ("active", ASCENDING)])
        await self.follows.create_index("follower_id")
        await self.hashtag_follows.create_index([("tag", ASCENDING), ("active", ASCENDING)])
        await self.hashtag_follows.create_index("user_id")

    # --- author cards (from identity) -----------------------------------------------------

    async def author(self, user_id: str) -> Document | None:
        return await self.authors.find_one({"_id": user_id, "deleted": {"$ne": True}})

    async def authors_by_id(self, user_ids: Iterable[str]) -> dict[str, Document]:
        found = await by_ids(self.authors, user_ids)
        return {k: v for k, v in found.items() if not v.get("deleted")}

    async def save_cards(self, cards: Sequence[tuple[str, dict[str, Any]]], at: datetime) -> None:
        """Update people's cards, later fields over earlier ones, in one bulk write, unless
        the person was erased (a late event must not revive them)."""
        await set_unless_tombstoned(
            self.authors,
            merged_by_key((uid, {**fields, "updated_at": at}) for uid, fields in cards),
        )

    async def erased(self, user_id: str) -> bool:
        found = await self.authors.find_one({"_id": user_id}, {"deleted": 1})
        return bool(found and found.get("deleted"))

    async def insert_follows(self, followed: str, followers: Sequence[str], at: datetime) -> int:
        """Bulk-load follow edges (benchmarks, imports): no events, no backfill. Invalidate
        the author's audience afterwards (`TimelineService.changed(f"author:{followed}")`
        rebuilds it from the follows)."""
        docs = [
            {
                "_id": follow_id(f, followed),
                "follower_id": f,
                "followed_id": followed,
                "active": True,
                "at": at,
            }
            for f in followers
        ]
        try:
            result = await self.follows.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            return int(exc.details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def tombstone_author(self, user_id: str, at: datetime) -> None:
        await replace(self.authors, user_id, {"deleted": True, "deleted_at": at})

    # --- blocks (from identity) -----------------------------------------------------------

    async def set_block(self, blocker: str, blocked: str, active: bool, at: datetime) -> None:
        if active:
            doc = {"blocker_id": blocker, "blocked_id": blocked, "at": at}
            await replace(self.blocks, block_id(blocker, blocked), doc)
        else:
            await self.blocks.delete_one({"_id": block_id(blocker, blocked)})

    async def blocked_among(self, viewer: str, others: Iterable[str]) -> set[str]:
        """Which of `others` blocked the viewer or were blocked by them."""
        people = [o for o in dict.fromkeys(others) if o != viewer]
        ids = [block_id(viewer, o) for o in people] + [block_id(o, viewer) for o in people]
        found = await by_ids(self.blocks, ids, {"blocker_id": 1, "blocked_id": 1})
        return {
            d["blocked_id"] if d["blocker_id"] == viewer else d["blocker_id"]
            for d in found.values()
        }

    async def blocked_either_way(self, a: str, b: str) -> bool:
        return bool(await self.blocked_among(a, [b]))

    # --- connections and tribes (from matching) --------------------------------------------

    async def connect(self, a: str, b: str, at: datetime) -> None:
        await replace(self.connections, pair_id(a, b), {"users": sorted((a, b)), "at": at})

    async def disconnect(self, a: str, b: str) -> None:
        await self.connections.delete_one({"_id": pair_id(a, b)})

    async def connected_among(self, viewer: str, others: Iterable[str]) -> set[str]:
        people = {pair_id(viewer, o): o for o in others if o != viewer}
        found = await by_ids(self.connections, people, {"_id": 1})
        return {people[k] for k in found}

    async def connections_of(self, user_id: str) -> list[str]:
        docs = await self.connections.find({"users": user_id}, {"users": 1}).to_list(None)
        return [u for d in docs for u in d["users"] if u != user_id]

    async def add_to_tribe(self, owner: str, member: str, at: datetime) -> None:
        doc = {"owner_id": owner, "member_id": member, "at": at}
        await replace(self.tribe, tribe_id(owner, member), doc)
        await self.tribes.invalidate([owner])

    async def remove_from_tribe(self, owner: str, member: str) -> None:
        await self.tribe.delete_one({"_id": tribe_id(owner, member)})
        await self.tribes.invalidate([owner])

    async def tribe_of(self, owner: str) -> list[str]:
        """The people `owner` put in their tribe (cached: read on every home timeline)."""
        joined: str = await self.tribes.get(owner, self._tribes, "")
        return joined.split(",") if joined else []

    async def _tribes(self, owners: Sequence[str]) -> dict[str, Any]:
        docs = await self.tribe.find(
            {"owner_id": {"$in": list(owners)}}, {"owner_id": 1, "member_id": 1}
        ).to_list(None)
        members: dict[str, list[str]] = {}
        for d in docs:
            members.setdefault(d["owner_id"], []).append(d["member_id"])
        return {owner: ",".join(sorted(m)) for owner, m in members.items()}

    # --- following people ----------------------------------------------------------------

    async def follow_edge(self, follower: str, followed: str) -> Document | None:
        return await self.follows.find_one({"_id": follow_id(follower, followed)})

    async def set_follow(
        self, follower: str, followed: str, active: bool, at: datetime, unit: str
    ) -> None:
        fields = {"follower_id": follower, "followed_id": followed, "active": active, "at": at}
        await upsert(self.follows, follow_id(follower, followed), stamp({"$set": fields}, unit))

    async def following_among(self, viewer: str, authors: Iterable[str]) -> set[str]:
        wanted = {follow_id(viewer, a): a for a in authors if a != viewer}
        found = await by_ids(self.follows, wanted, {"active": 1})
        return {wanted[k] for k, d in found.items() if d.get("active")}

    async def followers_of(self, user_id: str) -> list[str]:
        query = {"followed_id": user_id, "active": True}
        docs = await self.follows.find(query, {"follower_id": 1}).to_list(None)
        return [d["follower_id"] for d in docs]

    async def followed_by(self, user_id: str) -> list[str]:
        query = {"follower_id": user_id, "active": True}
        docs = await self.follows.find(query, {"followed_id": 1}).to_list(None)
        return [d["followed_id"] for d in docs]

    # --- following hashtags --------------------------------------------------------------

    async def hashtag_edge(self, user_id: str, tag: str) -> Document | None:
        return await self.hashtag_follows.find_one({"_id": hashtag_follow_id(user_id, tag)})

    async def set_hashtag_follow(
        self, user_id: str, tag: str, active: bool, at: datetime, unit: str
    ) -> None:
        fields = {"user_id": user_id, "tag": tag, "active": active, "at": at}
        await upsert(
            self.hashtag_follows, hashtag_follow_id(user_id, tag), stamp({"$set": fields}, unit)
        )

    async def hashtags_among(self, viewer: str, tags: Iterable[str]) -> set[str]:
        wanted = {hashtag_follow_id(viewer, t): t for t in tags}
        found = await by_ids(self.hashtag_follows, wanted, {"active": 1})
        return {wanted[k] for k, d in found.items() if d.get("active")}

    async def hashtag_followers(self, tag: str) -> list[str]:
        docs = await self.hashtag_follows.find(
            {"tag": tag, "active": True}, {"user_id": 1}
        ).to_list(None)
        return [d["user_id"] for d in docs]

    async def hashtags_of(self, user_id: str) -> list[str]:
        docs = await self.hashtag_follows.find(
            {"user_id": user_id, "active": True}, {"tag": 1}
        ).to_list(None)
        return [d["tag"] for d in docs]

    # --- per-person feed settings --------------------------------------------------------

    async def user_settings(self, user_id: str) -> Document:
        return await self.settings.find_one({"_id": user_id}) or {}

    async def save_settings(self, user_id: str, fields: dict[str, Any]) -> None:
        await upsert(self.settings, user_id, {"$set": fields})

    # --- erasure ---------------------------------------------------------------------------

    async def erase(self, user_id: str) -> None:
        """Everything relating to a deleted person; safe to repeat."""
        for field in ("blocker_id", "blocked_id"):
            await self.blocks.delete_many({field: user_id})
        await self.connections.delete_many({"users": user_id})
        owners = await self.tribe.find({"member_id": user_id}, {"owner_id": 1}).to_list(None)
        for field in ("owner_id", "member_id"):
            await self.tribe.delete_many({field: user_id})
        await self.tribes.invalidate(o["owner_id"] for o in owners)
        await self.tribes.forget([user_id])
        for field in ("follower_id", "followed_id"):
            await self.follows.delete_many({field: user_id})
        await self.hashtag_follows.delete_many({"user_id": user_id})
        await self.settings.delete_many({"_id": user_id})
