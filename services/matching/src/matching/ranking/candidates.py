"""Candidate generation: a bounded pool per person from several cheap sources.

Each source walks one inverted index and stops at its own budget, so the cost per person is
bounded whatever the city's size: the nearest people of the same profession (grid rings), the
same profession family nearby, anyone very close, the same profession elsewhere in the city,
rare shared skills and interests, upcoming events, past co-attendance, groups, hashtags,
friends of friends, and people one already interacted with. Scoring then looks at the pool only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from matching.ranking.index import Key, MatchIndex, Members
from matching.ranking.model import Intent, Person

MAX_RING = 6
RINGS: tuple[tuple[tuple[int, int], ...], ...] = tuple(
    tuple(
        (dx, dy) for dx in range(-r, r + 1) for dy in range(-r, r + 1) if max(abs(dx), abs(dy)) == r
    )
    for r in range(MAX_RING + 1)
)
# Where each offset comes in the walk, ring by ring; and how many cells rings 0..r hold.
RING_ORDER: dict[tuple[int, int], int] = {
    offset: n for n, offset in enumerate(o for ring in RINGS for o in ring)
}
RING_CELLS: tuple[int, ...] = tuple((2 * r + 1) ** 2 for r in range(MAX_RING + 1))

# Families whose people tend to make things together (a designer and a writer).
COMPLEMENTARY: dict[str, tuple[str, ...]] = {
    "design": ("media", "tech", "product", "business"),
    "media": ("design", "business", "tech"),
    "tech": ("design", "data", "product"),
    "data": ("tech", "product", "business"),
    "product": ("tech", "design", "data", "business"),
    "business": ("media", "design", "finance", "tech"),
    "finance": ("business", "law"),
    "law": ("business", "finance"),
    "people": ("business", "education", "health"),
    "education": ("people", "media", "tech"),
    "health": ("people", "education"),
    "hospitality": ("business", "media", "design"),
    "engineering": ("design", "tech", "data"),
}


@dataclass(frozen=True, slots=True)
class Budget:
    """How many new candidates each source may add (totals are per person)."""

    same_profession_near: int = 45
    same_family_near: int = 20
    anyone_near: int = 12
    same_profession_city: int = 8
    rare_skills: int = 24
    rare_skill_df: int = 150
    events: int = 30
    per_event: int = 20
    attended: int = 16
    groups: int = 24
    per_group: int = 12
    hashtags: int = 10
    per_hashtag: int = 5
    friends_of_friends: int = 25
    fof_degree: int = 150
    interacted: int = 16
    open_near: int = 60


DEFAULT_BUDGET = Budget()


class _Pool:
    __slots__ = ("ids", "uid")

    def __init__(self, uid: str) -> None:
        self.uid = uid
        self.ids: dict[str, None] = {}

    def add_from(self, members: Iterable[str], cap: int) -> int:
        """Add up to `cap` new ids; returns how many were added."""
        if cap <= 0:
            return 0
        ids, uid, added = self.ids, self.uid, 0
        for c in members:
            if c not in ids and c != uid:
                ids[c] = None
                added += 1
                if added >= cap:
                    break
        return added


def _rings(
    index: MatchIndex, pool: _Pool, prefix: Key, cell: tuple[int, int], cap: int, max_r: int
) -> None:
    """Nearest first: whole rings of grid cells around `cell` until `cap` new people. When the
    prefix occupies fewer cells than the rings hold, only those are visited, in ring order."""
    occupied = index.cells.get(prefix)
    if not occupied:
        return
    postings = index.postings
    x, y = cell
    left = cap
    if len(occupied) < RING_CELLS[max_r]:
        near = sorted(
            (RING_ORDER[(cx - x, cy - y)], cx, cy)
            for cx, cy in occupied
            if abs(cx - x) <= max_r and abs(cy - y) <= max_r
        )
        offsets: Iterable[tuple[int, int]] = [(cx - x, cy - y) for _, cx, cy in near]
    else:
        offsets = (offset for r in range(max_r + 1) for offset in RINGS[r])
    for dx, dy in offsets:
        members = postings.get((*prefix, x + dx, y + dy))
        if members:
            left -= pool.add_from(members, left)
            if left <= 0:
                return


def _social(index: MatchIndex, p: Person, pool: _Pool, now: datetime, b: Budget) -> None:
    uid = p.id
    events = index.user_events.get(uid)
    if events:
        upcoming = [
            e
            for e in events
            if (info := index.events.get(e)) is not None
            and not info.cancelled
            and info.starts_at > now
        ]
        left = b.events
        for e in sorted(upcoming, key=lambda e: (len(index.event_people.get(e, ())), e)):
            left -= pool.add_from(index.event_people.get(e, ()), min(left, b.per_event))
    attended = index.user_attended.get(uid)
    if attended:
        left = b.attended
        for e in sorted(attended, key=lambda e: (len(index.attendees.get(e, ())), e)):
            left -= pool.add_from(index.attendees.get(e, ()), min(left, b.per_event))
    groups = index.user_groups.get(uid)
    if groups:
        left = b.groups
        for g in sorted(groups, key=lambda g: (len(index.group_members.get(g, ())), g)):
            left -= pool.add_from(index.group_members.get(g, ()), min(left, b.per_group))
    tags = index.user_tags.get(uid)
    if tags:
        left = b.hashtags
        for t in sorted(tags, key=lambda t: (len(index.tag_followers.get(t, ())), t)):
            left -= pool.add_from(index.tag_followers.get(t, ()), min(left, b.per_hashtag))
    friends = index.friends.get(uid)
    if friends:
        mutual: dict[str, int] = {}
        for f in friends:
            theirs = index.friends.get(f, ())
            if len(theirs) > b.fof_degree:
                continue  # a hub says little about any one of its friends
            for g in theirs:
                mutual[g] = mutual.get(g, 0) + 1
        best = sorted(mutual.items(), key=lambda kv: (-kv[1], kv[0]))
        pool.add_from((g for g, _ in best if g not in friends), b.friends_of_friends)
    interacted = index.interacted.get(uid)
    if interacted:
        pool.add_from(sorted(interacted), b.interacted)


def _rare_terms(
    index: MatchIndex, p: Person, pool: _Pool, terms: frozenset[str], kind: str, b: Budget
) -> None:
    if not terms or p.city_key is None:
        return
    postings = index.postings
    city = p.city_key
    sized: list[tuple[int, str, Members]] = []
    for term in terms:
        members = postings.get((kind, city, term))
        if members and 1 < len(members) <= b.rare_skill_df:
            sized.append((len(members), term, members))
    sized.sort(key=lambda t: (t[0], t[1]))
    left = b.rare_skills
    for _, _, members in sized:
        left -= pool.add_from(members, min(left, 10))
        if left <= 0:
            return


def _job_friends(index: MatchIndex, p: Person, pool: _Pool, b: Budget) -> None:
    if p.cell is not None:
        if p.profession:
            _rings(index, pool, ("pc", p.profession), p.cell, b.same_profession_near, MAX_RING)
        if p.family:
            _rings(index, pool, ("fc", p.family), p.cell, b.same_family_near, 3)
        _rings(index, pool, ("c",), p.cell, b.anyone_near, 1)
    if p.city_key and p.profession:
        members = index.postings.get(("cp", p.city_key, p.profession), {})
        pool.add_from(members, b.same_profession_city)
    _rare_terms(index, p, pool, p.skills, "cs", b)
    _rare_terms(index, p, pool, p.interests, "ci", b)


def _open_near(
    index: MatchIndex, p: Person, pool: _Pool, flag: str, families: Iterable[str], b: Budget
) -> None:
    """People open to `flag` in these families, nearest first, then anywhere in the city."""
    families = list(families)
    share = max(5, b.open_near // max(1, len(families)))
    for family in families:
        if p.cell is not None:
            _rings(index, pool, ("ofc", flag, family), p.cell, share, MAX_RING)
        if p.city_key:
            pool.add_from(index.postings.get(("ocf", flag, p.city_key, family), {}), share // 3)


def _mentoring(index: MatchIndex, p: Person, pool: _Pool, flag: str, b: Budget) -> None:
    if p.profession:
        if p.cell is not None:
            _rings(index, pool, ("opc", flag, p.profession), p.cell, b.open_near, MAX_RING)
        if p.city_key:
            members = index.postings.get(("ocp", flag, p.city_key, p.profession), {})
            pool.add_from(members, b.open_near // 2)
    if p.family:
        _open_near(index, p, pool, flag, (p.family,), b)


def generate(
    index: MatchIndex,
    p: Person,
    intent: Intent,
    now: datetime,
    budget: Budget = DEFAULT_BUDGET,
) -> list[str]:
    """Candidate ids for `p` (not yet filtered for exclusions or eligibility)."""
    pool = _Pool(p.id)
    if intent is Intent.job_friends:
        _job_friends(index, p, pool, budget)
    elif intent is Intent.collaborators:
        families = (p.family, *COMPLEMENTARY.get(p.family, ())) if p.family else ()
        if not families:
            families = tuple(dict.fromkeys(COMPLEMENTARY))
        _open_near(index, p, pool, "collaborating", families, budget)
    elif intent is Intent.mentors:
        _mentoring(index, p, pool, "mentoring", budget)
    else:
        _mentoring(index, p, pool, "being_mentored", budget)
    _social(index, p, pool, now, budget)
    return list(pool.ids)
