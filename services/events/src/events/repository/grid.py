"""The geo grid, stored so that every read is a look-up by `_id`.

FerretDB 1.24 has no geo queries, pushes no `$in` or range down to its storage (they read the
whole collection), and on its SQLite fallback answers only `{_id: <value>}` from an index
(docs/store.md). A multikey index on a `cells` field, queried with `$in` over the cells a search
covers, would therefore make nearby search a full scan there. Instead each grid cell is a
document addressed by its key, which is fast on every store:

- `f:<i>:<j>@<v>`: version `v` of a fine cell, `items` = entries `{id, lat, lon, s, e}` (start
  and end as epoch seconds; objects, because FerretDB refuses arrays nested in arrays);
- `c:<i>:<j>@<v>`: version `v` of a coarse cell, `items` = keys of its occupied fine cells;
- `<cell>@head`: a hint of the newest version.

Writers never update a cell in place (FerretDB would lose concurrent updates). They read the
newest version `v` and insert `v + 1` with the change applied; the unique `_id` lets exactly one
writer create each version, and a loser re-reads and re-applies its change (compare-and-swap by
insert). Readers take the hinted version and probe forward to the newest. The hint only moves up
(`$max`), may lag when two writers race, and old versions are pruned only behind a confirmed
hint, so probing always finds the newest version.

Grid entries are an index, not the truth: search re-checks every candidate against its event
document, so a stale entry (a moved or cancelled event) is harmless.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections import defaultdict
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jobfriends_shared.mongo import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from events.domain import geo

GRID = "geo_grid"
KEEP_VERSIONS = 4
_MAX_CAS_ATTEMPTS = 200
_MAX_PROBES = 10_000
ENTRY_GRACE = timedelta(days=1)  # entries of events that ended longer ago are dropped on write

Entry = dict[str, Any]  # {"id", "lat", "lon", "s": starts epoch, "e": ends epoch}


@dataclass(frozen=True)
class GridPoint:
    event_id: str
    lat: float
    lon: float
    starts_at: datetime
    ends_at: datetime

    def entry(self) -> Entry:
        return {
            "id": self.event_id,
            "lat": self.lat,
            "lon": self.lon,
            "s": int(self.starts_at.timestamp()),
            "e": int(self.ends_at.timestamp()),
        }


class GeoGrid:
    def __init__(self, db: Database) -> None:
        self.coll = db[GRID]

    # --- versions -------------------------------------------------------------------------------

    async def _version(self, key: str, v: int) -> list[Any] | None:
        doc = await self.coll.find_one({"_id": f"{key}@{v}"}, {"items": 1})
        return None if doc is None else list(doc["items"])

    async def latest(self, key: str) -> tuple[int, list[Any]]:
        """The newest version number of a cell and its items (0 and [] for an empty cell)."""
        head = await self.coll.find_one({"_id": f"{key}@head"})
        v = int(head["v"]) if head else 0
        items: list[Any] = []
        if v:
            # the hinted version and the next one together: one round trip when the hint is
            # current, which it almost always is
            found, newer = await asyncio.gather(self._version(key, v), self._version(key, v + 1))
            if found is not None and newer is None:
                return v, found
            probes = 0
            while found is None:  # the hinted version was pruned: newer ones exist
                probes += 1
                if probes > _MAX_PROBES:
                    raise RuntimeError(f"grid cell {key} has lost its versions")
                v += 1
                found = await self._version(key, v)
            items = found
        while True:
            newer = await self._version(key, v + 1)
            if newer is None:
                return v, items
            v, items = v + 1, newer

    async def _swap(self, key: str, change: Callable[[list[Any]], list[Any] | None]) -> bool:
        """Apply `change` to the newest version by inserting the next one; False when the
        change had nothing to do."""
        for _ in range(_MAX_CAS_ATTEMPTS):
            v, items = await self.latest(key)
            new = change(items)
            if new is None:
                return False
            try:
                await self.coll.insert_one({"_id": f"{key}@{v + 1}", "v": v + 1, "items": new})
            except DuplicateKeyError:
                continue  # another writer made v + 1 first: re-read, re-apply
            await self._advance(key, v + 1)
            return True
        raise RuntimeError(f"grid cell {key} is too contended")

    async def _advance(self, key: str, v: int) -> None:
        try:
            await self.coll.update_one({"_id": f"{key}@head"}, {"$max": {"v": v}}, upsert=True)
            head = await self.coll.find_one({"_id": f"{key}@head"})
        except PyMongoError:
            return  # a racing upsert: the hint is best effort, readers probe forward
        if head is not None and int(head["v"]) >= v and v > KEEP_VERSIONS:
            await self.coll.delete_one({"_id": f"{key}@{v - KEEP_VERSIONS}"})

    # --- writes ---------------------------------------------------------------------------------

    async def put(self, point: GridPoint, now: datetime) -> str:
        """Index an event at its location (idempotent); returns its fine cell key."""
        cell = geo.fine_cell(point.lat, point.lon)
        await self._occupy(geo.coarse_of(cell).key, [cell.key])
        entry = point.entry()
        cutoff = int((now - ENTRY_GRACE).timestamp())

        def change(items: list[Any]) -> list[Any] | None:
            if entry in items:
                return None
            return [e for e in items if e["id"] != point.event_id and e["e"] >= cutoff] + [entry]

        await self._swap(cell.key, change)
        return cell.key

    async def remove(self, event_id: str, cell_key: str) -> None:
        def change(items: list[Any]) -> list[Any] | None:
            kept = [e for e in items if e["id"] != event_id]
            return None if len(kept) == len(items) else kept

        await self._swap(cell_key, change)

    async def _occupy(self, coarse_key: str, fine_keys: Sequence[str]) -> None:
        def change(items: list[Any]) -> list[Any] | None:
            missing = [k for k in fine_keys if k not in items]
            return items + missing if missing else None

        await self._swap(coarse_key, change)

    async def bulk_load(self, points: Iterable[GridPoint]) -> int:
        """Index many events with one new version per touched cell (seeding, benchmarks)."""
        by_cell: dict[str, list[Entry]] = defaultdict(list)
        for point in points:
            by_cell[geo.fine_cell(point.lat, point.lon).key].append(point.entry())
        by_coarse: dict[str, list[str]] = defaultdict(list)
        for key in by_cell:
            by_coarse[geo.coarse_of(geo.parse_key(key)).key].append(key)
        for coarse_key, keys in by_coarse.items():
            await self._occupy(coarse_key, keys)

        async def load(key: str, entries: list[Entry]) -> None:
            ids = {e["id"] for e in entries}
            await self._swap(key, lambda items: [e for e in items if e["id"] not in ids] + entries)

        cells = list(by_cell.items())
        for start in range(0, len(cells), 32):
            await asyncio.gather(*(load(k, e) for k, e in cells[start : start + 32]))
        return sum(len(e) for e in by_cell.values())

    # --- nearest-first search -------------------------------------------------------------------

    async def nearest(
        self,
        lat: float,
        lon: float,
        radius_km: float,
        *,
        keep: Callable[[Entry], bool] = lambda _: True,
        after: tuple[float, str] | None = None,
    ) -> AsyncGenerator[tuple[float, str], None]:
        """Event ids within `radius_km`, nearest first as (distance_km, event_id), strictly after
        the cursor `after`. Exact: an entry is yielded only once no unread cell can hold a
        nearer one (cells are read in order of their lower-bound distance)."""
        coarse = geo.covering(lat, lon, radius_km, "c")
        occupancy = await asyncio.gather(*(self.latest(c.key) for c in coarse))
        fine = {geo.parse_key(k) for _, keys in occupancy for k in keys}
        ordered: list[tuple[float, str]] = []
        for cell in fine:
            low = cell.lower_bound_km(lat, lon)
            if low > radius_km or (after and cell.upper_bound_km(lat, lon) < after[0]):
                continue
            ordered.append((low, cell.key))
        ordered.sort()
        heap: list[tuple[float, str]] = []
        seen: set[str] = set()
        i, batch = 0, 4
        while i < len(ordered) or heap:
            bound = ordered[i][0] if i < len(ordered) else math.inf
            while heap and heap[0][0] < bound:
                yield heapq.heappop(heap)
            if i >= len(ordered):
                continue
            chunk = ordered[i : i + batch]
            i, batch = i + len(chunk), min(batch * 2, 32)
            for _, items in await asyncio.gather(*(self.latest(key) for _, key in chunk)):
                for e in items:
                    if e["id"] in seen:
                        continue
                    d = geo.haversine_km(lat, lon, e["lat"], e["lon"])
                    if d > radius_km or (after and (d, e["id"]) <= after) or not keep(e):
                        continue
                    seen.add(e["id"])
                    heapq.heappush(heap, (d, e["id"]))
