"""Notifications: how long from a post being accepted by the gateway to its notification
arriving on a connected stream (against the raw Kafka produce-to-consume hop measured in the
same run), and what 1,000 connected stream clients cost in memory."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from identity.security import SigningKey
from jobfriends_shared.kafka import ensure_topics
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.testing import Endpoints

from bench.load import rss_mib
from bench.platform import Platform
from bench.platform_http import PASSWORD
from bench.report import Figure

SERVICES = ("identity", "feed", "notifications")


def _span(before: dict[str, float], after: dict[str, float], name: str) -> str:
    return f"{before[name]:.0f} / {after[name]:.0f}"


async def _raw_hop(bootstrap: str, topic: str, n: int, rate: float) -> list[float]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="latest", fetch_max_wait_ms=10
    )
    await producer.start()
    await consumer.start()
    try:
        while not consumer.assignment():  # noqa: ASYNC110 (aiokafka offers no event)
            await asyncio.sleep(0.05)
        await consumer.seek_to_end()
        # Unmeasured: the first send fetches the topic's metadata (~200 ms here), which
        # otherwise became the reference's p99.
        await producer.send_and_wait(topic, b"warm-up")
        async with asyncio.timeout(30):
            while not any(
                r.value == b"warm-up"
                for records in (await consumer.getmany(timeout_ms=100)).values()
                for r in records
            ):
                pass
        sent: dict[bytes, float] = {}
        latencies: list[float] = []

        async def receive() -> None:
            while len(latencies) < n:
                batch = await consumer.getmany(timeout_ms=100)
                now = time.perf_counter()
                for records in batch.values():
                    latencies.extend(now - sent[r.value] for r in records if r.value in sent)

        task = asyncio.create_task(receive())
        for i in range(n):
            value = f"hop-{i}".encode()
            sent[value] = time.perf_counter()
            await producer.send_and_wait(topic, value)
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(task, 30)
        return latencies
    finally:
        await consumer.stop()
        await producer.stop()


def _platform(endpoints: Endpoints) -> Platform:
    """identity, feed and notifications as processes, the gateway in front (a few streams
    per person, as a browser with a few tabs would open)."""
    return Platform(
        endpoints, SERVICES, env={"notifications": {"NOTIFICATIONS_STREAMS_PER_PERSON": "5"}}
    )


async def _join(client: httpx.AsyncClient, email: str) -> tuple[str, dict[str, str]]:
    body = {"email": email, "password": PASSWORD, "display_name": email.split("@")[0]}
    user_id = (await client.post("/v1/auth/register", json=body)).json()["id"]
    tokens = (
        await client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
    ).json()
    return user_id, {"Authorization": f"Bearer {tokens['access_token']}"}


async def event_to_screen(endpoints: Endpoints, posts: int = 60, rate: float = 4.0) -> list[Figure]:
    await ensure_topics(endpoints.kafka, "bench-hop.", 1)
    raw = await _raw_hop(endpoints.kafka, "bench-hop.identity.users", posts, rate)
    async with (
        _platform(endpoints) as platform,
        httpx.AsyncClient(base_url=platform.gateway.url, timeout=30) as client,
    ):
        _author, author_auth = await _join(client, "author@example.org")
        reader, reader_auth = await _join(client, "reader@example.org")
        await asyncio.sleep(2)  # let feed learn about both people from identity's events
        accepted: dict[str, float] = {}
        arrived: dict[str, float] = {}
        async with client.stream(
            "GET", "/v1/notifications/stream", headers=reader_auth, timeout=None
        ) as stream:

            async def listen() -> None:
                async for line in stream.aiter_lines():
                    if line.startswith("data:"):
                        data = json.loads(line[5:])
                        post_id = data.get("data", {}).get("post_id")
                        if post_id:
                            arrived.setdefault(post_id, time.perf_counter())
                    if len(arrived) >= posts:
                        return

            listener = asyncio.create_task(listen())
            for n in range(posts):
                response = await client.post(
                    "/v1/posts",
                    headers=author_auth,
                    json={"text": f"@{reader} have a look at tip {n}"},
                )
                accepted[response.json()["id"]] = time.perf_counter()
                await asyncio.sleep(1 / rate)
            try:
                await asyncio.wait_for(listener, 30)
            except TimeoutError:
                listener.cancel()
    latencies = sorted(arrived[p] - t for p, t in accepted.items() if p in arrived)
    raw.sort()

    def pct(xs: list[float], q: float) -> float:
        return xs[min(len(xs) - 1, int(len(xs) * q / 100))] * 1000

    p99, raw_p99 = pct(latencies, 99), pct(raw, 99)
    return [
        Figure(
            "post to notification on stream p99",
            p99,
            "ms",
            raw_p99,
            "raw Kafka hop p99",
            target=20.0,
            higher_is_better=False,
            notes={
                "p50 ms (stream / raw)": f"{pct(latencies, 50):.1f} / {pct(raw, 50):.1f}",
                "delivered": f"{len(latencies)}/{posts}",
                "rate": f"{rate}/s",
                "absolute target": "p99 < 250 ms",
            },
        ),
    ]


async def many_streams(
    endpoints: Endpoints, clients: int = 1000, opening: int = 50
) -> list[Figure]:
    """`clients` people each holding one stream through the gateway, opened `opening` at a
    time (one after another took minutes on a busy machine), then all held together while
    both processes' memory is read."""
    async with _platform(endpoints) as platform:
        notifications = platform.processes["notifications"]
        gateway = platform.processes["gateway"]
        pids = {"notifications": notifications._proc.pid, "gateway": gateway._proc.pid}
        client = mongo_client(endpoints.mongodb, "bench")
        key_doc = await client[f"{platform.name}_identity"]["signing_keys"].find_one(
            {"_id": "current"}
        )
        await client.close()
        assert key_doc is not None
        key = SigningKey.from_pem(key_doc["pem"])
        now = datetime.now(UTC)
        before = {name: rss_mib(pid) for name, pid in pids.items()}
        limits = httpx.Limits(max_connections=clients + 10)
        async with httpx.AsyncClient(
            base_url=platform.gateway.url, timeout=httpx.Timeout(60, read=None), limits=limits
        ) as http:
            gate = asyncio.Semaphore(opening)

            async def open_one(i: int) -> Any:
                token = key.access_token(f"listener-{i:05d}", now, timedelta(minutes=30))
                request = http.build_request(
                    "GET", "/v1/notifications/stream", headers={"Authorization": f"Bearer {token}"}
                )
                async with gate:
                    return await http.send(request, stream=True)

            started = time.perf_counter()
            opened: list[Any] = await asyncio.gather(*(open_one(i) for i in range(clients)))
            open_seconds = time.perf_counter() - started
            connected = sum(r.status_code == 200 for r in opened)
            statuses = Counter(r.status_code for r in opened)
            refused = [await r.aread() for r in opened if r.status_code != 200][:3]
            await asyncio.sleep(2)
            after = {name: rss_mib(pid) for name, pid in pids.items()}
            for response in opened:
                await response.aclose()

    def per_client_kib(name: str) -> str:
        return f"{(after[name] - before[name]) * 1024 / max(connected, 1):.1f}"

    return [
        Figure(
            "notification streams connected",
            connected,
            "clients",
            clients,
            "requested",
            target=1.0,
            notes={
                "RSS MiB before / after, notifications": _span(before, after, "notifications"),
                "RSS MiB before / after, gateway": _span(before, after, "gateway"),
                "KiB per client, notifications / gateway": (
                    f"{per_client_kib('notifications')} / {per_client_kib('gateway')}"
                ),
                "seconds to open all": f"{open_seconds:.1f} ({opening} at a time)",
                "statuses": dict(statuses),
                **(
                    {"refused, first": [r.decode(errors="replace")[:200] for r in refused]}
                    if refused
                    else {}
                ),
            },
        ),
    ]
