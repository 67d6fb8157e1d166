"""The grid's nearest-first search and its compare-and-swap writes, on an in-memory store that
behaves like FerretDB where it matters: unique `_id` on insert, updates that can be lost."""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from events.domain import geo
from events.repository.grid import GeoGrid, GridPoint
from pymongo.errors import DuplicateKeyError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class LossyCollection:
    """`_id` look-ups, unique inserts, and updates that sometimes vanish (as concurrent
    updates do on FerretDB); every call yields to the loop so writers interleave."""

    def __init__(self, lose_updates: float = 0.0, seed: int = 0) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.lose = lose_updates
        self.rng = random.Random(seed)

    async def find_one(self, filter_: dict[str, Any], projection: Any = None) -> Any:  # noqa: ARG002
        await asyncio.sleep(0)
        doc = self.docs.get(filter_["_id"])
        return None if doc is None else dict(doc)

    async def insert_one(self, doc: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        if doc["_id"] in self.docs:
            raise DuplicateKeyError("E11000 duplicate key")
        self.docs[doc["_id"]] = dict(doc)

    async def update_one(
        self,
        filter_: dict[str, Any],
        update: dict[str, Any],
        upsert: bool = False,  # noqa: ARG002
    ) -> None:
        current = dict(self.docs.get(filter_["_id"], {"_id": filter_["_id"]}))
        await asyncio.sleep(0)  # read, then write later: the lost-update window
        if self.rng.random() < self.lose:
            return
        for field, value in update["$max"].items():
            current[field] = max(current.get(field, value), value)
        self.docs[filter_["_id"]] = current

    async def delete_one(self, filter_: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        self.docs.pop(filter_["_id"], None)


def grid(collection: LossyCollection) -> GeoGrid:
    g = GeoGrid.__new__(GeoGrid)
    g.coll = collection  # type: ignore[assignment]
    return g


def point(event_id: str, lat: float, lon: float, days: int = 1) -> GridPoint:
    return GridPoint(
        event_id, lat, lon, NOW + timedelta(days=days), NOW + timedelta(days=days, hours=2)
    )


async def test_nearest_first_matches_a_brute_force_scan_page_by_page() -> None:
    rng = random.Random(7)
    g = grid(LossyCollection())
    points = [
        point(f"e{i}", 52.52 + rng.gauss(0, 0.08), 13.40 + rng.gauss(0, 0.12)) for i in range(600)
    ]
    await g.bulk_load(points)
    centre, radius = (52.50, 13.38), 6.0
    expected = sorted(
        (geo.haversine_km(*centre, p.lat, p.lon), p.event_id)
        for p in points
        if geo.haversine_km(*centre, p.lat, p.lon) <= radius
    )
    seen: list[tuple[float, str]] = []
    after = None
    while True:
        page = []
        async for hit in g.nearest(*centre, radius, after=after):
            page.append(hit)
            if len(page) == 25:
                break
        seen.extend(page)
        if len(page) < 25:
            break
        after = page[-1]
    assert [e for _, e in seen] == [e for _, e in expected]
    assert len(expected) > 50


async def test_entries_can_be_filtered_before_documents_are_read() -> None:
    g = grid(LossyCollection())
    await g.bulk_load([point("soon", 52.52, 13.40, days=1), point("later", 52.52, 13.401, days=9)])
    cutoff = (NOW + timedelta(days=5)).timestamp()
    hits = [e async for _, e in g.nearest(52.52, 13.40, 1, keep=lambda entry: entry["s"] < cutoff)]
    assert hits == ["soon"]


@pytest.mark.parametrize("seed", range(3))
async def test_concurrent_writers_to_one_cell_lose_nothing_even_when_hint_updates_are_lost(
    seed: int,
) -> None:
    store = LossyCollection(lose_updates=0.5, seed=seed)
    g = grid(store)
    # 60 events in the same fine cell, written concurrently, then a third of them removed.
    points = [point(f"e{i}", 52.5201 + i * 1e-6, 13.4001) for i in range(60)]
    cells = await asyncio.gather(*(g.put(p, NOW) for p in points))
    assert len(set(cells)) == 1
    await asyncio.gather(*(g.remove(f"e{i}", cells[0]) for i in range(0, 60, 3)))
    _, items = await g.latest(cells[0])
    assert sorted(e["id"] for e in items) == sorted(f"e{i}" for i in range(60) if i % 3)
    hits = {e async for _, e in g.nearest(52.52, 13.40, 1)}
    assert hits == {f"e{i}" for i in range(60) if i % 3}
    # old versions were pruned behind the hint, and the newest one is still found
    versions = [k for k in store.docs if k.startswith(cells[0]) and not k.endswith("head")]
    assert len(versions) < 60


async def test_putting_the_same_event_twice_changes_nothing() -> None:
    store = LossyCollection()
    g = grid(store)
    key = await g.put(point("e1", 52.52, 13.40), NOW)
    before = dict(store.docs)
    await g.put(point("e1", 52.52, 13.40), NOW)
    assert store.docs == before
    assert (await g.latest(key))[0] == 1


async def test_a_moved_event_leaves_its_old_cell() -> None:
    g = grid(LossyCollection())
    old = await g.put(point("e1", 52.52, 13.40), NOW)
    new = await g.put(point("e1", 48.85, 2.35), NOW)
    await g.remove("e1", old)
    assert [e async for _, e in g.nearest(52.52, 13.40, 5)] == []
    assert [e async for _, e in g.nearest(48.85, 2.35, 5)] == ["e1"]
    assert old != new


async def test_entries_of_long_finished_events_are_dropped_on_the_next_write() -> None:
    g = grid(LossyCollection())
    key = await g.put(point("old", 52.52, 13.40, days=-5), NOW)
    await g.put(point("new", 52.5201, 13.4001), NOW)
    _, items = await g.latest(key)
    assert [e["id"] for e in items] == ["new"]
