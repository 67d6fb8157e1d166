"""Feed: fan-out of one post to 10,000 followers against a bare bulk write of the same timeline
entries; and the home timeline read through the gateway against a trivial route through it."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpx
from feed.main import create_app
from feed.repository.timeline import entry, shard_of
from feed.service import FanOut
from feed.settings import FeedSettings
from jobfriends_shared.contracts.feed import PostKind, PostVisibility
from jobfriends_shared.mongo import Document, mongo_client
from jobfriends_shared.testing import (
    Endpoints,
    settings_for,
    test_secret,
    unique_name,
    wait_for,
)

from bench.load import Headers, Process, free_port, hammer, interleaved, steady
from bench.platform_http import PASSWORD, _infra_env
from bench.report import Figure

FOLLOWERS = 10_000
CONNECTIONS = 8


def entries_by_shard(
    people: Sequence[str], posts: Sequence[Document], shards: int
) -> dict[int, list[Document]]:
    """The timeline entries a fan-out of these posts to these people writes, by shard: what
    the bare write is timed on, and what the cost curves bulk-load."""
    by_shard: dict[int, list[Document]] = defaultdict(list)
    for person in people:
        for post in posts:
            by_shard[shard_of(person, shards)].append(entry(person, post))
    return by_shard


def feed_process(env: Mapping[str, str], database: str, **settings: str) -> Process:
    """The feed as its own process (`python -m feed`) on `database`; `settings` are further
    `FEED_*` variables."""
    port = free_port()
    feed_env = {"FEED_PORT": str(port), "FEED_DATABASE": database, "FEED_LOG_LEVEL": "WARNING"}
    return Process("feed", {**env, **feed_env, **settings}, port)


@dataclass(frozen=True)
class FanOutRun:
    """What `fan_out_run` measured, per post (round): the cost curves read it at several
    audience sizes, the fan-out bench turns it into its figure."""

    followers: int
    fan_outs: list[FanOut]  # each with its own `seconds`
    handling: list[float]  # the consumer's whole settle of the post
    bare: list[float]  # the same entries written bare
    publish: list[float]
    trip: list[float]
    shards: int

    @property
    def seconds(self) -> list[float]:
        return sorted(f.seconds for f in self.fan_outs)


async def fan_out_vs_bulk_write(
    endpoints: Endpoints, followers: int = FOLLOWERS, rounds: int = 3
) -> list[Figure]:
    """The fan-out's deliveries/s against a bare bulk write of the same entries (`fan_out_run`
    says how each is timed)."""
    run = await fan_out_run(endpoints, followers, rounds)
    delivered = sum(f.delivered for f in run.fan_outs)
    seconds, handling = run.seconds, sorted(run.handling)
    bare, publish, trip = run.bare, run.publish, run.trip
    return [
        Figure(
            f"feed fan-out to {followers / 1000:g}k followers",
            delivered / sum(seconds),
            "deliveries/s",
            followers * rounds / sum(bare),
            "bare PyMongo bulk write of the same entries (existing collections, no indexes)",
            target=0.6,
            notes={
                "fan-out seconds, best / median (target < 1 s)": (
                    f"{seconds[0]:.2f} / {statistics.median(seconds):.2f}"
                ),
                "the consumer's whole settle of the post, seconds, best / median": (
                    f"{handling[0]:.2f} / {statistics.median(handling):.2f}"
                ),
                "bare write seconds, best / median": (
                    f"{min(bare):.2f} / {statistics.median(bare):.2f}"
                ),
                "publishing (what POST /v1/posts awaits) seconds, best / median": (
                    f"{min(publish):.3f} / {statistics.median(publish):.3f}"
                ),
                "post saved to fan-out done (relay, Kafka, consumer) seconds, best / median": (
                    f"{min(trip):.2f} / {statistics.median(trip):.2f}"
                ),
                "delivered": delivered,
                "posts": rounds,
                "timeline shards": run.shards,
            },
        )
    ]


async def fan_out_run(endpoints: Endpoints, followers: int, rounds: int) -> FanOutRun:
    """`rounds` posts, each fanned out and then written bare, alternately, so that a noisy
    (shared) machine weighs on both sides alike.

    Each post is published as `POST /v1/posts` does it and fanned out the way every post is:
    by the feed's consumer of its `post.created`, arriving through the outbox relay and Kafka.
    What is timed is that fan-out's own time (`FanOut.seconds`: the audience read, the bulk
    inserts, the mark), as before the fan-out left the request; the whole handling of the
    event around it (the post read, its hashtag uses, the checks) is kept beside it."""
    name = unique_name("b")
    settings = settings_for(FeedSettings, endpoints, name, run_jobs=False)
    app = create_app(settings)
    feed = app.state.services
    people = [f"follower-{i:05d}" for i in range(followers)]
    client = mongo_client(endpoints.mongodb, "bench")
    settled: dict[str, tuple[FanOut | None, float]] = {}
    settle = feed.fanout.settle

    async def timed_settle(post_id: str) -> FanOut | None:
        started = time.perf_counter()
        result: FanOut | None = await settle(post_id)
        settled[post_id] = (result, time.perf_counter() - started)
        return result

    async def handled(post_id: str) -> bool:
        return post_id in settled

    feed.fanout.settle = timed_settle  # the consumer's handler looks it up on each event
    results: list[tuple[FanOut, float]] = []
    publish: list[float] = []
    trip: list[float] = []
    bare: list[float] = []
    try:
        async with app.router.lifespan_context(app):
            shards = len(feed.repo.timeline.shards)
            for n in range(rounds):
                # A fresh author each round, whose audience is stored before the post (as it
                # is for anyone who has followers), so the fan-out reads it and writes.
                author = f"bench-author-{n}"
                await feed.repo.social.insert_follows(author, people, datetime.now(UTC))
                await feed.timeline.changed(f"author:{author}")
                started = time.perf_counter()
                post = await feed.posts.create(
                    author, f"Tip {n} for everyone #bench", PostKind.tip, PostVisibility.public,
                    None, [],
                )  # fmt: skip
                saved = time.perf_counter()
                publish.append(saved - started)
                await wait_for(partial(handled, post["id"]), timeout=120)
                trip.append(time.perf_counter() - saved)
                fan_out, seconds = settled[post["id"]]
                assert fan_out is not None, "the consumer found the post fanned out already"
                results.append((fan_out, seconds))
                post_doc = await feed.repo.posts.post(post["id"])
                by_shard = entries_by_shard(people, [post_doc], shards)
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
    return FanOutRun(
        followers,
        [r for r, _ in results],
        [s for _, s in results],
        bare,
        publish,
        trip,
        shards,
    )


AUTHORS, READERS, POSTS_EACH = 10, 40, 8


async def _account(client: httpx.AsyncClient, name: str) -> tuple[str, dict[str, str]]:
    """Register someone through the gateway; their id and bearer header."""
    body = {"email": f"{name}@example.org", "password": PASSWORD, "display_name": name}
    user = (await client.post("/v1/auth/register", json=body)).json()
    login = {"email": body["email"], "password": PASSWORD}
    tokens = (await client.post("/v1/auth/token", json=login)).json()
    return str(user["id"]), {"Authorization": f"Bearer {tokens['access_token']}"}


async def _small_community(client: httpx.AsyncClient) -> list[dict[str, str]]:
    """Readers who follow every author; the authors' posts (reacted to, commented on) fill
    every reader's timeline. Returns the readers' headers."""
    authors = [await _account(client, f"author{n}") for n in range(AUTHORS)]
    readers = [await _account(client, f"reader{n}") for n in range(READERS)]
    for _, auth in readers:
        for author_id, _ in authors:
            await client.put(f"/v1/users/{author_id}/follow", headers=auth)
    posts: list[str] = []
    for n in range(POSTS_EACH):
        for a, (_, auth) in enumerate(authors):
            body = {"text": f"Update {n} from author {a} #bench", "kind": "update"}
            posts.append((await client.post("/v1/posts", json=body, headers=auth)).json()["id"])
    for r, (_, auth) in enumerate(readers):
        for post in posts[r % 7 :: 13]:
            await client.put(f"/v1/posts/{post}/reaction", json={"emoji": "like"}, headers=auth)
        await client.post(f"/v1/posts/{posts[r]}/comments", json={"text": "Nice!"}, headers=auth)
    return [auth for _, auth in readers]


async def _churn(
    client: httpx.AsyncClient, writers: list[dict[str, str]], rate: float, stop: asyncio.Event
) -> int:
    """Posts and reactions at `rate` each per second while the readers read: every post
    drops the timelines it reaches from memory, every reaction its post's counts."""
    n = 0
    while not stop.is_set():
        auth = writers[n % len(writers)]
        post = await client.post("/v1/posts", json={"text": f"Live {n}"}, headers=auth)
        other = writers[(n + 1) % len(writers)]
        await client.put(
            f"/v1/posts/{post.json()['id']}/reaction", json={"emoji": "celebrate"}, headers=other
        )
        n += 1
        await asyncio.sleep(1 / rate)
    return n


async def _cpu_ms_per_request(
    url: str, headers: Headers, processes: dict[str, Process], seconds: float = 3.0
) -> str:
    """Each server's CPU per request, from its CPU time over a short full-speed run."""
    before = {name: p.cpu_seconds() for name, p in processes.items()}
    run = await hammer(url, headers, seconds=seconds, connections=CONNECTIONS)
    spent = {name: p.cpu_seconds() - before[name] for name, p in processes.items()}
    return ", ".join(f"{name} {cpu / run.requests * 1000:.2f}" for name, cpu in spent.items())


async def timeline_read_vs_trivial(endpoints: Endpoints, seconds: float = 8.0) -> list[Figure]:
    name, secret = unique_name("b"), test_secret()
    env = _infra_env(endpoints, name, secret)
    ports = {svc: free_port() for svc in ("identity", "gateway")}
    identity = Process(
        "identity",
        {**env, "IDENTITY_PORT": str(ports["identity"]), "IDENTITY_DATABASE": f"{name}_identity"},
        ports["identity"],
    )
    feed = feed_process(env, f"{name}_feed")
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
            readers = await _small_community(client)
            page = (await client.get("/v1/feed", headers=readers[0])).json()
            rss_before = feed.rss_mib()
            await hammer(f"{gateway.url}/v1/feed", readers, seconds=1)
            targets: dict[str, tuple[str, Headers]] = {
                "read": (f"{gateway.url}/v1/feed", readers),
                "forwarded": (f"{gateway.url}/v1/feed/settings", readers),
                "gateway": (f"{gateway.url}/health/live", {}),
            }
            runs = await interleaved(targets, seconds, rounds=4, connections=CONNECTIONS)
            servers = {"gateway": gateway, "feed": feed}
            cpu = {
                what: await _cpu_ms_per_request(url, headers, servers)
                for what, (url, headers) in targets.items()
                if what != "gateway"
            }
            # Latency as users see it at a steady load (half the measured capacity, open
            # loop) while people keep posting and reacting.
            calm_rate = max(1.0, runs["read"].rate / 2)
            stop = asyncio.Event()
            churn = asyncio.create_task(_churn(client, readers[:5], 2.0, stop))
            calm = await steady(f"{gateway.url}/v1/feed", readers, rate=calm_rate, seconds=seconds)
            stop.set()
            churned = await churn
            rss_after = feed.rss_mib()
    finally:
        for process in reversed(processes):
            process.stop()
        client_db = mongo_client(endpoints.mongodb, "bench")
        for svc in ("identity", "feed"):
            await client_db.drop_database(f"{name}_{svc}")
        await client_db.close()
    read, forwarded, own = runs["read"], runs["forwarded"], runs["gateway"]
    notes = {
        f"p50 / p99 ms at a steady {calm_rate:.0f} req/s (half capacity), with "
        f"{churned / seconds:.1f} posts/s and as many reactions": (
            f"{calm.percentile(50):.1f} / {calm.percentile(99):.1f}"
        ),
        "p50 / p99 ms at full load": f"{read.percentile(50):.1f} / {read.percentile(99):.1f}",
        "readers / authors / posts": f"{READERS} / {AUTHORS} / {AUTHORS * POSTS_EACH}",
        "page size": len(page.get("items", [])),
        "errors": read.errors + calm.errors,
        "connections": CONNECTIONS,
        "feed RSS MiB before / after": f"{rss_before:.0f} / {rss_after:.0f}",
        "CPU ms per timeline read": cpu["read"],
        "CPU ms per trivial forwarded request": cpu["forwarded"],
    }
    return [
        Figure(
            "GET /v1/feed through gateway",
            read.rate,
            "req/s",
            forwarded.rate,
            "trivial route through the gateway: GET /v1/feed/settings "
            "(forwarded; the feed answers from memory)",
            target=0.5,
            notes=notes,
        ),
        Figure(
            "GET /v1/feed through gateway (2)",
            read.rate,
            "req/s",
            own.rate,
            "/health/live answered by the gateway itself (no hop)",
            notes={
                "forwarded trivial route vs /health/live (the ceiling of any forwarded route)": (
                    f"{forwarded.rate / own.rate:.3f}"
                ),
                "trivial forwarded p50 / p99 ms": (
                    f"{forwarded.percentile(50):.1f} / {forwarded.percentile(99):.1f}"
                ),
                "gateway /health/live p50 / p99 ms": (
                    f"{own.percentile(50):.1f} / {own.percentile(99):.1f}"
                ),
            },
        ),
    ]
