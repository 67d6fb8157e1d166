"""MongoDB client plumbing on PyMongo's asyncio API, and the store adapter's generic
stand-ins (id lists, compare-and-set by insert, racing upserts, bulk sets sparing tombstones).
What each stands in for, and the rest of them: `standins.py`.

Only features that FerretDB 1.24 and MongoDB share are used: no transactions, no TTL or partial
indexes, no change streams. Correctness under concurrency rests on unique indexes on insert,
never on atomic read-modify-write updates (FerretDB does those without a lock, on PostgreSQL
as on SQLite: docs/store.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]


# Concurrent operations per process. FerretDB holds a connection of its own pool towards its
# backend for every cursor not yet read to the end, while the cursor's owner may wait for
# another operation: clients allowed too many operations at once can drain that pool and stall
# each other. On PostgreSQL the pool is shared by all clients (200 connections, set in
# infra/bin/postgres.sh); on SQLite each database has one (2,000, patched). Sixteen per process
# keeps a machine's services and tests well below either.
MAX_POOL = 16


def mongo_client(url: str, app_name: str) -> AsyncMongoClient[Document]:
    # retryWrites off: FerretDB does not dedupe retried writes, so a retry could apply twice.
    return AsyncMongoClient(
        url,
        appname=app_name,
        retryWrites=False,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        maxPoolSize=MAX_POOL,
    )


async def ping(db: Database) -> bool:
    try:
        reply = await db.command("ping")
    except Exception:
        return False
    return bool(reply.get("ok"))


# Ids a query asks for at once: our FerretDB build answers `{_id: {$in: [...]}}` from the `_id`
# index for up to 1,000 strings (infra/bin/ferretdb_patches.py); MongoDB for any number.
IDS_PER_QUERY = 1000


async def by_ids(
    coll: Collection, ids: Iterable[str], projection: Document | None = None
) -> dict[str, Document]:
    """The documents with these ids that exist, by id: one `$in` query per 1,000 ids. (FerretDB
    as released, and its SQLite backend, read every document for `$in`: docs/store.md.)"""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Document] = {}
    for start in range(0, len(wanted), IDS_PER_QUERY):
        chunk = wanted[start : start + IDS_PER_QUERY]
        async for doc in coll.find({"_id": {"$in": chunk}}, projection):
            found[str(doc["_id"])] = doc
    return found


def merged_by_key(changes: Iterable[tuple[str, Document]]) -> dict[str, Document]:
    """One set of fields per key, later fields over earlier ones: what applying a batch's
    `$set`s about one key in turn would leave."""
    merged: dict[str, Document] = {}
    for key, fields in changes:
        merged[key] = {**merged.get(key, {}), **fields}
    return merged


async def set_unless_tombstoned(coll: Collection, changes: Mapping[str, Document]) -> int:
    """`$set` each document's fields (creating it if missing) in one bulk write, except on
    tombstones (`deleted: true`, left by an erasure so a late event cannot bring the person or
    post back). `changes` holds one entry per id, later fields already merged over earlier ones,
    as a batch of events about one key would apply them in turn. Returns how many it wrote."""
    if not changes:
        return 0
    existing = await by_ids(coll, changes, {"deleted": 1})
    writes = [
        UpdateOne({"_id": key}, {"$set": fields}, upsert=True)
        for key, fields in changes.items()
        if not existing.get(key, {}).get("deleted")
    ]
    if writes:
        await coll.bulk_write(writes, ordered=False)
    return len(writes)


async def insert_new(coll: Collection, doc: Document) -> bool:
    """Insert; False when a document with this `_id` exists (a repeat, not an error). The
    building block of every compare-and-set by insert: FerretDB applies updates without a lock,
    so what must not be lost is written as a new document whose `_id` only one writer gets."""
    try:
        await coll.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def upsert(coll: Collection, doc_id: str, update: Document) -> None:
    """`update_one(upsert=True)`, tolerating the race of two first writers of one id: the
    loser's insert fails (FerretDB reports it as a generic error rather than 11000), and
    repeating the update then finds the document. (MongoDB retries such an upsert itself.)"""
    try:
        await coll.update_one({"_id": doc_id}, update, upsert=True)
    except OperationFailure:  # DuplicateKeyError is one too
        await coll.update_one({"_id": doc_id}, update, upsert=True)


async def replace(coll: Collection, doc_id: str, doc: Document) -> None:
    """`replace_one(upsert=True)` with the same tolerance as `upsert`."""
    try:
        await coll.replace_one({"_id": doc_id}, doc, upsert=True)
    except OperationFailure:
        await coll.replace_one({"_id": doc_id}, doc, upsert=True)
