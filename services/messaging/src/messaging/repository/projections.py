"""Messaging's copies of other services' facts: who has an account, who is connected to whom
(matching), who blocked whom (identity).

Every write is an upsert or a delete keyed by a natural id, so a redelivered event changes
nothing twice; per-key order comes from Kafka.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime

from jobfriends_shared.contracts.matching import pair_id
from jobfriends_shared.mongo import Database, by_ids
from pymongo.errors import BulkWriteError

PEOPLE = "people"
CONNECTIONS = "connections"
BLOCKS = "blocks"


class ProjectionRepository:
    def __init__(self, db: Database) -> None:
        self.people = db[PEOPLE]
        self.connections = db[CONNECTIONS]
        self.blocks = db[BLOCKS]

    async def ensure_indexes(self) -> None:
        await self.connections.create_index("users")
        await self.blocks.create_index("blocker_id")
        await self.blocks.create_index("blocked_id")

    # --- people -----------------------------------------------------------------------------

    async def registered(self, user_ids: Iterable[str], at: datetime) -> None:
        """Accounts that exist: inserts, so a redelivered registration leaves an erased
        person's tombstone alone."""
        docs = [{"_id": u, "since": at} for u in dict.fromkeys(user_ids)]
        if docs:
            with contextlib.suppress(BulkWriteError):
                await self.people.insert_many(docs, ordered=False)

    async def erased(self, user_id: str, at: datetime) -> None:
        await self.people.replace_one({"_id": user_id}, {"erased": True, "at": at}, upsert=True)

    async def existing(self, user_ids: Iterable[str]) -> set[str]:
        """Those of `user_ids` with an account that is not erased."""
        found = await by_ids(self.people, user_ids)
        return {key for key, doc in found.items() if not doc.get("erased")}

    async def erased_among(self, user_ids: Iterable[str]) -> set[str]:
        found = await by_ids(self.people, user_ids)
        return {key for key, doc in found.items() if doc.get("erased")}

    # --- connections ------------------------------------------------------------------------

    async def connect(self, a: str, b: str) -> None:
        await self.connections.replace_one(
            {"_id": pair_id(a, b)}, {"users": sorted((a, b))}, upsert=True
        )

    async def disconnect(self, a: str, b: str) -> None:
        await self.connections.delete_one({"_id": pair_id(a, b)})

    async def connected(self, a: str, b: str) -> bool:
        return await self.connections.find_one({"_id": pair_id(a, b)}) is not None

    async def connected_to(self, user_id: str, others: Iterable[str]) -> set[str]:
        wanted = {pair_id(user_id, o): o for o in others if o != user_id}
        found = await by_ids(self.connections, wanted, {"_id": 1})
        return {wanted[key] for key in found}

    # --- blocks -----------------------------------------------------------------------------

    async def block(self, blocker_id: str, blocked_id: str, at: datetime) -> None:
        await self.blocks.replace_one(
            {"_id": f"{blocker_id}|{blocked_id}"},
            {"blocker_id": blocker_id, "blocked_id": blocked_id, "at": at},
            upsert=True,
        )

    async def unblock(self, blocker_id: str, blocked_id: str) -> None:
        await self.blocks.delete_one({"_id": f"{blocker_id}|{blocked_id}"})

    async def blocked_with(self, user_id: str, others: Iterable[str]) -> set[str]:
        """Those of `others` who blocked `user_id` or were blocked by them."""
        keys: dict[str, str] = {}
        for other in others:
            keys[f"{user_id}|{other}"] = other
            keys[f"{other}|{user_id}"] = other
        found = await by_ids(self.blocks, keys, {"_id": 1})
        return {keys[key] for key in found}

    # --- erasure ----------------------------------------------------------------------------

    async def forget(self, user_id: str) -> None:
        await self.connections.delete_many({"users": user_id})
        await self.blocks.delete_many({"$or": [{"blocker_id": user_id}, {"blocked_id": user_id}]})
