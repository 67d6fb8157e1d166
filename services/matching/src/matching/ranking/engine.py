"""The ranker's entry points: `rank` one person, `rebuild_all` for everyone, and the
incremental `SuggestionBook` that knows whose lists a change touches.

All pure and in memory: the service feeds them from its store, a benchmark from a synthetic city.
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from matching.ranking.candidates import DEFAULT_BUDGET, Budget, generate
from matching.ranking.explain import explain
from matching.ranking.index import MatchIndex
from matching.ranking.model import Intent, Person, SocialGraph, Suggestion
from matching.ranking.scoring import DEFAULT_WEIGHTS, Scorer, Weights, eligible

MAX_AUTO_WORKERS = 4
AUTO_MIN = 2000
DIVERSITY_STEP = 0.03
DIVERSITY_FLOOR = 0.85


@dataclass(frozen=True, slots=True)
class RankContext:
    now: datetime
    limit: int = 20
    weights: Weights = DEFAULT_WEIGHTS
    budget: Budget = DEFAULT_BUDGET
    explain: bool = True


def _diversify(
    scored: list[tuple[float, str]], limit: int, people: Mapping[str, Person]
) -> list[tuple[float, str]]:
    """Greedy re-rank: each further pick of an already chosen profession counts a little less,
    so a list is not ten copies of one kind of person when others score almost as well."""
    remaining = [(score, cid, people[cid].profession) for score, cid in scored]
    chosen: list[tuple[float, str]] = []
    seen: dict[str | None, int] = {}
    while remaining and len(chosen) < limit:
        best_i, best_adj = 0, float("-inf")
        for i, (score, _, prof) in enumerate(remaining):
            n = seen.get(prof, 0)
            adj = score * max(DIVERSITY_FLOOR, 1.0 - DIVERSITY_STEP * n) if n else score
            if adj > best_adj:
                best_i, best_adj = i, adj
            elif score <= best_adj:
                break  # sorted by score: nothing further down can beat the best so far
        score, cid, prof = remaining.pop(best_i)
        chosen.append((score, cid))
        seen[prof] = seen.get(prof, 0) + 1
    return chosen


def rank(
    index: MatchIndex,
    user_id: str,
    intent: Intent = Intent.job_friends,
    context: RankContext | None = None,
    *,
    now: datetime | None = None,
) -> list[Suggestion]:
    """The best `limit` people for `user_id` under `intent`, best first, with reasons."""
    if context is None:
        if now is None:
            raise TypeError("rank needs a context or `now`")
        context = RankContext(now=now)
    p = index.people.get(user_id)
    if p is None or not eligible(p, intent):
        return []
    scorer = Scorer(index, p, context.now, context.weights)
    skip: set[str] = set()
    for table in (index.friends, index.pending, index.hidden, index.dismissed):
        theirs = table.get(user_id)
        if theirs:
            skip |= theirs
    ids = generate(index, p, intent, context.now, context.budget)
    if skip:
        ids = [cid for cid in ids if cid not in skip]
    if intent is Intent.job_friends:
        scored = [t for t in scorer.job_friends_many(ids) if t[0] > 0.0]
    else:
        score = scorer.for_intent(intent)
        people = index.people
        scored = []
        for cid in ids:
            c = people.get(cid)
            if c is not None:
                s = score(c)
                if s is not None and s > 0.0:
                    scored.append((s, cid))
    top = heapq.nsmallest(context.limit * 3, scored, key=lambda t: (-t[0], t[1]))
    people = index.people
    picks = _diversify(top, context.limit, people)
    if not context.explain:
        return [Suggestion(cid, s) for s, cid in picks]
    out = []
    for s, cid in picks:
        reasons, sentence = explain(
            index, p, people[cid], intent, context.now, context.weights, scorer
        )
        out.append(Suggestion(cid, s, reasons, sentence))
    return out


# --- full rebuild ---------------------------------------------------------------------------

_WORKER_INDEX: MatchIndex | None = None


def _rank_chunk(
    args: tuple[Sequence[str], Intent, RankContext],
) -> list[tuple[str, list[Suggestion]]]:
    ids, intent, context = args
    assert _WORKER_INDEX is not None
    return [(uid, rank(_WORKER_INDEX, uid, intent, context)) for uid in ids]


def build_index(people: Iterable[Person], graph: SocialGraph | None = None) -> MatchIndex:
    return MatchIndex.build(people, graph)


def rebuild_all(
    people: Iterable[Person] | MatchIndex,
    graph: SocialGraph | None = None,
    *,
    now: datetime,
    intent: Intent = Intent.job_friends,
    limit: int = 10,
    workers: int = 0,
    explain: bool = True,
    weights: Weights = DEFAULT_WEIGHTS,
    budget: Budget = DEFAULT_BUDGET,
    sink: Callable[[str, list[Suggestion]], None] | None = None,
) -> dict[str, list[Suggestion]]:
    """Suggestions for everyone: the benchmark's entry point.

    `people` is a list of `Person` (with `graph`) or a ready index. With `workers > 1` the
    index is built once and shared with forked worker processes (copy-on-write), each ranking
    a slice; `workers=0` (the default) uses every CPU (at most 4) for 2,000 people or more;
    on platforms without `fork` it all runs in this process. With `sink`, each person's
    list is handed over as soon as it is ready and not kept (the service writes lists to its
    store this way; explained suggestions take ~1.4 KB each, 700 MB for 50,000 x 10), and the
    returned mapping is empty.
    """
    global _WORKER_INDEX
    index = people if isinstance(people, MatchIndex) else build_index(people, graph)
    context = RankContext(now=now, limit=limit, weights=weights, budget=budget, explain=explain)
    ids = list(index.people)
    if workers <= 0:
        workers = min(os.cpu_count() or 1, MAX_AUTO_WORKERS) if len(ids) >= AUTO_MIN else 1
    out: dict[str, list[Suggestion]] = {}
    put: Callable[[str, list[Suggestion]], None] = sink or out.__setitem__
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for uid in ids:
            put(uid, rank(index, uid, intent, context))
        return out
    _WORKER_INDEX = index
    try:
        chunk = max(200, len(ids) // (workers * 8))
        slices = [(ids[i : i + chunk], intent, context) for i in range(0, len(ids), chunk)]
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for part in pool.map(_rank_chunk, slices):
                for uid, suggestions in part:
                    put(uid, suggestions)
        return out
    finally:
        _WORKER_INDEX = None


# --- incremental ----------------------------------------------------------------------------


@dataclass
class SuggestionBook:
    """Current lists for one intent plus the reverse map "who lists whom", so a change to one
    person refreshes exactly the lists it can affect."""

    lists: dict[str, list[Suggestion]] = field(default_factory=dict)
    listed_by: dict[str, set[str]] = field(default_factory=dict)

    def put(self, user_id: str, suggestions: list[Suggestion]) -> bool:
        """Store a list; True when the ids or their order changed."""
        old = self.lists.get(user_id, [])
        old_ids = [s.user_id for s in old]
        new_ids = [s.user_id for s in suggestions]
        for cid in set(old_ids) - set(new_ids):
            holders = self.listed_by.get(cid)
            if holders is not None:
                holders.discard(user_id)
                if not holders:
                    del self.listed_by[cid]
        for cid in new_ids:
            self.listed_by.setdefault(cid, set()).add(user_id)
        self.lists[user_id] = suggestions
        return old_ids != new_ids

    def drop(self, user_id: str) -> None:
        self.put(user_id, [])
        self.lists.pop(user_id, None)


def affected_by(
    changed: Iterable[str],
    listed_by: Mapping[str, Iterable[str]],
    current: Mapping[str, Sequence[Suggestion]],
    *,
    extra: Iterable[str] = (),
    cap: int = 400,
) -> list[str]:
    """Whose lists a change to `changed` can alter: the changed people, everyone listing them,
    and everyone they list (scores are near-symmetric, so someone newly suited to X is usually
    in X's own list). Ordered by priority and capped, so one popular person cannot stall a
    refresh."""
    out: dict[str, None] = {}
    changed = list(changed)
    for uid in changed:
        out[uid] = None
    for uid in changed:
        for holder in sorted(listed_by.get(uid, ())):
            out[holder] = None
    for uid in changed:
        for s in current.get(uid, ()):
            out[s.user_id] = None
    for uid in extra:
        out[uid] = None
    return list(out)[:cap]


def refresh(
    index: MatchIndex,
    book: SuggestionBook,
    changed: Iterable[str],
    *,
    now: datetime,
    intent: Intent = Intent.job_friends,
    limit: int = 10,
    extra: Iterable[str] = (),
) -> dict[str, list[Suggestion]]:
    """Recompute the lists a change can affect (after the caller updated `index`); returns the
    lists that changed. Two passes: the changed people first, so their new lists count as
    'whom they list' when choosing who else to recompute."""
    context = RankContext(now=now, limit=limit)
    changed = list(changed)
    updated: dict[str, list[Suggestion]] = {}
    for uid in changed:
        if uid not in index.people:
            book.drop(uid)
            continue
        new = rank(index, uid, intent, context)
        if book.put(uid, new):
            updated[uid] = new
    others = affected_by(changed, book.listed_by, book.lists, extra=extra)
    for uid in others:
        if uid in changed or uid not in index.people:
            continue
        new = rank(index, uid, intent, context)
        if book.put(uid, new):
            updated[uid] = new
    return updated
