"""Matching: suggestion quality against the demo city's hidden truth (next to two naive
baselines computed in the same run), a full rebuild for 50,000 people (time and peak memory),
and incremental refreshes after a profile change.

The ranker sees only what users could see (`jobfriends_seed.city`); the truth comes from
`jobfriends_seed.truth`, which the ranker's code never imports.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import resource
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from jobfriends_seed.city import SENIORITIES, City, generate
from jobfriends_seed.city import Person as CityPerson
from jobfriends_seed.truth import friends_truth
from jobfriends_shared.contracts import Payload, build_event, contract_for
from jobfriends_shared.contracts.events import RsvpChanged, RsvpStatus
from jobfriends_shared.contracts.identity import ProfileUpdated
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.kafka import ensure_topics
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.testing import Endpoints, test_secret, unique_name, wait_for
from matching.ranking.engine import SuggestionBook, build_index, rebuild_all, refresh
from matching.ranking.model import EventInfo, Person, SocialGraph

from bench.load import Process, free_port
from bench.matching_city import city_payloads, snapshot
from bench.matching_city import preload as preload_city
from bench.platform_http import _infra_env
from bench.report import Figure
from bench.services_notifications import _raw_hop

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _people(city: City) -> list[Person]:
    return [
        Person(
            id=p.key,
            display_name=p.display_name,
            profession=p.profession,
            seniority=SENIORITIES.index(p.seniority),
            skills=frozenset(p.skills),
            interests=frozenset(p.interests),
            city="Berlin",
            neighbourhood=p.neighbourhood,
            lat=p.lat,
            lon=p.lon,
            languages=frozenset(p.languages),
            open_to=frozenset(p.open_to),
        )
        for p in city.people
    ]


def _graph(city: City) -> SocialGraph:
    return SocialGraph(
        friends=city.connections,
        groups={g.key: g.members for g in city.groups},
        group_names={g.key: g.name for g in city.groups},
        events={e.key: EventInfo(e.key, e.title, e.starts_at, e.kind) for e in city.events},
        rsvps={e.key: e.going for e in city.events},
    )


def _precision_ndcg(lists: dict[str, list[str]], truth: dict[str, set[str]]) -> tuple[float, float]:
    precisions, gains = [], []
    ideal_cache: dict[int, float] = {}
    for person, relevant in truth.items():
        if not relevant:
            continue
        top = lists.get(person, [])[:10]
        hits = [1.0 if other in relevant else 0.0 for other in top]
        precisions.append(sum(hits) / 10)
        dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
        k = min(10, len(relevant))
        if k not in ideal_cache:
            ideal_cache[k] = sum(1 / math.log2(i + 2) for i in range(k))
        gains.append(dcg / ideal_cache[k])
    return sum(precisions) / len(precisions), sum(gains) / len(gains)


async def quality(_endpoints: Endpoints, people: int = 4_000, seed: int = 11) -> list[Figure]:
    city = generate(seed, people, start=NOW + timedelta(days=1))
    friends: dict[str, set[str]] = defaultdict(set)
    for a, b in city.connections:
        friends[a].add(b)
        friends[b].add(a)
    # Existing connections are never suggested, so they do not count as findable truth.
    truth = {k: v - friends[k] for k, v in friends_truth(city).items()}
    suggested = rebuild_all(_people(city), _graph(city), now=NOW, explain=False)
    ranker = {k: [s.user_id for s in v] for k, v in suggested.items()}

    rng = random.Random(seed)
    keys = [p.key for p in city.people]
    by_profession: dict[str, list[str]] = defaultdict(list)
    for p in city.people:
        by_profession[p.profession].append(p.key)

    def sample(pool: list[str], me: str) -> list[str]:
        options = [k for k in pool if k != me and k not in friends[me]]
        return rng.sample(options, k=min(10, len(options)))

    random_city = {p.key: sample(keys, p.key) for p in city.people}
    same_profession = {p.key: sample(by_profession[p.profession], p.key) for p in city.people}
    p_rank, n_rank = _precision_ndcg(ranker, truth)
    p_rand, n_rand = _precision_ndcg(random_city, truth)
    p_prof, n_prof = _precision_ndcg(same_profession, truth)
    notes = {
        "people": people,
        "nDCG@10 ranker / same-profession / random": f"{n_rank:.3f} / {n_prof:.3f} / {n_rand:.3f}",
        "precision@10 random same-city": f"{p_rand:.3f}",
    }
    return [
        Figure(
            "match precision@10",
            p_rank,
            "",
            p_prof,
            "same-profession baseline",
            target=2.0,
            notes=notes,
        ),
        Figure("match nDCG@10", n_rank, "", n_prof, "same-profession baseline", notes={}),
    ]


def _peak_rss_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


async def rebuild(_endpoints: Endpoints, people: int = 50_000, seed: int = 5) -> list[Figure]:
    city = generate(seed, people, start=NOW + timedelta(days=1))
    persons, graph = _people(city), _graph(city)
    started = time.perf_counter()
    index = build_index(persons, graph)
    index_seconds = time.perf_counter() - started
    kept: dict[str, int] = {}

    def sink(uid: str, suggestions: list[Any]) -> None:
        kept[uid] = len(suggestions)

    started = time.perf_counter()
    rebuild_all(index, now=NOW, sink=sink)
    seconds = time.perf_counter() - started + index_seconds
    peak = _peak_rss_mib()

    # Incremental: change one person's profile at a time and refresh the affected lists.
    book = SuggestionBook()
    sample = random.Random(seed).sample(list(index.people), 200)
    for uid in sample:
        book.put(uid, [])
    latencies = []
    for uid in sample:
        person = index.people[uid]
        changed = Person(
            id=uid,
            profession=person.profession,
            seniority=person.seniority,
            skills=person.skills | {"figma"},
            interests=person.interests,
            city=person.city,
            neighbourhood=person.neighbourhood,
            lat=person.lat,
            lon=person.lon,
            languages=person.languages,
            open_to=person.open_to,
        )
        t = time.perf_counter()
        index.put_person(changed)
        refresh(index, book, [uid], now=NOW)
        latencies.append(time.perf_counter() - t)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return [
        Figure(
            "full rebuild of suggestions",
            seconds,
            "s",
            120.0,
            "limit 2 min",
            target=1.0,
            higher_is_better=False,
            notes={"people": people, "lists": len(kept), "index build s": f"{index_seconds:.1f}"},
        ),
        Figure(
            "full rebuild peak memory",
            peak,
            "MiB",
            2048.0,
            "limit 2 GiB",
            target=1.0,
            higher_is_better=False,
            notes={},
        ),
        Figure(
            "incremental refresh p99 (compute)",
            p99,
            "s",
            2.0,
            "limit 2 s",
            target=1.0,
            higher_is_better=False,
            notes={"changes": len(sample)},
        ),
    ]


# --- incremental, end to end ----------------------------------------------------------------


class _Refreshed:
    """Every `match.suggestions_refreshed` on the topic: when it arrived, per correlation id."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", fetch_max_wait_ms=10
        )
        self.arrivals: dict[str, list[tuple[float, str]]] = defaultdict(list)
        self.last = time.perf_counter()
        self.count = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Refreshed:
        await self.consumer.start()
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    event = Envelope.from_bytes(record.value)
                    self.count += 1
                    self.last = now
                    if event.correlation_id:
                        self.arrivals[event.correlation_id].append(
                            (now, str(event.payload["user_id"]))
                        )

    async def heard_any(self) -> bool:
        return self.count > 0

    async def quiet(self, seconds: float, timeout: float) -> None:
        """Wait until nothing arrived for `seconds` (the service has caught up)."""
        deadline = time.perf_counter() + timeout
        # Polled: quiet is the absence of an event, nothing to await.
        while time.perf_counter() - self.last < seconds and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else math.nan


@dataclass(frozen=True)
class IncrementalRun:
    """What `incremental_run` measured: seconds from each change to its own refreshed list
    and to the last list it caused, and how many lists each change refreshed."""

    people: int
    rate: float
    seconds: float
    sent: int
    own: list[float]
    everyone: list[float]
    lists_per_change: list[int]
    raw: list[float]  # a bare Kafka hop at the same rate, for scale
    refreshed: int  # `match.suggestions_refreshed` events seen, the city's load included
    loaded_lists: int  # of which before the first change (the load had settled)
    load_seconds: float
    preloaded: bool
    started_at: datetime


async def incremental_end_to_end(
    endpoints: Endpoints,
    people: int = 200,
    rate: float = 4.0,
    seconds: float = 30.0,
    seed: int = 7,
) -> list[Figure]:
    """The p99 of `incremental_run`'s "all affected lists" against the 2 s limit."""
    run = await incremental_run(endpoints, people, rate, seconds, seed)
    raw = sorted(run.raw)
    unchanged = run.sent - len(run.own)
    how = "preloaded, then the start-up rebuild" if run.preloaded else "through Kafka"
    notes = {
        "people": people,
        "steady rate": f"{rate:g} changes/s for {seconds:g}s (profile edits and RSVPs)",
        "changes / with a changed list": (
            f"{run.sent} / {len(run.own)} ({unchanged} changed no list)"
        ),
        "refreshed events seen": run.refreshed,
        "own list p50 / p99 s": (
            f"{_percentile(run.own, 50):.3f} / {_percentile(run.own, 99):.3f}"
        ),
        "all affected lists p50 / p99 s": (
            f"{_percentile(run.everyone, 50):.3f} / {_percentile(run.everyone, 99):.3f}"
        ),
        "lists refreshed per change, median / max": (
            f"{statistics.median(run.lists_per_change or [0]):g}"
            f" / {max(run.lists_per_change or [0])}"
        ),
        "raw Kafka hop p50 / p99 s": f"{_percentile(raw, 50):.3f} / {_percentile(raw, 99):.3f}",
        f"city load s ({how})": f"{run.load_seconds:.1f}",
        "started": run.started_at.isoformat(timespec="seconds"),
    }
    return [
        Figure(
            "incremental refresh p99 (event to stored, end to end)",
            _percentile(run.everyone, 99),
            "s",
            2.0,
            "limit 2 s",
            target=1.0,
            higher_is_better=False,
            notes=notes,
        ),
    ]


async def incremental_run(
    endpoints: Endpoints,
    people: int,
    rate: float = 4.0,
    seconds: float = 30.0,
    seed: int = 7,
    *,
    preload: bool = False,
) -> IncrementalRun:
    """From a profile or RSVP event produced to Kafka to the affected suggestions stored and
    announced: the matching service runs as its own process on a city of `people`, and the
    bench sends a steady `rate` of changes (alternately a profile edit and an RSVP) for
    `seconds`. The clock stops when `match.suggestions_refreshed` for the person arrives on
    the topic (published after the list is stored, so it is readable by then); "all affected"
    stops at the last refresh the change caused, neighbours' lists included.

    The city arrives through Kafka before the clock starts, or with `preload` is written into
    the store before the service starts (`bench.matching_city` says why)."""
    name, secret = unique_name("b"), test_secret()
    prefix = f"{name}."
    await ensure_topics(endpoints.kafka, prefix, 2)
    raw = await _raw_hop(endpoints.kafka, f"{prefix}feed.posts", 40, rate)
    port = free_port()
    env = {
        **_infra_env(endpoints, name, secret),
        "MATCHING_PORT": str(port),
        "MATCHING_DATABASE": name,
        "MATCHING_LOG_LEVEL": "WARNING",
    }
    city = generate(seed, people, start=datetime.now(UTC) + timedelta(days=1))
    ids = {p.key: f"u{i:06d}" for i, p in enumerate(city.people)}
    producer = AIOKafkaProducer(bootstrap_servers=endpoints.kafka, acks="all", linger_ms=2)
    started_at = datetime.now(UTC)

    async def send(payload: Payload, correlation_id: str | None = None) -> None:
        event = build_event(
            payload, producer="bench", occurred_at=datetime.now(UTC), correlation_id=correlation_id
        )
        topic = f"{prefix}{contract_for(event.type, event.version).topic}"
        await producer.send_and_wait(topic, event.to_bytes(), key=event.key.encode())

    load_started = time.perf_counter()
    if preload:
        await preload_city(endpoints, name, city_payloads(city, ids))
    matching = Process("matching", env, port)
    await producer.start()
    try:
        await matching.ready()
        async with _Refreshed(endpoints.kafka, f"{prefix}matching.suggestions") as refreshed:
            if preload:
                await wait_for(refreshed.heard_any, timeout=600)  # the rebuild began
            else:
                load_started = time.perf_counter()
                for payload in city_payloads(city, ids):
                    await send(payload)
            await refreshed.quiet(5.0, timeout=600)
            load_seconds = time.perf_counter() - load_started
            loaded_lists = refreshed.count

            rng = random.Random(seed)
            by_profession: dict[str, list[CityPerson]] = defaultdict(list)
            for person in city.people:
                by_profession[person.profession].append(person)
            sent: dict[str, tuple[float, str, str]] = {}
            interval = 1 / rate
            next_at = time.perf_counter()
            for i in range(int(seconds * rate)):
                p = rng.choice(city.people)
                uid, cid = ids[p.key], f"bench-{i}"
                if i % 2 == 0:
                    # A skill a colleague has: it moves scores, so lists change.
                    peer = rng.choice(by_profession[p.profession])
                    skills = sorted(set(p.skills) ^ {rng.choice(peer.skills)})
                    sent[cid] = (time.perf_counter(), uid, "profile")
                    profile = snapshot(p, skills)
                    await send(
                        ProfileUpdated(user_id=uid, changed=("skills",), profile=profile), cid
                    )
                else:
                    e = rng.choice(city.events)
                    status = RsvpStatus.going if p.key not in e.going else RsvpStatus.not_going
                    sent[cid] = (time.perf_counter(), uid, "rsvp")
                    await send(RsvpChanged(event_id=e.key, user_id=uid, status=status), cid)
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            await refreshed.quiet(5.0, timeout=120)
    finally:
        matching.stop()
        await producer.stop()
        client = mongo_client(endpoints.mongodb, "bench")
        await client.drop_database(name)
        await client.close()

    own: list[float] = []
    everyone: list[float] = []
    lists: list[int] = []
    for cid, (at, uid, _kind) in sent.items():
        arrivals = refreshed.arrivals.get(cid, [])
        mine = [t for t, u in arrivals if u == uid]
        if not mine:
            continue  # the change moved nobody's list: nothing to wait for
        own.append(min(mine) - at)
        everyone.append(max(t for t, _ in arrivals) - at)
        lists.append(len({u for _, u in arrivals}))
    return IncrementalRun(
        people, rate, seconds, len(sent), own, everyone, lists, raw, refreshed.count,
        loaded_lists, load_seconds, preload, started_at,
    )  # fmt: skip
