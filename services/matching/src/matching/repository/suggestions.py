"""Stored suggestion lists: one document per person (`_id` = user id), replaced whole by
whoever recomputed it last. A cache, so last writer wins is correct: every writer computed from
current truth. Lists hold ids and scores; explanations are made when a page is read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from jobfriends_shared.mongo import Database, Document
from jobfriends_shared.outbox import marked
from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

SUGGESTIONS = "suggestions"
LEASES = "leases"


class SuggestionRepository:
    def __init__(self, db: Database) -> None:
        self.suggestions = db[SUGGESTIONS]
        self.leases = db[LEASES]

    async def ensure_indexes(self) -> None:
        return None

    async def list_of(self, user_id: str) -> Document | None:
        return await self.suggestions.find_one({"_id": user_id})

    def all_lists(self) -> AsyncIterator[Document]:
        return self.suggestions.find({}, {"lists": 1}).batch_size(2000)

    async def write(self, docs: Sequence[Document], unit: str | None = None) -> None:
        """Replace lists in order; the last one carries the outbox stamp last, so a stamped
        last document proves all of them were written. Without a unit: announced after the
        write instead (see `SuggestionService._store`)."""
        stamp = marked(unit) if unit else {}
        docs = [{**d, **stamp} for d in docs]
        ops = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs]
        if not ops:
            return
        try:
            await self.suggestions.bulk_write(ops, ordered=True)
        except (BulkWriteError, KeyError):
            # Two writers upserting a person's *first* list at once: both try to insert, one
            # loses on `_id`. MongoDB says so (E11000); FerretDB answers with a reply PyMongo
            # cannot parse (KeyError 'nModified'). The list exists now, so one by one again.
            for d in docs:
                await self._replace(d)

    async def _replace(self, doc: Document) -> None:
        try:
            await self.suggestions.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        except OperationFailure:  # lost the insert race just now: it is a replacement
            await self.suggestions.replace_one({"_id": doc["_id"]}, doc)

    async def take_lease(self, lease: str, holder: str, at: datetime) -> bool:
        """The first instance to insert a lease does the job it names; the others skip it."""
        try:
            await self.leases.insert_one({"_id": lease, "holder": holder, "at": at})
        except DuplicateKeyError:
            return False
        return True

    async def purge_leases(self, before: datetime) -> None:
        await self.leases.delete_many({"at": {"$lt": before}})

    async def delete(self, user_id: str) -> None:
        await self.suggestions.delete_one({"_id": user_id})
