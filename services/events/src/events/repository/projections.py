"""This service's copies of other services' facts, kept from their events.

Every write is an upsert or delete keyed by a natural id, so a redelivered event rewrites the
same document and changes nothing twice. Per-key order comes from Kafka (each topic is keyed by
the person, pair or group the fact is about).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from jobfriends_shared.contracts.matching import pair_id
from jobfriends_shared.mongo import Database, Document
from pymongo import ASCENDING, ReplaceOne

from events.domain.discovery import Profile, Viewer

PEOPLE = "people"
CONNECTIONS = "connections"
BLOCKS = "blocks"
GROUPS = "groups"
MEMBERS = "group_members"
MATCHES = "matches"


class Projections:
    def __init__(self, db: Database) -> None:
        self.people = db[PEOPLE]
        self.connections = db[CONNECTIONS]
        self.blocks = db[BLOCKS]
        self.groups = db[GROUPS]
        self.members = db[MEMBERS]
        self.matches = db[MATCHES]

    async def ensure_indexes(self) -> None:
        await self.connections.create_index("users")
        await self.blocks.create_index("blocker_id")
        await self.blocks.create_index("blocked_id")
        await self.members.create_index([("user_id", ASCENDING), ("group_id", ASCENDING)])
        await self.members.create_index("group_id")

    # --- profiles -------------------------------------------------------------------------------

    async def save_profiles(self, docs: Mapping[str, Document]) -> None:
        """Each person's latest recommendation fields, in one bulk write."""
        if docs:
            await self.people.bulk_write(
                [ReplaceOne({"_id": uid}, doc, upsert=True) for uid, doc in docs.items()],
                ordered=False,
            )

    async def profile(self, user_id: str) -> Profile:
        doc = await self.people.find_one({"_id": user_id})
        if doc is None:
            return Profile()
        loc = doc.get("location")
        return Profile(
            profession=doc.get("profession"),
            interests=frozenset(doc.get("interests") or ()),
            city_key=doc.get("city_key"),
            location=(loc["lat"], loc["lon"]) if loc else None,
        )

    # --- connections ----------------------------------------------------------------------------

    async def connect(self, a: str, b: str) -> None:
        await self.connections.replace_one(
            {"_id": pair_id(a, b)}, {"users": sorted((a, b))}, upsert=True
        )

    async def disconnect(self, a: str, b: str) -> None:
        await self.connections.delete_one({"_id": pair_id(a, b)})

    async def connected(self, a: str, b: str) -> bool:
        return await self.connections.find_one({"_id": pair_id(a, b)}) is not None

    async def connections_of(self, user_id: str) -> set[str]:
        cursor = self.connections.find({"users": user_id})
        return {
            u for doc in await cursor.to_list(length=None) for u in doc["users"] if u != user_id
        }

    # --- blocks ---------------------------------------------------------------------------------

    async def block(self, blocker_id: str, blocked_id: str, at: datetime) -> None:
        await self.blocks.replace_one(
            {"_id": f"{blocker_id}|{blocked_id}"},
            {"blocker_id": blocker_id, "blocked_id": blocked_id, "at": at},
            upsert=True,
        )

    async def unblock(self, blocker_id: str, blocked_id: str) -> None:
        await self.blocks.delete_one({"_id": f"{blocker_id}|{blocked_id}"})

    async def blocked_either_way(self, a: str, b: str) -> bool:
        if a == b:
            return False
        for key in (f"{a}|{b}", f"{b}|{a}"):
            if await self.blocks.find_one({"_id": key}, {"_id": 1}) is not None:
                return True
        return False

    async def blocked_with(self, user_id: str) -> set[str]:
        """Everyone this person blocked or was blocked by."""
        cursor = self.blocks.find({"$or": [{"blocker_id": user_id}, {"blocked_id": user_id}]})
        return {
            d["blocked_id"] if d["blocker_id"] == user_id else d["blocker_id"]
            for d in await cursor.to_list(length=None)
        }

    # --- groups ---------------------------------------------------------------------------------

    async def save_group(self, group_id: str, owner_id: str, name: str) -> None:
        await self.groups.replace_one(
            {"_id": group_id}, {"owner_id": owner_id, "name": name}, upsert=True
        )

    async def group(self, group_id: str) -> Document | None:
        return await self.groups.find_one({"_id": group_id})

    async def join_group(self, group_id: str, user_id: str) -> None:
        await self.members.replace_one(
            {"_id": f"{group_id}|{user_id}"},
            {"group_id": group_id, "user_id": user_id},
            upsert=True,
        )

    async def leave_group(self, group_id: str, user_id: str) -> None:
        await self.members.delete_one({"_id": f"{group_id}|{user_id}"})

    async def is_member(self, group_id: str, user_id: str) -> bool:
        return await self.members.find_one({"_id": f"{group_id}|{user_id}"}) is not None

    async def groups_of(self, user_id: str) -> set[str]:
        cursor = self.members.find({"user_id": user_id}, {"group_id": 1})
        return {d["group_id"] for d in await cursor.to_list(length=None)}

    # --- matches --------------------------------------------------------------------------------

    async def save_matches(self, user_id: str, top: Iterable[str]) -> None:
        await self.matches.replace_one({"_id": user_id}, {"top": list(top)}, upsert=True)

    async def matches_of(self, user_id: str) -> set[str]:
        doc = await self.matches.find_one({"_id": user_id})
        return set(doc["top"]) if doc else set()

    # --- who is asking --------------------------------------------------------------------------

    async def viewer(self, user_id: str) -> Viewer:
        return Viewer(
            user_id=user_id,
            connections=frozenset(await self.connections_of(user_id)),
            groups=frozenset(await self.groups_of(user_id)),
            blocked=frozenset(await self.blocked_with(user_id)),
        )

    # --- erasure --------------------------------------------------------------------------------

    async def erase(self, user_id: str) -> None:
        await self.people.delete_one({"_id": user_id})
        await self.connections.delete_many({"users": user_id})
        await self.blocks.delete_many({"$or": [{"blocker_id": user_id}, {"blocked_id": user_id}]})
        await self.members.delete_many({"user_id": user_id})
        await self.matches.delete_one({"_id": user_id})
        await self.matches.update_many({"top": user_id}, {"$pull": {"top": user_id}})
