"""Message requests: one per sender and receiver, ever (the id follows from the pair, so a
second request is a refused insert). The receiver is the only writer of its state."""

from __future__ import annotations

from datetime import datetime

from jobfriends_shared.mongo import Database, Document
from jobfriends_shared.outbox import marked, stamp
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

REQUESTS = "requests"
PENDING, ACCEPTED, IGNORED = "pending", "accepted", "ignored"


class RequestRepository:
    def __init__(self, db: Database) -> None:
        self.requests = db[REQUESTS]

    async def ensure_indexes(self) -> None:
        await self.requests.create_index([("to_user_id", ASCENDING), ("state", ASCENDING)])
        await self.requests.create_index("from_user_id")

    async def insert(self, doc: Document, unit: str) -> bool:
        """False when the sender asked this person before."""
        try:
            await self.requests.insert_one({**doc, "state": PENDING, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, request_id: str) -> Document | None:
        return await self.requests.find_one({"_id": request_id})

    async def incoming(self, user_id: str) -> list[Document]:
        cursor = self.requests.find({"to_user_id": user_id, "state": PENDING})
        return await cursor.to_list(length=None)

    async def outgoing(self, user_id: str) -> list[Document]:
        cursor = self.requests.find({"from_user_id": user_id})
        return await cursor.to_list(length=None)

    async def settle(
        self, request_id: str, state: str, at: datetime, unit: str | None = None, **fields: str
    ) -> None:
        update = {"$set": {"state": state, "settled_at": at, **fields}}
        await self.requests.update_one({"_id": request_id}, stamp(update, unit) if unit else update)

    async def forget_person(self, user_id: str) -> None:
        """Requests from or to an erased person, with their reasons and first messages."""
        await self.requests.delete_many({"from_user_id": user_id})
        await self.requests.delete_many({"to_user_id": user_id})
