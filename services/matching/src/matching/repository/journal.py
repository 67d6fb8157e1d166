"""The journal: how every instance learns what changed in the others' in-memory index.

Each instance (writer) numbers its own records 1, 2, 3, ... (`_id = "{writer}:{n}"`) and keeps a
head document saying "all my records up to n are written (or will never be)". Readers fetch the
heads (a handful of documents), then each new record by `_id`. Only `_id` lookups: FerretDB 1.24
answers nothing else from an index, so a "records since" query would scan the whole journal on
every poll. Records carry index *deltas* (this person joined that group, these two are now
connected), which every instance applies to its own index, so nobody re-reads projections.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jobfriends_shared.mongo import Database, Document

RECORDS = "journal"
HEADS = "journal_heads"


def record_id(writer: str, n: int) -> str:
    return f"{writer}:{n:012d}"


class JournalRepository:
    def __init__(self, db: Database) -> None:
        self.records = db[RECORDS]
        self.heads = db[HEADS]

    async def register(self, writer: str, at: datetime) -> None:
        await self.heads.replace_one({"_id": writer}, {"n": 0, "at": at}, upsert=True)

    async def append(
        self, writer: str, n: int, ops: Sequence[Document], seq: int, at: datetime
    ) -> None:
        await self.records.insert_one(
            {"_id": record_id(writer, n), "ops": list(ops), "seq": seq, "at": at}
        )

    async def advance(self, writer: str, n: int, at: datetime) -> None:
        """Only this writer updates its head, and never backwards (`$max`)."""
        await self.heads.update_one(
            {"_id": writer}, {"$max": {"n": n}, "$set": {"at": at}}, upsert=True
        )

    async def all_heads(self) -> dict[str, int]:
        return {str(d["_id"]): int(d["n"]) async for d in self.heads.find({})}

    async def record(self, writer: str, n: int) -> Document | None:
        return await self.records.find_one({"_id": record_id(writer, n)})
