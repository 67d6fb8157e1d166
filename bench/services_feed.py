"""Feed: fan-out of one post to 10,000 followers against a bare bulk write of the same timeline
entries; and the home timeline read through the gateway against the gateway's trivial route."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime

import httpx
from feed.main import create_app
from feed.repository.timeline import entry, shard_of
from feed.service import FanOut
from feed.settings import FeedSettings
from jobfriends_shared.contracts.feed import PostKind, PostVisibility
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.testing import Endpoints, settings_for, test_secret, unique_name

from bench.load import Process, free_port, hammer, interleaved, steady
from bench.platform_http import PASSWORD, _infra_env
from bench.report import Figure

FOLLOWERS = 10_000
CONNECTIONS = 8


async def fan_out_vs_bulk_write(
    endpoints: Endpoints, followers: int = FOLLOWERS, rounds: int = 3
) -> list[Figure]:
    """`rounds` posts, each fanned out and then written bare, alternately, so that a noisy
    (shared) machine weighs on both sides alike; totals make the ratio."""
    name = unique_name("b")
    settings = settings_for(FeedSettings, endpoints, name, run_jobs=False)
    app = create_app(settings)
    feed = app.state.feed
    people = [f"follower-{i:05d}" for i in range(followers)]
    client = mongo_client(endpoints.mongodb, "bench")
    results: list[FanOut] = []
    bare: list[float] = []
    try:
        async with app.router.lifespan_context(app):
            shards = len(feed.repo.timeline.shards)
            for n in range(rounds):
                # A fresh author each round, followed only after posting, so that the post's
                # own fan-out (on publishing) reaches nobody and the measured one is the first.
                author = f"bench-author-{n}"
                post = await feed.posts.create(
                    author, f"Tip {n} for everyone #bench", PostKind.tip, PostVisibility.public,
                    None, [], None,
                )  # fmt: skip
                await feed.repo.social.insert_follows(author, people, datetime.now(UTC))
                await feed.timeline.changed(f"author:{author}")  # rebuilt here, not on posting
                results.append(await feed.timeline.fan_out(post["id"]))
                post_doc = await feed.repo.posts.post(post["id"])
                by_shard = defaultdict(list)
                for person in people:
                    by_shard[shard_of(person, shards)].append(entry(person, post_doc))
                scratch = client[f"{name}_bare{n}"]
                for i in by_shard:  # existing collections, like the timeline shards
                    await scratch.create_collection(f"timeline_{i:03d}")
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        scratch[f"timeline_{i:03d}"].insert_many(docs, ordered=False)
                        for i, docs in by_shard.items()
                    )
                )
                bare.append(time.perf_counter() - started)
    finally:
        await client.drop_database(name)
        for n in range(rounds):
            await client.drop_database(f"{name}_bare{n}")
        await client.close()
    delivered = sum(r.delivered for r in results)
    seconds = sorted(r.seconds for r in results)
    return [
        Figure(
            "feed fan-out to 10k followers",
            delivered / sum(seconds),
            "deliveries/s",
            followers * rounds / sum(bare),
            "bare PyMongo bulk write of the same entries (existing collections, no indexes)",
            target=0.6,
            notes={
                "fan-out seconds, best / median (target < 1 s)": (
                    f"{seconds[0]:.2f} / {statistics.median(seconds):.2f}"
                ),
                "bare write seconds, best / median": (
                    f"{min(bare):.2f} / {statistics.median(bare):.2f}"
                ),
                "delivered": delivered,
                "posts": rounds,
                "timeline shards": shards,
            },
        )
    ]


async def timeline_read_vs_trivial(endpoints: Endpoints, seconds: float = 8.0) -> list[Figure]:
    name, secret = unique_name("b"), test_secret()
    env = _infra_env(endpoints, name, secret)
    ports = {svc: free_port() for svc in ("identity", "feed", "gateway")}
    identity = Process(
        "identity",
        {**env, "IDENTITY_PORT": str(ports["identity"]), "IDENTITY_DATABASE": f"{name}_identity"},
        ports["identity"],
    )
    feed = Process(
        "feed",
        {
            **env,
            "FEED_PORT": str(ports["feed"]),
            "FEED_DATABASE": f"{name}_feed",
            "FEED_LOG_LEVEL": "WARNING",
        },
        ports["feed"],
    )
    gateway = Process(
        "gateway",
        {
            **env,
            "GATEWAY_PORT": str(ports["gateway"]),
            "GATEWAY_IDENTITY_URL": identity.url,
            "GATEWAY_FEED_URL": feed.url,
            **{
                f"GATEWAY_{k}": "1000000"
                for k in ("USER_RATE", "USER_BURST", "IP_RATE", "IP_BURST")
            },
        },
        ports["gateway"],
    )
    processes = [identity, feed, gateway]
    try:
        for process in processes:
            await process.ready()
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as client:
            body = {"email": "reader@example.org", "password": PASSWORD, "display_name": "R"}
            await client.post("/v1/auth/register", json=body)
            tokens = (
                await client.post(
                    "/v1/auth/token", json={"email": body["email"], "password": PASSWORD}
                )
            ).json()
            auth = {"Authorization": f"Bearer {tokens['access_token']}"}
            for n in range(60):
                await client.post("/v1/posts", json={"text": f"Update {n} #bench"}, headers=auth)
            page = (await client.get("/v1/feed", headers=auth)).json()
        await hammer(f"{gateway.url}/v1/feed", auth, seconds=1)
        targets = {
            "read": (f"{gateway.url}/v1/feed", auth),
            "trivial": (f"{gateway.url}/health/live", {}),
            "forwarded": (f"{gateway.url}/v1/feed/settings", auth),
        }
        runs = await interleaved(targets, seconds, rounds=4, connections=CONNECTIONS)
        # Latency as users see it at a steady load: half the measured capacity, open loop.
        calm_rate = max(1.0, runs["read"].rate / 2)
        calm = await steady(f"{gateway.url}/v1/feed", auth, rate=calm_rate, seconds=seconds)
    finally:
        for process in reversed(processes):
            process.stop()
        client_db = mongo_client(endpoints.mongodb, "bench")
        for svc in ("identity", "feed"):
            await client_db.drop_database(f"{name}_{svc}")
        await client_db.close()
    read, trivial, forwarded = runs["read"], runs["trivial"], runs["forwarded"]
    notes = {
        "p50 / p99 ms at full load": f"{read.percentile(50):.1f} / {read.percentile(99):.1f}",
        f"p50 / p99 ms at a steady {calm_rate:.0f} req/s (half capacity)": (
            f"{calm.percentile(50):.1f} / {calm.percentile(99):.1f}"
        ),
        "page size": len(page.get("items", [])),
        "errors": read.errors,
        "connections": CONNECTIONS,
    }
    return [
        Figure(
            "GET /v1/feed through gateway",
            read.rate,
            "req/s",
            trivial.rate,
            "gateway trivial route /health/live (answered by the gateway itself)",
            target=0.5,
            notes=notes,
        ),
        Figure(
            "GET /v1/feed through gateway (2)",
            read.rate,
            "req/s",
            forwarded.rate,
            "GET /v1/feed/settings through gateway (forwarded to feed, one point read)",
            notes={
                "trivial forwarded p50 / p99 ms": (
                    f"{forwarded.percentile(50):.1f} / {forwarded.percentile(99):.1f}"
                ),
                "gateway /health/live p50 / p99 ms": (
                    f"{trivial.percentile(50):.1f} / {trivial.percentile(99):.1f}"
                ),
            },
        ),
    ]
