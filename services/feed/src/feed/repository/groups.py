"""Groups and memberships.

A membership is one document per (group, person), `_id = f"{group}:{user}"`, carrying status and
role and stamped with the outbox unit of its last change. Member and moderator counts are
counted, never kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from jobfriends_shared.mongo import Document, upsert
from jobfriends_shared.outbox import marked, stamp
from pymongo import ASCENDING, DESCENDING

from feed.domain.groups import Role, Status
from feed.repository.base import by_ids
from feed.repository.cache import TokenCache
from feed.repository.memory import Store

GROUPS = "groups"
MEMBERSHIPS = "memberships"


def membership_id(group_id: str, user_id: str) -> str:
    return f"{group_id}:{user_id}"


class GroupRepository:
    def __init__(self, store: Store) -> None:
        self.groups = store.cached(GROUPS)
        self.memberships = store.cached(MEMBERSHIPS)
        self.member_counts = TokenCache(store, "member_counts")

    async def ensure_indexes(self) -> None:
        await self.groups.create_index("order")
        await self.groups.create_index([("city_key", ASCENDING), ("order", DESCENDING)])
        await self.memberships.create_index(
            [("group_id", ASCENDING), ("status", ASCENDING), ("order", ASCENDING)]
        )
        await self.memberships.create_index("user_id")

    async def insert_group(self, doc: Document, unit: str) -> None:
        await self.groups.insert_one({**doc, **marked(unit)})

    async def group(self, group_id: str) -> Document | None:
        return await self.groups.find_one({"_id": group_id})

    async def groups_page(self, query: Document, before: str | None, limit: int) -> list[Document]:
        full = dict(query)
        if before is not None:
            full["order"] = {"$lt": before}
        cursor = self.groups.find(full).sort("order", DESCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    # --- memberships ---------------------------------------------------------------------

    async def membership(self, group_id: str, user_id: str) -> Document | None:
        return await self.memberships.find_one({"_id": membership_id(group_id, user_id)})

    async def set_membership(
        self,
        group_id: str,
        user_id: str,
        status: Status,
        role: Role,
        at: datetime,
        unit: str | None,
    ) -> None:
        fields = {
            "group_id": group_id,
            "user_id": user_id,
            "status": status.value,
            "role": role.value,
            "at": at,
            "order": f"{int(at.timestamp() * 1000):015d}:{user_id}",
        }
        update: Document = {"$set": fields}
        if unit is not None:
            update = stamp(update, unit)
        await upsert(self.memberships, membership_id(group_id, user_id), update)
        await self.member_counts.invalidate([group_id])

    async def member_of(self, user_id: str, group_ids: Iterable[str]) -> set[str]:
        wanted = {membership_id(g, user_id): g for g in group_ids}
        found = await by_ids(self.memberships, wanted, {"status": 1})
        return {wanted[k] for k, d in found.items() if d.get("status") == Status.member}

    async def memberships_of(self, user_id: str, group_ids: Iterable[str]) -> dict[str, Document]:
        wanted = {membership_id(g, user_id): g for g in group_ids}
        found = await by_ids(self.memberships, wanted)
        return {wanted[k]: d for k, d in found.items()}

    async def members_page(
        self, group_id: str, status: Status, after: str | None, limit: int
    ) -> list[Document]:
        query: Document = {"group_id": group_id, "status": status.value}
        if after is not None:
            query["order"] = {"$gt": after}
        cursor = self.memberships.find(query).sort("order", ASCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def member_ids(self, group_id: str) -> list[str]:
        query = {"group_id": group_id, "status": Status.member.value}
        docs = await self.memberships.find(query, {"user_id": 1}).to_list(None)
        return [d["user_id"] for d in docs]

    async def count(self, group_id: str, role: Role | None = None) -> int:
        query: Document = {"group_id": group_id, "status": Status.member.value}
        if role is not None:
            query["role"] = role.value
        return await self.memberships.count_documents(query)

    async def counts(self, group_ids: Sequence[str]) -> dict[str, int]:
        """Members per group (cached until a membership of the group changes)."""
        return await self.member_counts.get_many(group_ids, self._count_members, 0)

    async def _count_members(self, group_ids: Sequence[str]) -> dict[str, Any]:
        rows = await self.memberships.aggregate(
            [
                {"$match": {"group_id": {"$in": list(group_ids)}, "status": Status.member.value}},
                {"$group": {"_id": "$group_id", "n": {"$sum": 1}}},
            ]
        )
        return {row["_id"]: row["n"] async for row in rows}

    async def groups_of(self, user_id: str) -> list[Document]:
        return await self.memberships.find({"user_id": user_id}).to_list(None)

    async def earliest_member(self, group_id: str) -> Document | None:
        query = {"group_id": group_id, "status": Status.member.value}
        return await self.memberships.find_one(query, sort=[("order", ASCENDING)])

    async def erase(self, user_id: str) -> None:
        mine = await self.memberships.find({"user_id": user_id}, {"group_id": 1}).to_list(None)
        await self.memberships.delete_many({"user_id": user_id})
        await self.member_counts.invalidate(m["group_id"] for m in mine)
