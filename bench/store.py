"""The store's read shapes at scale: a query on a big collection against the same query on a
small one, in the same run. A store that answers from an index does about as well on both
(ratio near 1); one that scans slows down with the collection (FerretDB 1.24 as released, on
PostgreSQL or SQLite: docs/store.md). Also reported: how many of many concurrent `$inc`s of one
document a store keeps, the reason the code never rests on atomic updates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from jobfriends_shared.mongo import Collection, mongo_client
from jobfriends_shared.testing import Endpoints, unique_name

from bench.report import Figure

BIG, SMALL = 100_000, 1_000
PER_OWNER = 20  # documents an owner has, in either collection (a page)


def _owners(n: int) -> int:
    return n // PER_OWNER


async def _load(coll: Collection, n: int) -> None:
    await coll.create_index([("owner", 1), ("at", -1)])
    docs = [{"_id": f"d{i:07d}", "owner": f"o{i % _owners(n)}", "at": i} for i in range(n)]
    for start in range(0, n, 10_000):
        await coll.insert_many(docs[start : start + 10_000], ordered=False)


async def _rate(query: Callable[[int], Awaitable[Any]], seconds: float = 3.0) -> float:
    """Queries answered per second by 8 concurrent clients."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < deadline:
            await query(i)
            done += 1
            i += 8

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(8)))
    return done / (time.perf_counter() - started)


async def _lost_updates(coll: Collection, clients: int = 16, each: int = 50) -> int:
    await coll.insert_one({"_id": "counter", "n": 0})

    async def bump() -> None:
        for _ in range(each):
            await coll.update_one({"_id": "counter"}, {"$inc": {"n": 1}})

    await asyncio.gather(*(bump() for _ in range(clients)))
    found = await coll.find_one({"_id": "counter"})
    return int((found or {}).get("n", 0))


async def read_shapes(endpoints: Endpoints) -> list[Figure]:
    name = unique_name("b")
    client = mongo_client(endpoints.mongodb, "bench")
    db = client[name]
    try:
        big, small = db["big"], db["small"]
        started = time.perf_counter()
        await _load(big, BIG)
        load_rate = BIG / (time.perf_counter() - started)
        await _load(small, SMALL)

        def by_id(coll: Collection, n: int) -> Callable[[int], Awaitable[Any]]:
            return lambda i: coll.find_one({"_id": f"d{(i * 7919) % n:07d}"})

        def page(coll: Collection, n: int) -> Callable[[int], Awaitable[Any]]:
            return lambda i: coll.find({"owner": f"o{(i * 31) % _owners(n)}"}).to_list()

        def by_ids(coll: Collection, n: int) -> Callable[[int], Awaitable[Any]]:
            def ids(i: int) -> list[str]:
                return [f"d{(i * 7919 + k * 104729) % n:07d}" for k in range(PER_OWNER)]

            return lambda i: coll.find({"_id": {"$in": ids(i)}}).to_list()

        id_big, id_small = await _rate(by_id(big, BIG)), await _rate(by_id(small, SMALL))
        in_big, in_small = await _rate(by_ids(big, BIG)), await _rate(by_ids(small, SMALL))
        eq_big, eq_small = await _rate(page(big, BIG)), await _rate(page(small, SMALL))
        kept = await _lost_updates(db["counter"])
    finally:
        await client.drop_database(name)
        await client.close()
    return [
        Figure(
            f"find by _id in {BIG:,} documents",
            id_big,
            "reads/s",
            id_small,
            f"the same in {SMALL:,}",
            target=0.5,
            notes={"bulk insert documents/s (batches of 10,000)": f"{load_rate:,.0f}"},
        ),
        Figure(
            f"find {PER_OWNER} ids with $in in {BIG:,} documents",
            in_big,
            "queries/s",
            in_small,
            f"the same in {SMALL:,}",
            target=0.5,
        ),
        Figure(
            f"find by an indexed field ({PER_OWNER} matches) in {BIG:,} documents",
            eq_big,
            "queries/s",
            eq_small,
            f"the same in {SMALL:,}",
            target=0.5,
        ),
        Figure(
            "concurrent $inc of one document kept",
            kept,
            "increments",
            16 * 50,
            "sent (16 clients x 50)",
            notes={"MongoDB keeps": "all; FerretDB 1.24 reads and writes back without a lock"},
        ),
    ]
