"""Events: nearby search over many events in one city (p99) against a full scan of the same
data; RSVP throughput on one popular event, with correctness checked at the end."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

from events.domain.discovery import Near, Query
from events.main import create_app
from events.settings import EventsSettings
from jobfriends_shared.contracts.events import RsvpStatus
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.testing import Endpoints, settings_for, unique_name

from bench.report import Figure

BERLIN = (52.52, 13.405)


def _drafts(n: int, rng: random.Random) -> list[dict[str, object]]:
    start = datetime.now(UTC) + timedelta(days=2)
    drafts = []
    for i in range(n):
        lat = BERLIN[0] + rng.uniform(-0.12, 0.12)
        lon = BERLIN[1] + rng.uniform(-0.2, 0.2)
        begins = start + timedelta(hours=rng.randint(0, 24 * 60))
        drafts.append(
            {
                "title": f"Meetup {i}",
                "kind": "meetup",
                "city": "Berlin",
                "location": {"lat": lat, "lon": lon},
                "starts_at": begins,
                "ends_at": begins + timedelta(hours=2),
                "time_zone": "Europe/Berlin",
            }
        )
    return drafts


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


async def nearby_vs_full_scan(
    endpoints: Endpoints, events: int = 100_000, queries: int = 200, scans: int = 2
) -> list[Figure]:
    name = unique_name("b")
    app = create_app(settings_for(EventsSettings, endpoints, name, run_jobs=False))
    services = app.state.services
    rng = random.Random(7)
    client = mongo_client(endpoints.mongodb, "bench")
    try:
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            for chunk in range(0, events, 10_000):
                await services.events.seed("bench-host", _drafts(min(10_000, events - chunk), rng))
            load_seconds = time.perf_counter() - started
            points = [
                (BERLIN[0] + rng.uniform(-0.1, 0.1), BERLIN[1] + rng.uniform(-0.15, 0.15))
                for _ in range(queries)
            ]
            grid = []
            for lat, lon in points:
                t = time.perf_counter()
                await services.discovery.discover(
                    "bench-viewer", Query(near=Near(lat, lon, 3.0)), None, 20
                )
                grid.append(time.perf_counter() - t)
            now = datetime.now(UTC)
            full = []
            for lat, lon in points[:scans]:
                t = time.perf_counter()
                await services.ctx.repo.events.scan_nearby(lat, lon, 3.0, now, 20)
                full.append(time.perf_counter() - t)
    finally:
        await client.drop_database(name)
        await client.close()
    p99 = _p(grid, 99)
    return [
        Figure(
            "nearby search p99 (3 km, 20 results)",
            p99 * 1000,
            "ms",
            _p(full, 50) * 1000,
            "full scan of the same data (median)",
            target=0.05,
            higher_is_better=False,
            notes={
                "events": events,
                "queries": queries,
                "p50 ms": f"{_p(grid, 50) * 1000:.1f}",
                "loading events/s": f"{events / load_seconds:,.0f}",
            },
        )
    ]


async def rsvp_throughput(
    endpoints: Endpoints, people: int = 300, capacity: int = 100
) -> list[Figure]:
    name = unique_name("b")
    app = create_app(settings_for(EventsSettings, endpoints, name, run_jobs=False))
    services = app.state.services
    client = mongo_client(endpoints.mongodb, "bench")
    try:
        async with app.router.lifespan_context(app):
            draft = _drafts(1, random.Random(1))[0] | {"capacity": capacity}
            (event_id,) = await services.events.seed("bench-host", [draft])
            started = time.perf_counter()
            limit = asyncio.Semaphore(32)

            async def one(i: int) -> None:
                async with limit:
                    await services.rsvps.answer(event_id, f"person-{i:04d}", RsvpStatus.going, None)

            await asyncio.gather(*(one(i) for i in range(people)))
            seconds = time.perf_counter() - started
            going = await services.ctx.repo.attendance.going_count(event_id)
    finally:
        await client.drop_database(name)
        await client.close()
    assert going == capacity, f"oversold or undersold: {going} going for {capacity} seats"
    return [
        Figure(
            "RSVPs on one popular event",
            people / seconds,
            "RSVPs/s",
            notes={
                "people": people,
                "capacity": capacity,
                "going at the end": going,
                "correct": going == capacity,
            },
        )
    ]
