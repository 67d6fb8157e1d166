"""MongoDB client plumbing on PyMongo's asyncio API.

Only features that FerretDB 1.24 and MongoDB share are used: no transactions, no TTL or partial
indexes, no change streams. Correctness under concurrency rests on unique indexes on insert,
never on atomic read-modify-write updates (FerretDB does those without a lock).
"""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]


# Concurrent operations per process. FerretDB's SQLite backend gives each database a pool of
# 100 connections, and an open cursor holds one while its owner may wait for another: a client
# allowed 100 operations at once can exhaust that pool and deadlock the database for everyone
# (seen under load). Well below it, the pool cannot run dry.
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
