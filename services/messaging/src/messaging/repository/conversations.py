"""Conversations, their members, and each member's read mark.

Members are documents of their own (`<conversation>|<person>`), not a list in the
conversation: joining and leaving are inserts and deletes, which the store does atomically,
where a list updated by two people at once would lose one (FerretDB updates without a lock).
A read mark has one writer, its person.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from jobfriends_shared.mongo import Database, Document, by_ids
from jobfriends_shared.outbox import marked, stamp
from pymongo.errors import BulkWriteError, DuplicateKeyError

CONVERSATIONS = "conversations"
MEMBERS = "members"
READS = "reads"


def member_id(conversation_id: str, user_id: str) -> str:
    return f"{conversation_id}|{user_id}"


class ConversationRepository:
    def __init__(self, db: Database) -> None:
        self.conversations = db[CONVERSATIONS]
        self.members = db[MEMBERS]
        self.reads = db[READS]

    async def ensure_indexes(self) -> None:
        await self.members.create_index("user_id")
        await self.members.create_index("conversation_id")
        await self.reads.create_index("user_id")  # erasure only

    # --- conversations ----------------------------------------------------------------------

    async def insert(self, doc: Document, unit: str) -> bool:
        """False when it exists already (the other person started the same direct one)."""
        try:
            await self.conversations.insert_one({**doc, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, conversation_id: str) -> Document | None:
        return await self.conversations.find_one({"_id": conversation_id})

    async def many(self, ids: Iterable[str]) -> dict[str, Document]:
        return await by_ids(self.conversations, ids)

    async def rename(self, conversation_id: str, name: str, unit: str) -> None:
        await self.conversations.update_one(
            {"_id": conversation_id}, stamp({"$set": {"name": name}}, unit)
        )

    async def accept(self, conversation_id: str) -> None:
        """A direct conversation opened by an accepted message request: its pair may write
        without being connected. (Only ever set to true: a lost race loses nothing.)"""
        await self.conversations.update_one(
            {"_id": conversation_id}, {"$set": {"accepted_request": True}}
        )

    # --- members ----------------------------------------------------------------------------

    async def add_members(
        self, conversation_id: str, user_ids: Iterable[str], at: datetime
    ) -> list[str]:
        """Insert the memberships that do not exist yet; returns who was added."""
        docs = [
            {
                "_id": member_id(conversation_id, u),
                "conversation_id": conversation_id,
                "user_id": u,
                "joined_at": at,
            }
            for u in dict.fromkeys(user_ids)
        ]
        if not docs:
            return []
        try:
            await self.members.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            failed = {e["index"] for e in error.details.get("writeErrors", [])}
            return [str(d["user_id"]) for i, d in enumerate(docs) if i not in failed]
        return [str(d["user_id"]) for d in docs]

    async def remove_members(self, conversation_id: str, user_ids: Iterable[str]) -> None:
        for user_id in user_ids:
            await self.members.delete_one({"_id": member_id(conversation_id, user_id)})

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        found = await self.members.find_one({"_id": member_id(conversation_id, user_id)})
        return found is not None

    async def member_ids(self, conversation_id: str) -> list[str]:
        cursor = self.members.find({"conversation_id": conversation_id}, {"user_id": 1})
        return sorted(d["user_id"] for d in await cursor.to_list(length=None))

    async def conversations_of(self, user_id: str) -> list[str]:
        cursor = self.members.find({"user_id": user_id}, {"conversation_id": 1})
        return [d["conversation_id"] for d in await cursor.to_list(length=None)]

    # --- read marks -------------------------------------------------------------------------

    async def read_seqs(self, user_id: str, conversation_ids: Iterable[str]) -> dict[str, int]:
        found = await by_ids(self.reads, (member_id(c, user_id) for c in conversation_ids))
        return {str(d["conversation_id"]): int(d["seq"]) for d in found.values()}

    async def mark_read(
        self, conversation_id: str, user_id: str, seq: int, at: datetime, unit: str | None = None
    ) -> None:
        doc = {"conversation_id": conversation_id, "user_id": user_id, "seq": seq, "at": at}
        if unit is not None:
            doc.update(marked(unit))
        await self.reads.replace_one({"_id": member_id(conversation_id, user_id)}, doc, upsert=True)

    # --- erasure ----------------------------------------------------------------------------

    async def forget_person(self, user_id: str) -> list[str]:
        """Leave every conversation and drop the read marks; returns the conversations left."""
        left = await self.conversations_of(user_id)
        await self.members.delete_many({"user_id": user_id})
        await self.reads.delete_many({"user_id": user_id})
        return left
