"""Read helpers every feed repository shares: point reads that go through this instance's
in-memory copies (`by_ids`), and reads awaited in turn while a GET is answered from memory.

Why point reads: FerretDB 1.24 as released reads and decodes a whole collection for `$in`
(our build answers `_id` lists from the index, the SQLite fallback does not; docs/store.md),
and a copy in memory can only answer a read by `_id`. MongoDB would answer a `$in` from the
`_id` index. (Stand-ins for what FerretDB lacks: `jobfriends_shared.standins`.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any

from jobfriends_shared.mongo import Collection, Document

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
