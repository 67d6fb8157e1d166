"""Reminders already sent: one document per person, lead and start time, created once.

The deterministic `_id` (see `domain.attendance.reminder_id`) plus a unique insert is what makes
the scheduler safe to run on several instances and to repeat after a restart.
"""

from __future__ import annotations

from datetime import datetime

from jobfriends_shared.mongo import Database, Document
from jobfriends_shared.outbox import marked
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

REMINDERS = "reminders"


class ReminderStore:
    def __init__(self, db: Database) -> None:
        self.coll = db[REMINDERS]

    async def ensure_indexes(self) -> None:
        await self.coll.create_index(
            [("event_id", ASCENDING), ("lead", ASCENDING), ("starts_at", ASCENDING)]
        )
        await self.coll.create_index("user_id")

    async def sent(self, event_id: str, lead: str, starts_at: datetime) -> set[str]:
        cursor = self.coll.find(
            {"event_id": event_id, "lead": lead, "starts_at": starts_at}, {"user_id": 1}
        )
        return {d["user_id"] for d in await cursor.to_list(length=None)}

    async def record(self, doc: Document, unit: str) -> bool:
        try:
            await self.coll.insert_one({**doc, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def erase_user(self, user_id: str) -> None:
        await self.coll.delete_many({"user_id": user_id})

    async def erase_event(self, event_id: str) -> None:
        await self.coll.delete_many({"event_id": event_id})
