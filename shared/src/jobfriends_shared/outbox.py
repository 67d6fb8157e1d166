"""Transactional outbox that needs no transactions.

FerretDB has no multi-document transactions and no locked read-modify-write, so a state change
and its events cannot be written atomically together. Instead:

1. `stage` inserts the events as *pending* outbox entries of one unit (inserts are atomic);
2. the use case writes its state change and stamps the aggregate document with the unit id
   (`stamp(update, unit)` or `marked(unit)` for inserts), in the same single-document write;
3. `commit` flips the unit to *committed*; the relay publishes only committed entries.

If the process dies after 1, the relay's sweeper later looks at the aggregate: a stamped document
means the state change happened, so the unit is committed and published; an unstamped one means
it did not, so the unit is abandoned. Either way no event is lost and none is invented.
Publishing is at-least-once; consumers dedupe by event id.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from bson import Binary
from pymongo import ASCENDING

from jobfriends_shared.clock import Clock
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database, Document

COLLECTION = "outbox"
PENDING, COMMITTED, PUBLISHED, ABANDONED = "pending", "committed", "published", "abandoned"
UNITS_FIELD = "_units"
_SLOTS = 64
_seq = itertools.count()


def _slot(unit: str) -> str:
    return f"{UNITS_FIELD}.s{int(unit[:8], 16) % _SLOTS}"


def stamp(update: Document, unit: str) -> Document:
    """`update` (an update document such as `{"$set": {...}}`) plus the stamp of the unit that
    makes this change, merged into its `$set`.

    Stamps live in a fixed set of slots picked by the unit id, so a document's stamps stay
    bounded without `$push`+`$slice` (FerretDB ignores `$slice`) and without reading first. A later
    unit can overwrite a slot, which only matters if a writer died *and* another unit landing in
    the same slot (1 in 64) changed the same document within the relay's grace period.
    """
    return {**update, "$set": {**update.get("$set", {}), _slot(unit): unit}}


def marked(unit: str) -> Document:
    """Fields for a freshly inserted (or replaced) aggregate document."""
    return {UNITS_FIELD: {_slot(unit).split(".", 1)[1]: unit}}


def stamped_by(unit: str) -> Document:
    """Query that matches the aggregate document if `unit`'s state change was written."""
    return {_slot(unit): unit}


def _next_seq() -> int:
    # Microseconds with a per-process counter: orders entries of one process strictly, and those
    # of different processes roughly by time (per-aggregate writes are rarely concurrent).
    return time.time_ns() // 1000 * 1000 + next(_seq) % 1000


class Outbox:
    def __init__(self, db: Database, clock: Clock, topic_prefix: str = "") -> None:
        self._coll = db[COLLECTION]
        self._db = db
        self._clock = clock
        self._prefix = topic_prefix
        self.wakeup = asyncio.Event()

    async def ensure_indexes(self) -> None:
        await self._coll.create_index([("state", ASCENDING), ("seq", ASCENDING)])
        await self._coll.create_index([("unit", ASCENDING)])

    async def stage(
        self,
        events: Sequence[Envelope],
        *,
        topic: str,
        collection: str | None = None,
        aggregate_id: Any = None,
    ) -> str:
        """Record events as pending; without an aggregate they are committed at once."""
        unit = uuid.uuid4().hex
        now = self._clock.now()
        state = PENDING if collection else COMMITTED
        docs = [
            {
                "_id": str(event.id),
                "unit": unit,
                "seq": _next_seq(),
                "state": state,
                "staged_at": now,
                "topic": f"{self._prefix}{topic}",
                "key": event.key,
                "type": event.type,
                "version": event.version,
                "correlation_id": event.correlation_id,
                "value": Binary(event.to_bytes()),
                "collection": collection,
                "aggregate_id": aggregate_id,
            }
            for event in events
        ]
        if docs:
            await self._coll.insert_many(docs, ordered=True)
        if state == COMMITTED:
            self.wakeup.set()
        return unit

    async def commit(self, unit: str) -> None:
        await self._coll.update_many(
            {"unit": unit, "state": PENDING}, {"$set": {"state": COMMITTED}}
        )
        self.wakeup.set()

    async def abandon(self, unit: str) -> None:
        await self._coll.update_many(
            {"unit": unit, "state": PENDING}, {"$set": {"state": ABANDONED}}
        )

    @asynccontextmanager
    async def unit(
        self,
        events: Sequence[Envelope],
        *,
        topic: str,
        collection: str,
        aggregate_id: Any,
    ) -> AsyncIterator[str]:
        """Stage, let the caller write its stamped state change, then commit."""
        unit = await self.stage(
            events, topic=topic, collection=collection, aggregate_id=aggregate_id
        )
        try:
            yield unit
        except BaseException:
            await asyncio.shield(self.abandon(unit))
            raise
        await self.commit(unit)

    async def emit(self, events: Sequence[Envelope], *, topic: str) -> None:
        """Events that change no state of ours (e.g. a reminder fell due)."""
        await self.stage(events, topic=topic)

    # --- used by the relay -------------------------------------------------------------------

    async def next_batch(self, limit: int) -> list[Document]:
        cursor = self._coll.find({"state": COMMITTED}).sort("seq", ASCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def mark_published(self, ids: Sequence[str]) -> None:
        await self._coll.update_many(
            {"_id": {"$in": list(ids)}},
            {"$set": {"state": PUBLISHED, "published_at": self._clock.now()}},
        )

    async def sweep_stale(self, grace: timedelta) -> tuple[int, int]:
        """Settle units whose writer died: commit if the aggregate carries the stamp."""
        cutoff = self._clock.now() - grace
        stale = await self._coll.find(
            {"state": PENDING, "staged_at": {"$lt": cutoff}},
            {"unit": 1, "collection": 1, "aggregate_id": 1},
        ).to_list(length=1000)
        committed = abandoned = 0
        for unit, doc in {d["unit"]: d for d in stale}.items():
            stamped = await self._db[doc["collection"]].find_one(
                {"_id": doc["aggregate_id"], **stamped_by(unit)}, {"_id": 1}
            )
            if stamped:
                await self.commit(unit)
                committed += 1
            else:
                await self.abandon(unit)
                abandoned += 1
        return committed, abandoned

    async def purge_published(self, older_than: timedelta) -> int:
        cutoff = self._clock.now() - older_than
        result = await self._coll.delete_many(
            {"state": {"$in": [PUBLISHED, ABANDONED]}, "staged_at": {"$lt": cutoff}}
        )
        return result.deleted_count

    async def backlog(self) -> tuple[int, float]:
        """Entries waiting to be published and the age in seconds of the oldest (for metrics)."""
        waiting = await self._coll.count_documents({"state": {"$in": [PENDING, COMMITTED]}})
        oldest = await self._coll.find_one(
            {"state": {"$in": [PENDING, COMMITTED]}}, sort=[("seq", ASCENDING)]
        )
        age = 0.0
        if oldest is not None:
            age = max(0.0, (self._clock.now() - oldest["staged_at"]).total_seconds())
        return waiting, age
