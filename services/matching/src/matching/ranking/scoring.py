"""Scores one candidate for one person and intent; pure arithmetic on the index.

The score is a weighted sum of evidence that two people would get along professionally:
proximity (exact distance where both gave coordinates), profession (same, or the same family),
shared skills and interests weighted by rarity in their city, mutual friends, upcoming events
both go to, events both attended, shared groups and hashtags, and past interactions. Intents
change the profession term (complementary for collaborators, a seniority gap for mentoring) and
who is eligible at all. `None` means "not eligible for this intent".

Hot path: called for every candidate of every person in a rebuild, so it avoids building
objects and returns a float; `explain` recomputes the details for the few that are shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from matching.ranking.batch import job_friends_many
from matching.ranking.candidates import COMPLEMENTARY
from matching.ranking.index import MatchIndex
from matching.ranking.model import Intent, Person
from matching.ranking.tables import KM_PER_DEGREE, LOG2P1

_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Weights:
    proximity: float = 2.5
    distance_scale_km: float = 2.0
    same_profession: float = 1.6
    same_family: float = 0.7
    skill: float = 0.45
    skill_cap: int = 6
    interest: float = 0.3
    interest_cap: int = 4
    mutual: float = 0.8
    event: float = 1.2
    attended: float = 1.0
    group: float = 0.7
    hashtag: float = 0.25
    interacted: float = 0.8
    open_to_new_friends: float = 0.25
    no_common_language: float = -1.0
    seniority: float = 0.3
    complement: float = 2.0
    new_skills: float = 0.8
    both_collaborating: float = 0.4
    gap: float = 1.5
    mentoring_proximity: float = 0.6


DEFAULT_WEIGHTS = Weights()
GAP_SCORE = {2: 1.0, 3: 0.9, 4: 0.7, 5: 0.5}


def rarity(df: int) -> float:
    """1 for a skill few people in the city have, falling slowly for common ones."""
    return 1.0 / math.log2(2.0 + df / 20.0)


def group_weight(size: int) -> float:
    return 1.0 / math.log2(2.0 + size / 25.0)


def distance_km(p: Person, c: Person) -> float | None:
    if p.lat is None or p.lon is None or c.lat is None or c.lon is None:
        return None
    dy = (c.lat - p.lat) * KM_PER_DEGREE
    dx = (c.lon - p.lon) * KM_PER_DEGREE * p.cos_lat
    return math.sqrt(dx * dx + dy * dy)


def upcoming_events(index: MatchIndex, uid: str, now: datetime) -> frozenset[str]:
    events = index.user_events.get(uid)
    if not events:
        return _EMPTY
    return frozenset(
        e
        for e in events
        if (info := index.events.get(e)) is not None and not info.cancelled and info.starts_at > now
    )


class Scorer:
    """Everything about `p` that every comparison needs, computed once."""

    def __init__(
        self, index: MatchIndex, p: Person, now: datetime, weights: Weights = DEFAULT_WEIGHTS
    ) -> None:
        self.index = index
        self.p = p
        self.w = weights
        uid = p.id
        self.friends = index.friends.get(uid, _EMPTY)
        self.groups = index.user_groups.get(uid, _EMPTY)
        self.tags = index.user_tags.get(uid, _EMPTY)
        self.events = upcoming_events(index, uid, now)
        self.attended = index.user_attended.get(uid, _EMPTY)
        self.interacted = index.interacted.get(uid, _EMPTY)
        self.d2 = weights.distance_scale_km**2
        self.skill_rarity = {s: rarity(index.df(p.city_key, s, "cs")) for s in p.skills}
        self.interest_rarity = {s: rarity(index.df(p.city_key, s, "ci")) for s in p.interests}
        self.group_w = {g: group_weight(len(index.group_members.get(g, ()))) for g in self.groups}

    def for_intent(self, intent: Intent) -> Callable[[Person], float | None]:
        return {
            Intent.job_friends: self.job_friends,
            Intent.collaborators: self.collaborators,
            Intent.mentors: self.mentors,
            Intent.mentees: self.mentees,
        }[intent]

    # --- shared evidence ---------------------------------------------------------------------

    def proximity(self, c: Person) -> float:
        p, w = self.p, self.w
        if p.cell is not None and c.cell is not None:
            dy = (c.lat - p.lat) * KM_PER_DEGREE  # type: ignore[operator]
            dx = (c.lon - p.lon) * KM_PER_DEGREE * p.cos_lat  # type: ignore[operator]
            return w.proximity / (1.0 + (dx * dx + dy * dy) / self.d2)
        if p.hood_key is not None and p.hood_key == c.hood_key:
            return w.proximity * 0.6
        if p.city_key is not None and p.city_key == c.city_key:
            return w.proximity * 0.1
        return 0.0

    def social(self, c: Person) -> float:
        index, w, cid = self.index, self.w, c.id
        s = 0.0
        if self.friends:
            theirs = index.friends.get(cid)
            if theirs:
                m = len(self.friends & theirs)
                if m:
                    s += w.mutual * LOG2P1[min(m, 255)]
        if self.events:
            theirs = index.user_events.get(cid)
            if theirs:
                n = len(self.events & theirs)
                if n:
                    s += w.event * min(n, 2)
        if self.attended:
            theirs = index.user_attended.get(cid)
            if theirs:
                n = len(self.attended & theirs)
                if n:
                    s += w.attended * min(n, 2)
        if self.groups:
            theirs = index.user_groups.get(cid)
            if theirs:
                shared = self.groups & theirs
                if shared:
                    gw = self.group_w
                    s += w.group * min(2.0, sum(gw[g] for g in shared))
        if self.tags:
            theirs = index.user_tags.get(cid)
            if theirs:
                n = len(self.tags & theirs)
                if n:
                    s += w.hashtag * min(n, 3)
        if cid in self.interacted:
            s += w.interacted
        return s

    def _skills(self, c: Person) -> float:
        p, w = self.p, self.w
        s = 0.0
        if p.skills and c.skills:
            shared = p.skills & c.skills
            if shared:
                r = self.skill_rarity
                total = sum(r[x] for x in shared)
                s += w.skill * min(total, float(w.skill_cap))
        if p.interests and c.interests:
            shared = p.interests & c.interests
            if shared:
                r = self.interest_rarity
                total = sum(r[x] for x in shared)
                s += w.interest * min(total, float(w.interest_cap))
        return s

    def _language(self, c: Person) -> float:
        p = self.p
        if p.languages and c.languages and p.languages.isdisjoint(c.languages):
            return self.w.no_common_language
        return 0.0

    # --- intents -----------------------------------------------------------------------------

    def job_friends(self, c: Person) -> float | None:
        return self.job_friends_many([c.id])[0][0] if c.id in self.index.people else None

    def job_friends_many(self, ids: Iterable[str]) -> list[tuple[float, str]]:
        """Many candidates at once (the fast path of `matching.ranking.batch`)."""
        return job_friends_many(self, ids)

    def complement(self, c: Person) -> float:
        p = self.p
        if p.profession is not None and c.profession == p.profession:
            return 0.2
        if p.family is None or c.family is None:
            return 0.3
        if c.family == p.family:
            return 0.6
        if c.family in COMPLEMENTARY.get(p.family, ()):
            return 1.0
        return 0.3

    def collaborators(self, c: Person) -> float | None:
        if "collaborating" not in c.open_to:
            return None
        p, w = self.p, self.w
        s = self.proximity(c) + self.social(c) + self._language(c)
        s += w.complement * self.complement(c)
        if c.skills:
            fresh = len(c.skills - p.skills)
            s += w.new_skills * min(fresh, 5) / 5.0
        if p.interests and c.interests:
            shared = p.interests & c.interests
            if shared:
                s += w.interest * min(len(shared), w.interest_cap)
        if "collaborating" in self.p.open_to:
            s += w.both_collaborating
        return s

    def _mentoring(self, c: Person, gap: int) -> float | None:
        p, w = self.p, self.w
        if gap < 2:
            return None
        if p.profession is not None and c.profession == p.profession:
            field = w.same_profession
        elif p.family is not None and c.family == p.family:
            field = w.same_family
        else:
            return None
        s = w.mentoring_proximity * self.proximity(c) + self.social(c) + self._skills(c)
        return s + field + w.gap * GAP_SCORE.get(gap, 0.4) + 2 * self._language(c)

    def mentors(self, c: Person) -> float | None:
        if "mentoring" not in c.open_to or c.seniority is None or self.p.seniority is None:
            return None
        return self._mentoring(c, c.seniority - self.p.seniority)

    def mentees(self, c: Person) -> float | None:
        if "being_mentored" not in c.open_to or c.seniority is None or self.p.seniority is None:
            return None
        return self._mentoring(c, self.p.seniority - c.seniority)


def eligible(p: Person, intent: Intent) -> bool:
    """Mentoring works both ways: you only see mentors if you asked to be mentored."""
    if intent is Intent.mentors:
        return "being_mentored" in p.open_to and p.seniority is not None
    if intent is Intent.mentees:
        return "mentoring" in p.open_to and p.seniority is not None
    return True
