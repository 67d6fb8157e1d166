"""Per-person settings and the record of digests.

Settings have one writer (the person, through `PUT`), so a whole-document replace is safe.
Digests are claimed by inserting their deterministic id before anything is sent: the unique
index, not a read-then-write, is what stops a second instance or a restart from sending twice.
"""

from __future__ import annotations

from datetime import datetime

from jobfriends_shared.mongo import Database, Document
from jobfriends_shared.outbox import stamp
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from notifications.domain.kinds import DigestFrequency

PREFERENCES = "preferences"
DIGESTS = "digests"


class AccountRepository:
    def __init__(self, db: Database) -> None:
        self.preferences = db[PREFERENCES]
        self.digests = db[DIGESTS]

    async def ensure_indexes(self) -> None:
        await self.preferences.create_index("digest")
        await self.digests.create_index("recipient_id")

    # --- preferences ----------------------------------------------------------------------

    async def preferences_of(self, user_id: str) -> Document | None:
        return await self.preferences.find_one({"_id": user_id})

    async def save_preferences(self, user_id: str, doc: Document) -> None:
        await self.preferences.replace_one({"_id": user_id}, doc, upsert=True)

    async def digest_subscribers(self, after: str | None, limit: int) -> list[Document]:
        """People with a digest frequency, in id order (the job pages through them)."""
        query: Document = {
            "digest": {"$in": [DigestFrequency.daily.value, DigestFrequency.weekly.value]}
        }
        if after is not None:
            query["_id"] = {"$gt": after}
        return await self.preferences.find(query).sort("_id", ASCENDING).limit(limit).to_list(limit)

    # --- digests ----------------------------------------------------------------------------

    async def digest_known(self, digest_id: str) -> bool:
        return await self.digests.find_one({"_id": digest_id}, {"_id": 1}) is not None

    async def claim_digest(self, doc: Document) -> bool:
        try:
            await self.digests.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def settle_digest(
        self, digest_id: str, status: str, at: datetime, unit: str | None = None, **fields: object
    ) -> None:
        update: Document = {"$set": {"status": status, "settled_at": at, **fields}}
        await self.digests.update_one({"_id": digest_id}, stamp(update, unit) if unit else update)

    async def digest(self, digest_id: str) -> Document | None:
        return await self.digests.find_one({"_id": digest_id})

    async def erase(self, user_id: str) -> None:
        await self.preferences.delete_one({"_id": user_id})
        await self.digests.delete_many({"recipient_id": user_id})
