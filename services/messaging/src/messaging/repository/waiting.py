"""Unread messages waiting for someone, and the claims that announce each wait once.

`waiting/<conversation>|<person>` is written by this service's consumer of its own
`message.sent`, which Kafka runs one at a time per conversation (the topic's key), so it has
one writer. The periodic job that announces waits runs on every instance: an announcement is
an insert of `notices/<conversation>|<person>|<first unread>` first, and only the instance whose
insert wins announces (FerretDB applies updates without a lock, so a flag could not decide
it). The job's `announced` flag is a hint to skip work, lossy by design.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jobfriends_shared.mongo import Database, Document, by_ids
from jobfriends_shared.outbox import marked
from pymongo import ReplaceOne
from pymongo.errors import DuplicateKeyError

from messaging.repository.conversations import member_id

WAITING = "waiting"
NOTICES = "notices"


class WaitingRepository:
    def __init__(self, db: Database) -> None:
        self.waiting = db[WAITING]
        self.notices = db[NOTICES]

    async def ensure_indexes(self) -> None:
        await self.waiting.create_index("announced")
        await self.waiting.create_index("user_id")  # erasure only
        await self.notices.create_index("at")

    async def of(self, conversation_id: str, user_ids: Sequence[str]) -> dict[str, Document]:
        found = await by_ids(self.waiting, (member_id(conversation_id, u) for u in user_ids))
        return {str(d["user_id"]): d for d in found.values()}

    async def save(self, docs: Sequence[Document]) -> None:
        if docs:
            await self.waiting.bulk_write(
                [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs], ordered=False
            )

    async def unannounced(self, limit: int) -> list[Document]:
        cursor = self.waiting.find({"announced": False}).limit(limit)
        return await cursor.to_list(length=limit)

    async def set_announced(self, waiting_id: str) -> None:
        await self.waiting.update_one({"_id": waiting_id}, {"$set": {"announced": True}})

    async def drop(self, waiting_id: str, last_seq: int) -> None:
        await self.waiting.delete_one({"_id": waiting_id, "last_seq": last_seq})

    async def claim(self, notice_id: str, at: datetime, unit: str) -> bool:
        try:
            await self.notices.insert_one({"_id": notice_id, "at": at, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def claimed(self, notice_id: str) -> bool:
        return await self.notices.find_one({"_id": notice_id}, {"_id": 1}) is not None

    async def forget_person(self, user_id: str) -> None:
        await self.waiting.delete_many({"user_id": user_id})
