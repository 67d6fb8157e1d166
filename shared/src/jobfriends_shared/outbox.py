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

The fast path never reads the outbox back: `commit` hands the unit's entries to this process's
relay in memory, and after publishing the relay records the unit as published with one small
insert and deletes its entries by `_id` (each batched). The recovery pass reads old committed
entries back: units recorded as published are deleted (their fast-path delete failed), the
others (left by a crashed process or a failed publish) are published. FerretDB does
per-document work for every update, pushes no `$in`, range or sort down to its backend (it
reads every document its equality conditions leave, then matches and sorts in memory), so the
hot path avoids all three; and the recovery pass's range stays cheap only while the collection
holds just the entries not yet published. Several events committed at once are stored as one
entry (`_bundle`). (docs/store.md: what FerretDB answers from an index.)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import bson
from bson import Binary
from pymongo import ASCENDING, DeleteOne
from pymongo.errors import BulkWriteError

from jobfriends_shared.clock import Clock
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Database, Document, by_ids
from jobfriends_shared.observability import trace_headers

COLLECTION = "outbox"
# An entry is pending until its unit's state change is known to be written, then committed;
# that it was published is recorded per unit in `outbox_published`, after which the recovery
# pass deletes the unit's entries.
PENDING, COMMITTED, ABANDONED = "pending", "committed", "abandoned"
UNITS_FIELD = "_units"
# What differs between the events of one unit; the rest of an entry is the unit's.
_PER_EVENT = ("_id", "seq", "key", "type", "version", "correlation_id", "value")
BUNDLE_EVENTS = 500
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


def _bundle(bundle_id: str, docs: list[Document]) -> Document:
    """Several events committed at once (`emit`, e.g. a batch of announcements) stored as one
    entry (`_id` = the unit's id and a part number), their own fields packed in one binary
    field; up to `BUNDLE_EVENTS` a bundle, so one stays far below the store's document size
    limit. FerretDB 1.24 pays per document and per field on every insert and delete: a
    hundred entries, inserted and later deleted, cost ~0.2 s of store time, one bundle a few
    milliseconds. In memory and to the relay a bundle is its events, each with the bundle's
    `_id` (`entries`)."""
    events = [{k: d[k] for k in _PER_EVENT} for d in docs]
    shared = {k: v for k, v in docs[0].items() if k not in _PER_EVENT}
    return {
        **shared,
        "_id": bundle_id,
        "seq": docs[0]["seq"],
        "events": bson.encode({"e": events}),
    }


def entries(doc: Document) -> list[Document]:
    """A stored entry as the events it holds (one, or a bundle's), each keeping the stored
    `_id` (what `Outbox.forget` deletes)."""
    packed = doc.get("events")
    if packed is None:
        return [doc]
    shared = {k: v for k, v in doc.items() if k != "events"}
    return [{**shared, **e, "_id": doc["_id"]} for e in bson.decode(bytes(packed))["e"]]


def _next_seq() -> int:
    # Microseconds with a per-process counter: orders entries of one process strictly, and those
    # of different processes roughly by time (per-aggregate writes are rarely concurrent).
    return time.time_ns() // 1000 * 1000 + next(_seq) % 1000


class Outbox:
    def __init__(self, db: Database, clock: Clock, topic_prefix: str = "") -> None:
        self._coll = db[COLLECTION]
        self._published = db[f"{COLLECTION}_published"]
        self._db = db
        self._clock = clock
        self._prefix = topic_prefix
        # Units staged here and not yet settled, with their entries.
        self._staged: dict[str, list[Document]] = {}
        # Units handed to this process's relay and not yet recorded as published: the recovery
        # pass leaves them alone, so a fresh unit is not published twice by both paths.
        self.in_flight: set[str] = set()
        # Units ready to publish, in commit order. Bounded: when full, entries wait for the
        # relay's recovery scan instead of growing memory.
        self.ready: asyncio.Queue[list[Document]] = asyncio.Queue(maxsize=10_000)

    def now(self) -> datetime:
        return self._clock.now()

    async def ensure_indexes(self) -> None:
        await self._coll.create_index([("state", ASCENDING), ("staged_at", ASCENDING)])
        await self._coll.create_index([("unit", ASCENDING)])
        await self._published.create_index([("at", ASCENDING)])

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
        trace = trace_headers()
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
                "trace": trace,
            }
            for event in events
        ]
        if state == COMMITTED and len(docs) > 1:  # stored as bundles: see `_bundle`
            parts = [docs[i : i + BUNDLE_EVENTS] for i in range(0, len(docs), BUNDLE_EVENTS)]
            bundles = [_bundle(f"{unit}.{n}", part) for n, part in enumerate(parts)]
            await self._coll.insert_many(bundles, ordered=True)
            docs = [
                {**d, "_id": b["_id"]} for b, part in zip(bundles, parts, strict=True) for d in part
            ]
        elif docs:
            await self._coll.insert_many(docs, ordered=True)
        if state == COMMITTED:
            self._hand_over(docs)
        else:
            self._staged[unit] = docs
        return unit

    def _hand_over(self, docs: list[Document]) -> None:
        if docs and not self.ready.full():
            self.in_flight.add(str(docs[0]["unit"]))
            self.ready.put_nowait(docs)

    async def commit(self, unit: str) -> None:
        staged = self._staged.pop(unit, None)
        await self._settle(unit, staged, COMMITTED)
        self._hand_over(staged or [])

    async def abandon(self, unit: str) -> None:
        await self._settle(unit, self._staged.pop(unit, None), ABANDONED)

    async def _settle(self, unit: str, staged: list[Document] | None, state: str) -> None:
        """Only while still pending (a sweeper may have settled the unit meanwhile). By `_id`
        when this process staged the unit, one entry at a time (FerretDB updates each document
        on its own anyway, and its `_id` lookup is the cheapest); by unit otherwise (the
        sweeper settling another process's unit, a rare path)."""
        update = {"$set": {"state": state}}
        if staged is None:
            await self._coll.update_many({"unit": unit, "state": PENDING}, update)
            return
        await asyncio.gather(
            *(self._coll.update_one({"_id": d["_id"], "state": PENDING}, update) for d in staged)
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

    async def committed_before(self, cutoff: datetime, limit: int) -> list[Document]:
        """Recovery: committed entries older than `cutoff`, oldest first within the batch.

        The read is unsorted (FerretDB would read every matching entry to sort them, whatever
        the limit); the batch is sorted here."""
        cursor = self._coll.find({"state": COMMITTED, "staged_at": {"$lt": cutoff}}).limit(limit)
        found = await cursor.to_list(length=limit)
        return sorted((e for d in found for e in entries(d)), key=lambda d: d["seq"])

    async def record_published(self, units: Sequence[str]) -> None:
        """The fast path's only write: one small insert per published unit, in one batch.
        (Per-entry updates cost a round of FerretDB's per-document work each.)"""
        now = self._clock.now()
        with contextlib.suppress(BulkWriteError):  # a twin relay recorded some already
            await self._published.insert_many([{"_id": u, "at": now} for u in units], ordered=False)

    async def published_units(self, units: Sequence[str]) -> set[str]:
        return set(await by_ids(self._published, units, {"_id": 1}))

    async def forget(self, ids: Sequence[str]) -> None:
        """Delete settled entries by `_id` (FerretDB's cheapest lookup), all in one
        command: measured on FerretDB 1.24, 100 deletes took ~0.05 s in one command and
        ~0.15 s as 100 concurrent ones (which every other write then queued behind)."""
        ops = [DeleteOne({"_id": i}) for i in dict.fromkeys(ids)]
        if ops:
            await self._coll.bulk_write(ops, ordered=False)

    async def sweep_stale(self, grace: timedelta) -> tuple[int, int]:
        """Settle units whose writer died: commit if the aggregate carries the stamp."""
        cutoff = self._clock.now() - grace
        stale = (
            await self._coll.find(
                {"state": PENDING, "staged_at": {"$lt": cutoff}},
                {"unit": 1, "collection": 1, "aggregate_id": 1},
            )
            .limit(1000)
            .to_list(length=1000)
        )  # a cursor left half-read holds a FerretDB connection
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

    async def purge(self, older_than: timedelta) -> int:
        """Drop abandoned entries and old published-unit records."""
        cutoff = self._clock.now() - older_than
        gone = await self._coll.delete_many({"state": ABANDONED, "staged_at": {"$lt": cutoff}})
        await self._published.delete_many({"at": {"$lt": cutoff}})
        return gone.deleted_count

    async def entries_of(self, unit: str) -> list[Document]:
        found = await self._coll.find({"unit": unit}).to_list()
        return sorted((e for d in found for e in entries(d)), key=lambda d: d["seq"])

    async def backlog(self) -> tuple[int, float]:
        """Entries not yet settled (waiting, or published but not yet deleted; a bundle counts
        once) and the age in seconds of the oldest (for metrics)."""
        waiting = await self._coll.count_documents({"state": {"$in": [PENDING, COMMITTED]}})
        oldest = await self._coll.find_one({"state": {"$in": [PENDING, COMMITTED]}})
        age = 0.0
        if oldest is not None:
            age = max(0.0, (self._clock.now() - oldest["staged_at"]).total_seconds())
        return waiting, age
