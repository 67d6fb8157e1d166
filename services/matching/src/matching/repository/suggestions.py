"""Stored suggestion lists: one document per person (`_id` = user id), replaced whole by
whoever recomputed it last. A cache, so last writer wins is correct: every writer computed from
current truth. Lists hold ids and scores; explanations are made when a page is read.

The lists are stored as one JSON string (`packed`), not as nested documents: FerretDB 1.24
converts every field of a document on each write and read, and a person's four lists are ~240
fields. Measured, 100 replacements of such lists: ~0.5-0.9 s nested, ~0.1 s packed (reading
them all back: ~1 s against ~0.05 s). Storing lists is most of what the store does after a
change (every affected list that changed is one replacement), so this is what the neighbours'
refreshes wait on. Nothing queries inside the lists. Documents written before they were packed
(a `lists` field) are still read.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from jobfriends_shared.mongo import Database, Document
from jobfriends_shared.outbox import marked
from pymongo import ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

SUGGESTIONS = "suggestions"
LEASES = "leases"


def _packed(doc: Document) -> Document:
    out = {k: v for k, v in doc.items() if k != "lists"}
    out["packed"] = json.dumps(doc.get("lists", {}), separators=(",", ":"))
    return out


def _unpacked(doc: Document) -> Document:
    packed = doc.get("packed")
    if packed is None:
        return doc  # written before lists were packed
    out = {k: v for k, v in doc.items() if k != "packed"}
    out["lists"] = json.loads(packed)
    return out


class SuggestionRepository:
    def __init__(self, db: Database) -> None:
        self.suggestions = db[SUGGESTIONS]
        self.leases = db[LEASES]

    async def ensure_indexes(self) -> None:
        return None

    async def list_of(self, user_id: str) -> Document | None:
        """The stored lists (`lists`: intent -> items of `user_id` and `score`)."""
        doc = await self.suggestions.find_one({"_id": user_id})
        return None if doc is None else _unpacked(doc)

    async def all_lists(self) -> AsyncIterator[Document]:
        """Every stored list (read to the end by its caller: a cursor left half-read holds a
        FerretDB connection)."""
        fields = {"lists": 1, "packed": 1, "signature": 1}
        async for doc in self.suggestions.find({}, fields).batch_size(2000):
            yield _unpacked(doc)

    async def write(self, docs: Sequence[Document], unit: str | None = None) -> None:
        """Replace lists in order; the last one carries the outbox stamp last, so a stamped
        last document proves all of them were written. Without a unit: announced after the
        write instead (see `SuggestionService._store`)."""
        stamp = marked(unit) if unit else {}
        docs = [{**_packed(d), **stamp} for d in docs]
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

    async def delete(self, user_id: str) -> None:
        await self.suggestions.delete_one({"_id": user_id})
