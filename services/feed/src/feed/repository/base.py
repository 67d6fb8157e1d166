"""Query helpers every feed repository shares, and the FerretDB facts that shaped them.

FerretDB 1.24 pushes no `$in` and no range down to its storage: `$in` on `_id` reads and
decodes the whole collection (on SQLite, our fallback, so does every filter but `_id`
equality; docs/store.md). MongoDB uses the indexes we declare, so the queries stay ordinary;
but on hot read paths that need a handful of known documents we fetch them by concurrent `_id`
point reads (`by_ids`), which costs the same on every store whatever the collection's size.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

from jobfriends_shared.mongo import Collection, Document
from pymongo.errors import DuplicateKeyError, OperationFailure

from feed.repository.memory import MEMORY_READS, CachedCollection

_CONCURRENT_READS = 32


async def by_ids(
    coll: Collection, ids: Iterable[str], projection: Document | None = None
) -> dict[str, Document]:
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Document] = {}
    if isinstance(coll, CachedCollection):
        found, wanted = coll.remembered(wanted, projection)
    for start in range(0, len(wanted), _CONCURRENT_READS):
        chunk = wanted[start : start + _CONCURRENT_READS]
        docs = await asyncio.gather(*(coll.find_one({"_id": i}, projection) for i in chunk))
        found.update({i: d for i, d in zip(chunk, docs, strict=True) if d is not None})
    return found


async def reads(*reads: Awaitable[Any]) -> list[Any]:
    """`asyncio.gather` for reads. While a GET is answered, reads are mostly answered from
    memory without waiting, and a task apiece (a turn of the event loop each) costs more than
    the reads themselves: they are awaited one after another then. Otherwise, together."""
    if MEMORY_READS.get():
        return [await r for r in reads]
    return list(await asyncio.gather(*reads))


async def upsert(coll: Collection, doc_id: str, update: Document) -> None:
    """`update_one(upsert=True)`, tolerating the race of two first writers of one id: the
    loser's insert fails (FerretDB reports it as a generic error rather than 11000), and
    repeating the update then finds the document."""
    try:
        await coll.update_one({"_id": doc_id}, update, upsert=True)
    except OperationFailure:  # DuplicateKeyError is one too
        await coll.update_one({"_id": doc_id}, update, upsert=True)


async def insert_new(coll: Collection, doc: Document) -> bool:
    """Insert; False when a document with this `_id` exists (a repeat, not an error)."""
    try:
        await coll.insert_one(doc)
    except DuplicateKeyError:
        return False
    return True


async def replace(coll: Collection, doc_id: str, doc: Document) -> None:
    """`replace_one(upsert=True)` with the same tolerance as `upsert`."""
    try:
        await coll.replace_one({"_id": doc_id}, doc, upsert=True)
    except OperationFailure:
        await coll.replace_one({"_id": doc_id}, doc, upsert=True)
