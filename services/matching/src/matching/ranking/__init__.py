"""The matching ranker: pure, in-memory, fast. No Kafka, no MongoDB, no HTTP.

Benchmarks and the service use the same entry points:

    from matching.ranking import Person, SocialGraph, Intent, rebuild_all, rank, MatchIndex
    suggestions = rebuild_all(people, graph, now=now, limit=10)   # {user_id: [Suggestion]}
    index = MatchIndex.build(people, graph); rank(index, uid, Intent.mentors, now=now)

Incremental: change the index (`put_person`, `set_events`, `set_groups`, ...), then
`refresh(index, book, [uid], now=now)` recomputes only the lists that change can affect.
"""

from matching.ranking.candidates import Budget
from matching.ranking.engine import (
    RankContext,
    SuggestionBook,
    affected_by,
    build_index,
    rank,
    rebuild_all,
    refresh,
)
from matching.ranking.explain import explain
from matching.ranking.index import MatchIndex
from matching.ranking.model import EventInfo, Intent, Person, Reason, SocialGraph, Suggestion
from matching.ranking.scoring import Weights, eligible

__all__ = [
    "Budget",
    "EventInfo",
    "Intent",
    "MatchIndex",
    "Person",
    "RankContext",
    "Reason",
    "SocialGraph",
    "Suggestion",
    "SuggestionBook",
    "Weights",
    "affected_by",
    "build_index",
    "eligible",
    "explain",
    "rank",
    "rebuild_all",
    "refresh",
]
