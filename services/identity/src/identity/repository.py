"""Every query identity makes, and the only module that knows its collection layout.

Writes that race are inserts guarded by unique `_id`s (email claims, refresh-token uses,
endorsements), because FerretDB applies updates without a lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from jobfriends_shared.contracts.matching import pair_id
from jobfriends_shared.mongo import Database, Document
from jobfriends_shared.outbox import marked, stamp
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

USERS = "users"
ENDORSEMENTS = "endorsements"
BLOCKS = "blocks"
MILESTONES = "milestones"


class IdentityRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.users = db[USERS]
        self.emails = db["emails"]
        self.keys = db["signing_keys"]
        self.failures = db["sign_in_failures"]
        self.refresh = db["refresh_tokens"]
        self.token_uses = db["refresh_token_uses"]
        self.revoked = db["revoked_families"]
        self.endorsements = db[ENDORSEMENTS]
        self.blocks = db[BLOCKS]
        self.milestones = db[MILESTONES]
        self.connections = db["connections"]

    async def ensure_indexes(self) -> None:
        await self.failures.create_index([("email", ASCENDING), ("at", DESCENDING)])
        await self.refresh.create_index("family")
        await self.refresh.create_index("user_id")
        await self.endorsements.create_index([("user_id", ASCENDING), ("skill", ASCENDING)])
        await self.endorsements.create_index("endorser_id")
        await self.blocks.create_index("blocked_id")
        await self.blocks.create_index("blocker_id")
        await self.milestones.create_index("user_id")
        await self.connections.create_index("users")

    # --- signing key ------------------------------------------------------------------------

    async def signing_key_pem(self, generate: Callable[[], str], now: datetime) -> str:
        """The one current key: the first instance to start creates it, the rest read it."""
        existing = await self.keys.find_one({"_id": "current"})
        if existing is None:
            with contextlib.suppress(DuplicateKeyError):  # another instance was first
                await self.keys.insert_one({"_id": "current", "pem": generate(), "created_at": now})
            existing = await self.keys.find_one({"_id": "current"})
        assert existing is not None
        return str(existing["pem"])

    # --- accounts -----------------------------------------------------------------------------

    async def claim_email(self, email: str, user_id: str, now: datetime) -> str | None:
        """Claim an address for `user_id`; returns the current owner when it is taken."""
        try:
            await self.emails.insert_one({"_id": email, "user_id": user_id, "claimed_at": now})
        except DuplicateKeyError:
            owner = await self.emails.find_one({"_id": email})
            return str(owner["user_id"]) if owner else None
        return None

    async def release_email(self, email: str, user_id: str) -> None:
        await self.emails.delete_one({"_id": email, "user_id": user_id})

    async def insert_user(self, doc: Document, unit: str) -> None:
        await self.users.insert_one({**doc, **marked(unit)})

    async def user(self, user_id: str) -> Document | None:
        return await self.users.find_one({"_id": user_id, "deleted": {"$ne": True}})

    async def user_by_email(self, email: str) -> Document | None:
        # Through the email claim: a lookup by `_id` is the one FerretDB answers from an index.
        claim = await self.emails.find_one({"_id": email})
        return await self.user(str(claim["user_id"])) if claim else None

    async def update_user(self, user_id: str, fields: Document, unit: str) -> None:
        await self.users.update_one({"_id": user_id}, stamp({"$set": fields}, unit))

    async def tombstone_user(self, user_id: str, now: datetime, unit: str) -> None:
        """Erase the account but keep a stub, so the outbox can prove the deletion happened."""
        await self.users.replace_one(
            {"_id": user_id}, {"deleted": True, "deleted_at": now, **marked(unit)}
        )

    # --- sign-in throttling -------------------------------------------------------------------

    async def record_failure(self, email: str, ip: str | None, at: datetime) -> None:
        await self.failures.insert_one({"email": email, "ip": ip, "at": at})

    async def failures_since(self, email: str, since: datetime) -> list[datetime]:
        cursor = self.failures.find({"email": email, "at": {"$gt": since}}, {"at": 1}).limit(1000)
        return [doc["at"] for doc in await cursor.to_list(length=1000)]

    async def purge_failures(self, before: datetime) -> None:
        await self.failures.delete_many({"at": {"$lt": before}})

    # --- refresh tokens -----------------------------------------------------------------------

    async def store_refresh(self, token_hash: str, doc: Document) -> None:
        await self.refresh.insert_one({"_id": token_hash, **doc})

    async def refresh_token(self, token_hash: str) -> Document | None:
        return await self.refresh.find_one({"_id": token_hash})

    async def use_refresh(self, token_hash: str, at: datetime) -> bool:
        """Spend a refresh token; False when it was spent before (reuse)."""
        try:
            await self.token_uses.insert_one({"_id": token_hash, "at": at})
        except DuplicateKeyError:
            return False
        return True

    async def revoke_family(self, family: str, at: datetime, reason: str) -> None:
        with contextlib.suppress(DuplicateKeyError):  # revoked already
            await self.revoked.insert_one({"_id": family, "at": at, "reason": reason})

    async def family_revoked(self, family: str) -> bool:
        return await self.revoked.find_one({"_id": family}) is not None

    # --- endorsements -------------------------------------------------------------------------

    async def add_endorsement(self, doc: Document, unit: str) -> bool:
        try:
            await self.endorsements.insert_one({**doc, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def endorsement_counts(self, user_id: str) -> dict[str, int]:
        rows = await self.endorsements.aggregate(
            [{"$match": {"user_id": user_id}}, {"$group": {"_id": "$skill", "n": {"$sum": 1}}}]
        )
        return {row["_id"]: row["n"] async for row in rows}

    async def endorsers(
        self, user_id: str, skill: str, after: str | None, limit: int
    ) -> list[Document]:
        query: Document = {"user_id": user_id, "skill": skill}
        if after:
            query["endorser_id"] = {"$gt": after}
        cursor = self.endorsements.find(query).sort("endorser_id", ASCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    # --- blocks -------------------------------------------------------------------------------

    async def set_block(
        self, blocker_id: str, blocked_id: str, active: bool, at: datetime, unit: str
    ) -> None:
        await self.blocks.update_one(
            {"_id": f"{blocker_id}|{blocked_id}"},
            stamp(
                {
                    "$set": {
                        "blocker_id": blocker_id,
                        "blocked_id": blocked_id,
                        "active": active,
                        "at": at,
                    }
                },
                unit,
            ),
            upsert=True,
        )

    async def blocked(self, blocker_id: str, blocked_id: str) -> bool:
        found = await self.blocks.find_one({"_id": f"{blocker_id}|{blocked_id}", "active": True})
        return found is not None

    async def blocked_either_way(self, a: str, b: str) -> bool:
        return (
            await self.blocks.find_one({"_id": {"$in": [f"{a}|{b}", f"{b}|{a}"]}, "active": True})
            is not None
        )

    # --- milestones ---------------------------------------------------------------------------

    async def insert_milestone(self, doc: Document, unit: str) -> None:
        await self.milestones.insert_one({**doc, **marked(unit)})

    async def milestones_of(self, user_id: str, limit: int = 50) -> list[Document]:
        cursor = self.milestones.find({"user_id": user_id}).sort("on", DESCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    # --- projection of connections (from matching's events) --------------------------------

    async def connect(self, a: str, b: str) -> None:
        await self.connections.replace_one(
            {"_id": pair_id(a, b)}, {"users": sorted((a, b))}, upsert=True
        )

    async def disconnect(self, a: str, b: str) -> None:
        await self.connections.delete_one({"_id": pair_id(a, b)})

    async def connected(self, a: str, b: str) -> bool:
        return await self.connections.find_one({"_id": pair_id(a, b)}) is not None

    # --- erasure ------------------------------------------------------------------------------

    async def erase_traces(self, user_id: str) -> None:
        """Everything about a deleted person except the tombstone; safe to run repeatedly."""
        claims = await self.emails.find({"user_id": user_id}).to_list(length=10)
        await self.failures.delete_many({"email": {"$in": [c["_id"] for c in claims]}})
        await self.emails.delete_many({"user_id": user_id})
        await self.refresh.delete_many({"user_id": user_id})
        for field in ("user_id", "endorser_id"):
            await self.endorsements.delete_many({field: user_id})
        for field in ("blocker_id", "blocked_id"):
            await self.blocks.delete_many({field: user_id})
        await self.milestones.delete_many({"user_id": user_id})
        await self.connections.delete_many({"users": user_id})
