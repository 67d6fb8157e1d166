"""Matching: suggestion quality against the demo city's hidden truth (next to two naive
baselines computed in the same run), a full rebuild for 50,000 people (time and peak memory),
and incremental refreshes after a profile change.

The ranker sees only what users could see (`jobfriends_seed.city`); the truth comes from
`jobfriends_seed.truth`, which the ranker's code never imports.
"""

from __future__ import annotations

import math
import random
import resource
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from jobfriends_seed.city import SENIORITIES, City, generate
from jobfriends_seed.truth import friends_truth
from jobfriends_shared.testing import Endpoints
from matching.ranking.engine import SuggestionBook, build_index, rebuild_all, refresh
from matching.ranking.model import EventInfo, Person, SocialGraph

from bench.report import Figure

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
