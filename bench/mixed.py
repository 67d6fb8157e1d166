"""P6, the platform under a mixed load: the highest request rate it holds with the gateway's
p99 at or under 100 ms and every consumer group's lag flat, against the gateway's trivial route.

The mix is DeathStarBench socialNetwork's — 60 % home-timeline reads, 30 % user-timeline reads,
10 % new posts — with reactions and RSVPs on top, and live notification streams held open, all
through the gateway, from people of a seeded city who follow each other. The load is open loop
(requests are due at a fixed rate, as independent people arrive; a late answer delays nobody
else's request) and latency counts from when a request was due, so queueing is not hidden.

The generator is ours (asyncio streams, bench/load.py), not locust: on two cores the client
must cost far less than the servers, and a greenlet-per-user tool spends about a millisecond
of Python per request that the platform would then not get.

Rates are probed for `PROBE_SECONDS` each, rising by `STEP` from `START_RATE`; the best one
passing is then held for `BENCH_MIXED_HOLD` seconds (300 by default) to be reported. With
`BENCH_PROFILE=1` and py-spy on the PATH, each process is profiled during the hold
(flame graphs in bench/results/profiles/).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from jobfriends_shared.kafka import consumer_lag
from jobfriends_shared.registry import SERVICES
from jobfriends_shared.testing import Endpoints, drop_issued_topics

from bench.load import Process, hammer
from bench.platform import Platform
from bench.platform_http import PASSWORD
from bench.report import Figure

PEOPLE, FOLLOWS, POSTS_EACH, EVENTS, STREAMS = 150, 15, 2, 10, 20
MIX: tuple[tuple[str, int], ...] = (
    ("home timeline", 60),
    ("user timeline", 30),
    ("compose post", 10),
    ("reaction", 6),
    ("rsvp", 3),
)
P99_LIMIT_MS = 100.0
START_RATE, STEP, PROBE_SECONDS = 10.0, 1.4, 30.0
CONNECTIONS = 64
RESULTS = Path(__file__).parent / "results"


@dataclass
class City:
    tokens: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


@dataclass
class Run:
    rate: float
    seconds: float
    latencies: dict[str, list[float]]
    errors: dict[str, int]  # "operation status" -> how many
    lag: list[int]

    @property
    def all_latencies(self) -> list[float]:
        return sorted(x for values in self.latencies.values() for x in values)

    def p99(self) -> float:
        ordered = self.all_latencies
        return ordered[int(len(ordered) * 0.99)] if ordered else 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def lag_flat(self) -> bool:
        """No sustained growth: the last third of the samples stays within a second's worth
        of traffic of the first third."""
        third = max(1, len(self.lag) // 3)
        return max(self.lag[-third:]) <= max(self.lag[:third]) + max(50.0, self.rate)

    def passed(self) -> bool:
        return self.p99() <= P99_LIMIT_MS and self.lag_flat() and not self.errors


async def _seed(client: httpx.AsyncClient, name: str, rng: random.Random) -> City:
    city = City()
    limit = asyncio.Semaphore(8)

    async def person(n: int) -> None:
        async with limit:
            body = {"email": f"p{n}@{name}.org", "password": PASSWORD, "display_name": f"P {n}"}
            created = await client.post("/v1/auth/register", json=body)
            created.raise_for_status()
            signed = await client.post(
                "/v1/auth/token", json={"email": body["email"], "password": PASSWORD}
            )
            signed.raise_for_status()
            city.ids.append(created.json()["id"])
            city.tokens.append(signed.json()["access_token"])

    await asyncio.gather(*(person(n) for n in range(PEOPLE)))
    auth = [{"Authorization": f"Bearer {t}"} for t in city.tokens]

    async def befriend(i: int) -> None:
        async with limit:
            for j in rng.sample(range(PEOPLE), FOLLOWS):
                if j != i:
                    await client.put(f"/v1/users/{city.ids[j]}/follow", headers=auth[i])
            for k in range(POSTS_EACH):
                text = f"Seed post {k} from person {i} #jobsearch #berlin"
                made = await client.post("/v1/posts", json={"text": text}, headers=auth[i])
                made.raise_for_status()
                city.posts.append(made.json()["id"])

    await asyncio.gather(*(befriend(i) for i in range(PEOPLE)))
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    for n in range(EVENTS):
        event = {
            "title": f"Job friends meetup {n}",
            "kind": "meetup",
            "starts_at": (start + timedelta(hours=n)).isoformat(),
            "ends_at": (start + timedelta(hours=n + 2)).isoformat(),
            "time_zone": "Europe/Berlin",
            "capacity": 40,
            "city": "Berlin",
            "location": {"lat": 52.5, "lon": 13.4},
        }
        made = await client.post("/v1/events", json=event, headers=auth[n])
        made.raise_for_status()
        city.events.append(made.json()["id"])
    return city


def _request(method: str, path: str, token: str, body: object | None = None) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def _operations(city: City) -> dict[str, Callable[[random.Random], bytes]]:
    def person(rng: random.Random) -> str:
        return rng.choice(city.tokens)

    return {
        "home timeline": lambda rng: _request("GET", "/v1/feed?limit=20", person(rng)),
        "user timeline": lambda rng: _request(
            "GET", f"/v1/users/{rng.choice(city.ids)}/posts?limit=20", person(rng)
        ),
        "compose post": lambda rng: _request(
            "POST", "/v1/posts", person(rng), {"text": f"Day {rng.randint(1, 99)} #jobsearch"}
        ),
        "reaction": lambda rng: _request(
            "PUT",
            f"/v1/posts/{rng.choice(city.posts)}/reaction",
            person(rng),
            {"emoji": rng.choice(["like", "support", "celebrate"])},
        ),
        "rsvp": lambda rng: _request(
            "PUT",
            f"/v1/events/{rng.choice(city.events)}/rsvp",
            person(rng),
            {"status": rng.choice(["going", "interested", "not_going"])},
        ),
    }


async def _answer(reader: asyncio.StreamReader) -> bytes:
    """Read one whole answer; its status code (empty when the server had closed the
    connection)."""
    status = await reader.readline()
    if not status:
        return b""
    length, chunked = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        lower = line.lower()
        if lower.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif lower.startswith(b"transfer-encoding:") and b"chunked" in lower:
            chunked = True
    if chunked:
        while (size := int((await reader.readline()).split(b";")[0], 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        await reader.readexactly(length)
    return status[9:12]


async def _load(
    gateway: Process, city: City, rate: float, seconds: float, lag: Callable[[], Awaitable[int]]
) -> Run:
    ops = _operations(city)
    names = [n for n, _ in MIX]
    weights = [w for _, w in MIX]
    rng = random.Random(int(rate * 1000))
    due: asyncio.Queue[tuple[float, str] | None] = asyncio.Queue()
    latencies: dict[str, list[float]] = {n: [] for n in names}
    errors: dict[str, int] = {}

    async def connection() -> None:
        """A keep-alive connection; one the server closed while idle (its keep-alive ends
        after 5 s) is opened again and the request sent on the new one."""
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        try:
            while (item := await due.get()) is not None:
                at, op = item
                request = ops[op](rng)
                try:
                    writer.write(request)
                    code = await _answer(reader)
                except (ConnectionError, asyncio.IncompleteReadError):
                    code = b""
                if not code:  # closed while idle: the request never reached the server
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
                    writer.write(request)
                    code = await _answer(reader)
                if not code.startswith(b"2"):
                    errors[f"{op} {code.decode()}"] = errors.get(f"{op} {code.decode()}", 0) + 1
                latencies[op].append((time.perf_counter() - at) * 1000)
        finally:
            writer.close()

    samples: list[int] = []

    async def sample() -> None:
        """The broker's view of every consumer group's lag, ten times over the run."""
        while True:
            samples.append(await lag())
            await asyncio.sleep(seconds / 10)

    workers = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    for n in range(int(rate * seconds)):
        at = started + n / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        due.put_nowait((at, rng.choices(names, weights)[0]))
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - started
    sampler.cancel()
    samples.append(await lag())
    return Run(rate, elapsed, latencies, errors, samples)


async def _streams(gateway: Process, city: City, stop: asyncio.Event) -> None:
    """Live notification streams, held open and read, as open browser tabs would."""

    async def one(token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        timeout = httpx.Timeout(10, read=None)  # a stream is quiet between notifications
        async with (
            httpx.AsyncClient(base_url=gateway.url, timeout=timeout) as client,
            client.stream("GET", "/v1/notifications/stream", headers=headers) as r,
        ):
            async for _ in r.aiter_bytes():
                if stop.is_set():
                    return

    tasks = [asyncio.create_task(one(t)) for t in city.tokens[:STREAMS]]
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _profile(processes: dict[str, Process], seconds: float) -> list[subprocess.Popen[bytes]]:
    spy = shutil.which("py-spy")
    if not (os.environ.get("BENCH_PROFILE") and spy):
        return []
    folder = RESULTS / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "-d",
                str(int(seconds)),
                "-p",
                str(p.pid),
                "-o",
                str(folder / f"{n}.svg"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n, p in processes.items()
    ]


async def mixed_load(endpoints: Endpoints) -> list[Figure]:
    hold = float(os.environ.get("BENCH_MIXED_HOLD", "300"))
    stop = asyncio.Event()
    streams: asyncio.Task[None] | None = None
    async with Platform(endpoints, [s.name for s in SERVICES]) as platform:
        name, processes, gateway = platform.name, platform.processes, platform.gateway
        async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
            city = await _seed(client, name, random.Random(7))
        trivial = await hammer(f"{gateway.url}/health/live", {}, seconds=5)
        groups = {
            spec.name: {f"{name}.{t}": f"{name}.{spec.name}:{t}" for t in spec.consumes}
            for spec in SERVICES
        }

        async def lag() -> int:
            total = 0
            for per_service in groups.values():
                total += sum((await consumer_lag(endpoints.kafka, per_service)).values())
            return total

        try:
            streams = asyncio.create_task(_streams(gateway, city, stop))
            rate, best = START_RATE, None
            while rate < trivial.rate:
                probe = await _load(gateway, city, rate, PROBE_SECONDS, lag)
                print(f"  {rate:7.1f} req/s  p99 {probe.p99():7.1f} ms", end="", flush=True)
                print(f"  lag {probe.lag}  errors {probe.errors}", flush=True)
                if not probe.passed():
                    break
                best, rate = probe, rate * STEP
            held = None
            for candidate in [best.rate, best.rate / STEP] if best else []:
                cpu = {n: p.cpu_seconds() for n, p in processes.items()}
                spies = _profile(processes, min(hold, 60))
                run = await _load(gateway, city, candidate, hold, lag)
                for spy in spies:
                    spy.wait(timeout=120)
                cpu = {n: p.cpu_seconds() - cpu[n] for n, p in processes.items()}
                print(f"  held {candidate:.1f} req/s for {hold:.0f} s:", end="", flush=True)
                print(f" p99 {run.p99():.1f} ms, lag {run.lag}", flush=True)
                if run.passed():
                    held = (run, cpu)
                    break
        finally:
            stop.set()
            if streams is not None:
                await streams
    await drop_issued_topics(endpoints.kafka)
    if held is None:
        return [
            Figure(
                "mixed load held (p99 ≤ 100 ms, lag flat)",
                0.0,
                "req/s",
                trivial.rate,
                "gateway trivial route /health/live",
                target=0.25,
                notes={"result": "no probed rate passed"},
            )
        ]
    run, cpu = held
    per_op = {
        op: f"p50 {sorted(v)[len(v) // 2]:.1f} / p99 {sorted(v)[int(len(v) * 0.99)]:.1f} ms"
        for op, v in run.latencies.items()
        if v
    }
    notes: dict[str, object] = {
        "mix (%)": ", ".join(f"{n} {w}" for n, w in MIX),
        "held for (s)": round(run.seconds),
        "gateway p99 (ms)": round(run.p99(), 1),
        "consumer lag samples": run.lag,
        "open notification streams": STREAMS,
        "people / follows each / events": f"{PEOPLE} / {FOLLOWS} / {EVENTS}",
        "CPU ms per request": ", ".join(
            f"{n} {seconds / run.requests * 1000:.1f}" for n, seconds in cpu.items()
        ),
        **{f"{op}": text for op, text in per_op.items()},
    }
    return [
        Figure(
            "mixed load held (p99 ≤ 100 ms, lag flat)",
            run.requests / run.seconds,
            "req/s",
            trivial.rate,
            "gateway trivial route /health/live",
            target=0.25,
            notes=notes,
        )
    ]
