"""MongoDB client plumbing on PyMongo's asyncio API.

Only features that FerretDB 1.24 and MongoDB share are used: no transactions, no TTL or partial
indexes, no change streams. Correctness under concurrency rests on unique indexes on insert,
never on atomic read-modify-write updates (FerretDB does those without a lock, on PostgreSQL
as on SQLite: docs/store.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

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
