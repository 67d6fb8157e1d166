"""Copies of stored documents kept in this instance's memory, and how they are kept right.

Why: a home page costs about ninety point reads (its posts, their counts, the reader's own
reactions, the author cards and the relations that decide visibility), each one a round trip to
the store. Almost all of them are read far more often than they change, so each instance keeps
what it read, and a page costs one query for the timeline's entries plus what changed since.

Who reads from memory: only what answers a GET (`MEMORY_READS`, set per request by the API).
Consumers, jobs and every request that changes something read the store, because what they
decide is written back (an audience patched from a membership, a follow switched on): a copy
an announcement has not reached yet must not become stored state.

What keeps a copy right:
- Only point reads (`find_one({"_id": x})`) are answered from memory; every other query goes to
  the store. An absent document is remembered too (most block and follow edges do not exist).
- Every write through a `CachedCollection` drops the written ids here *after* the store has
  them (a filter that does not name its ids drops the whole collection) and hands them to
  `announce`, which tells the other instances (`feed.cache`, a broadcast subscription). An
  instance that drops a copy on hearing it re-reads the store, where the write already is.
- A read that overlaps a drop of its document is returned but not kept: it may have read the
  version from before the write. Readers missing one document together share one read.
- Every copy expires within `seconds` (at a random point of its last quarter, so that copies
  read together are not all read again together). That bounds how long an instance can serve
  an old version if an announcement is lost (a crash between a write and its send); it is not
  what keeps the copies fresh while everything works.
- Copies are shallow-copied out, so a caller that adds a field cannot change what others read.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jobfriends_shared.mongo import Database, Document
from pymongo.asynchronous.collection import AsyncCollection

MEMORY_READS: ContextVar[bool] = ContextVar("memory_reads", default=False)
Key = tuple[str, str]
# (collection, ids or None for "any of them") -> tell the other instances
Announce = Callable[[str, list[str] | None], None]


@dataclass
class _Flight:
    started: int  # the cache's tick when the load began
    epoch: int
    future: asyncio.Future[Document | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass
class _Copy:
    doc: Document | None
    expires: float
    epoch: int  # of its collection when read: a write to "any document" bumps the epoch


class DocumentCache:
    def __init__(
        self,
        max_entries: int,
        seconds: float,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.seconds = seconds
        self.announce: Announce | None = None
        # Until the instance hears announcements (its broadcast subscription is assigned),
        # nothing is kept: a copy taken before could miss the news of its own change.
        self.hearing: Callable[[], bool] = lambda: True
        self._heard = False
        self.hits: Counter[str] = Counter()  # by collection
        self.misses: Counter[str] = Counter()
        self._now = now
        self._copies: OrderedDict[Key, _Copy] = OrderedDict()
        self._flights: dict[Key, _Flight] = {}  # the newest load under way, to share
        self._loads: dict[Key, int] = {}  # loads under way
        self._dropped: dict[Key, int] = {}  # tick of the last drop of a key under load
        self._tick = 0
        self._epochs: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.max_entries > 0

    def __len__(self) -> int:
        return len(self._copies)

    async def get(
        self, collection: str, doc_id: str, load: Callable[[], Awaitable[Document | None]]
    ) -> Document | None:
        """The document from memory, or from `load` (kept unless it was written meanwhile).

        Readers that miss the same document together share one load, unless it began before
        the document's last write: who writes and then reads must see their write."""
        if not self.enabled or not self._hears():
            return await load()
        key = (collection, doc_id)
        known, _ = self.peek(collection, (doc_id,))
        if known:
            return known[doc_id]
        self.misses[collection] += 1
        flight = self._flights.get(key)
        if flight is not None and self._current(key, flight):
            await asyncio.wait((flight.future,))
            if not flight.future.cancelled() and flight.future.exception() is None:
                return _out(flight.future.result())
            return await load()  # the shared load failed: this reader tries its own
        self._tick += 1
        flight = _Flight(self._tick, self._epochs.get(collection, 0))
        self._flights[key] = flight
        self._loads[key] = self._loads.get(key, 0) + 1
        try:
            doc = await load()
        except BaseException as exc:
            if isinstance(exc, Exception):
                flight.future.set_exception(exc)
                flight.future.exception()  # joiners retry; nothing left unretrieved
            else:
                flight.future.cancel()
            raise
        else:
            flight.future.set_result(doc)
            if self._current(key, flight):
                self._keep(key, doc, flight.epoch)
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
            self._loads[key] -= 1
            if not self._loads[key]:  # an older load still running needs the drop's tick
                del self._loads[key]
                self._dropped.pop(key, None)
        return _out(doc)

    def _current(self, key: Key, flight: _Flight) -> bool:
        """No write of the document landed since the load began."""
        return (
            self._dropped.get(key, -1) < flight.started
            and self._epochs.get(key[0], 0) == flight.epoch
        )

    def peek(
        self, collection: str, ids: Iterable[str]
    ) -> tuple[dict[str, Document | None], list[str]]:
        """What memory alone knows of these documents ({id: document or None if absent}) and
        the ids it does not know: a caller reads many documents without a task for each."""
        if not self.enabled or not self._heard:
            return {}, list(ids)
        now, epoch = self._now(), self._epochs.get(collection, 0)
        copies = self._copies
        known: dict[str, Document | None] = {}
        unknown: list[str] = []
        for doc_id in ids:
            key = (collection, doc_id)
            copy = copies.get(key)
            if copy is None or copy.expires <= now or copy.epoch != epoch:
                unknown.append(doc_id)
            else:
                copies.move_to_end(key)
                known[doc_id] = _out(copy.doc)
        self.hits[collection] += len(known)
        return known, unknown

    def _hears(self) -> bool:
        self._heard = self._heard or self.hearing()
        return self._heard

    def changed(self, collection: str, ids: Iterable[str] | None) -> None:
        """A write of these documents (`None`: possibly any) reached the store here."""
        wanted = None if ids is None else list(dict.fromkeys(ids))
        self.drop(collection, wanted)
        if self.announce is not None and self.enabled:
            self.announce(collection, wanted)

    def drop(self, collection: str, ids: Iterable[str] | None) -> None:
        """Forget copies (on a write here, or announced by another instance)."""
        if ids is None:  # older copies stay until they make room, but are never used
            self._epochs[collection] = self._epochs.get(collection, 0) + 1
            return
        self._tick += 1
        for doc_id in ids:
            key = (collection, doc_id)
            self._copies.pop(key, None)
            if key in self._loads:
                self._dropped[key] = self._tick

    def _keep(self, key: Key, doc: Document | None, epoch: int) -> None:
        life = self.seconds * (0.75 + random.random() / 4)
        self._copies[key] = _Copy(doc, self._now() + life, epoch)
        self._copies.move_to_end(key)
        while len(self._copies) > self.max_entries:
            self._copies.popitem(last=False)


def _out(doc: Document | None) -> Document | None:
    return None if doc is None else dict(doc)


def _point_id(query: Any) -> str | None:
    """The id of a query that is exactly `{"_id": <str>}`, which memory can answer."""
    if isinstance(query, Mapping) and len(query) == 1:
        doc_id = query.get("_id")
        if isinstance(doc_id, str):
            return doc_id
    return None


def _written_ids(query: Any) -> list[str] | None:
    """The ids a write's filter confines it to; `None` when it may touch any document."""
    if not isinstance(query, Mapping):
        return None
    doc_id = query.get("_id")
    if isinstance(doc_id, str):
        return [doc_id]
    if isinstance(doc_id, Mapping) and set(doc_id) == {"$in"}:
        ids = list(doc_id["$in"])
        if all(isinstance(i, str) for i in ids):
            return ids
    return None


def _inclusion(projection: Any) -> tuple[bool, set[str]] | None:
    """A projection memory can apply: top-level fields only, all included (`_id` may be
    excluded). Returns (keep `_id`, fields), or `None` for anything else."""
    if projection is None:
        return True, set()
    if not isinstance(projection, Mapping):
        return None
    fields = {k for k, v in projection.items() if k != "_id"}
    if any("." in k or k.startswith("$") or projection[k] not in (1, True) for k in fields):
        return None
    return projection.get("_id", 1) not in (0, False), fields


def _project(doc: Document | None, keep_id: bool, fields: set[str]) -> Document | None:
    if doc is None:
        return None
    if fields:
        doc = {k: v for k, v in doc.items() if k in fields or k == "_id"}
    if not keep_id:
        doc.pop("_id", None)
    return doc


class CachedCollection(AsyncCollection[Document]):
    """A collection whose point reads go through a `DocumentCache` and whose writes drop and
    announce what they wrote. Everything else behaves exactly like the plain collection."""

    def __init__(self, db: Database, name: str, cache: DocumentCache) -> None:
        super().__init__(db, name)
        self._cache = cache

    async def find_one(self, filter: Any = None, *args: Any, **kwargs: Any) -> Document | None:
        doc_id = _point_id(filter) if MEMORY_READS.get() else None
        projection = args[0] if args else kwargs.get("projection")
        shape = _inclusion(projection)
        if doc_id is None or shape is None or args[1:] or set(kwargs) - {"projection"}:
            return await super().find_one(filter, *args, **kwargs)
        doc = await self._cache.get(self.name, doc_id, lambda: self._load(doc_id))
        return _project(doc, *shape)

    def remembered(
        self, ids: Iterable[str], projection: Document | None = None
    ) -> tuple[dict[str, Document], list[str]]:
        """The documents memory knows (absent ones left out) and the ids it does not know."""
        shape = _inclusion(projection)
        if shape is None or not MEMORY_READS.get():
            return {}, list(ids)
        known, unknown = self._cache.peek(self.name, ids)
        found = {k: _project(d, *shape) or {} for k, d in known.items() if d is not None}
        return found, unknown

    async def _load(self, doc_id: str) -> Document | None:
        return await super().find_one({"_id": doc_id})

    def _wrote(self, ids: list[str] | None) -> None:
        self._cache.changed(self.name, ids)

    # Every write drops what it wrote even when it fails: a failed bulk write may have written
    # part of its documents, and dropping a copy too many costs only a read.

    async def insert_one(self, document: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().insert_one(document, *args, **kwargs)
        finally:
            self._wrote(_written_ids({"_id": document.get("_id")}))

    async def insert_many(self, documents: Any, *args: Any, **kwargs: Any) -> Any:
        docs = list(documents)
        try:
            return await super().insert_many(docs, *args, **kwargs)
        finally:
            ids = [d.get("_id") for d in docs]
            self._wrote([str(i) for i in ids] if all(isinstance(i, str) for i in ids) else None)

    async def _write(
        self, method: Callable[..., Awaitable[Any]], filter: Any, *args: Any, **kwargs: Any
    ) -> Any:
        try:
            return await method(filter, *args, **kwargs)
        finally:
            self._wrote(_written_ids(filter))

    async def update_one(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().update_one, filter, *args, **kwargs)

    async def update_many(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().update_many, filter, *args, **kwargs)

    async def replace_one(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().replace_one, filter, *args, **kwargs)

    async def delete_one(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().delete_one, filter, *args, **kwargs)

    async def delete_many(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().delete_many, filter, *args, **kwargs)

    async def find_one_and_update(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().find_one_and_update, filter, *args, **kwargs)

    async def find_one_and_replace(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().find_one_and_replace, filter, *args, **kwargs)

    async def find_one_and_delete(self, filter: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._write(super().find_one_and_delete, filter, *args, **kwargs)

    async def bulk_write(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().bulk_write(*args, **kwargs)
        finally:
            self._wrote(None)

    async def drop(self, *args: Any, **kwargs: Any) -> None:
        try:
            await super().drop(*args, **kwargs)
        finally:
            self._wrote(None)


class Store:
    """The feed's database, handing out collections plain or read through memory.

    A repository asks for `cached(name)` where its point reads are hot and every write goes
    through it; anything read by a version probe or only by queries stays plain (`db[name]`).
    """

    def __init__(self, db: Database, cache: DocumentCache | None = None) -> None:
        self.db = db
        self.cache = cache

    def cached(self, name: str) -> AsyncCollection[Document]:
        if self.cache is None:
            return self.db[name]
        return CachedCollection(self.db, name, self.cache)
