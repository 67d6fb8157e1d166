"""The job-friends score of a whole candidate pool in one loop: the hot path of a rebuild.

Same terms as `Scorer.job_friends` would compute one by one, arranged for CPython: the social
evidence (mutual friends, shared events, groups, hashtags, past interactions) is counted once
per pool with set intersections that run in C, every other term reads local variables, and
nothing allocates per candidate but the result tuple.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from matching.ranking.index import Members
from matching.ranking.tables import KM_PER_DEGREE, LOG2P1

if TYPE_CHECKING:  # the scorer calls this module; at run time it only passes itself in
    from matching.ranking.scoring import Scorer


def social_bonus(scorer: Scorer, pool: set[str]) -> dict[str, float]:
    """Per candidate in `pool`: the summed weight of everything p and they share socially.
    For each of p's friends, events, groups and hashtags the intersection with the pool is
    computed in C (walking the smaller side); only the hits are counted in Python. Unlike
    `Scorer.social`, counts are not capped: one dict read per candidate instead of five."""
    index, w = scorer.index, scorer.w
    mutual: dict[str, int] = {}
    for f in scorer.friends:
        theirs = index.friends.get(f)
        if theirs:
            for g in pool & theirs:
                mutual[g] = mutual.get(g, 0) + 1
    bonus: dict[str, float] = {}
    lists: list[tuple[Members, float]] = []
    lists.extend((index.event_people.get(e, {}), w.event) for e in scorer.events)
    lists.extend((index.attendees.get(e, {}), w.attended) for e in scorer.attended)
    lists.extend((index.tag_followers.get(t, {}), w.hashtag) for t in scorer.tags)
    lists.extend(
        (index.group_members.get(g, {}), w.group * scorer.group_w[g]) for g in scorer.groups
    )
    for members, weight in lists:
        for uid in members.keys() & pool:
            bonus[uid] = bonus.get(uid, 0.0) + weight
    for g, n in mutual.items():
        bonus[g] = bonus.get(g, 0.0) + w.mutual * LOG2P1[n if n < 255 else 255]
    if scorer.interacted:
        for g in pool & scorer.interacted:
            bonus[g] = bonus.get(g, 0.0) + w.interacted
    return bonus


def job_friends_many(scorer: Scorer, ids: Iterable[str]) -> list[tuple[float, str]]:
    """(score, id) for each known candidate; everything is a local variable and each term
    is inlined."""
    p, w, index = scorer.p, scorer.w, scorer.index
    people = index.people
    ids = ids if isinstance(ids, list) else list(ids)
    bonus = social_bonus(scorer, set(ids))
    skill_r, interest_r = scorer.skill_rarity, scorer.interest_rarity
    has_geo = p.cell is not None
    plat, plon = p.lat or 0.0, p.lon or 0.0
    k_lon = KM_PER_DEGREE * p.cos_lat
    inv_d2 = 1.0 / scorer.d2
    prox_w, prox_hood, prox_city = w.proximity, w.proximity * 0.6, w.proximity * 0.1
    phood, pcity, pprof, pfam = p.hood_key, p.city_key, p.profession, p.family
    pskills, pinterests, planguages, psen = p.skills, p.interests, p.languages, p.seniority
    skill_w, skill_cap = w.skill, float(w.skill_cap)
    interest_w, interest_cap = w.interest, float(w.interest_cap)
    same_prof, same_fam, open_w = w.same_profession, w.same_family, w.open_to_new_friends
    lang_w = w.no_common_language
    sen = (
        [w.seniority * (1.0 - abs(psen - level) / 5.0) for level in range(6)]
        if psen is not None
        else None
    )
    out: list[tuple[float, str]] = []
    append = out.append
    for cid in ids:
        c = people.get(cid)
        if c is None:
            continue
        if has_geo and c.cell is not None:
            dy = (c.lat - plat) * KM_PER_DEGREE  # type: ignore[operator]
            dx = (c.lon - plon) * k_lon  # type: ignore[operator]
            s = prox_w / (1.0 + (dx * dx + dy * dy) * inv_d2)
        elif phood is not None and c.hood_key == phood:
            s = prox_hood
        elif pcity is not None and c.city_key == pcity:
            s = prox_city
        else:
            s = 0.0
        if pprof is not None and c.profession == pprof:
            s += same_prof
        elif pfam is not None and c.family == pfam:
            s += same_fam
        if pskills and not pskills.isdisjoint(c.skills):
            t = 0.0
            for x in pskills & c.skills:
                t += skill_r[x]
            s += skill_w * (t if t < skill_cap else skill_cap)
        if pinterests and not pinterests.isdisjoint(c.interests):
            t = 0.0
            for x in pinterests & c.interests:
                t += interest_r[x]
            s += interest_w * (t if t < interest_cap else interest_cap)
        b = bonus.get(cid)
        if b is not None:
            s += b
        if "new_friends" in c.open_to:
            s += open_w
        if planguages and c.languages and planguages.isdisjoint(c.languages):
            s += lang_w
        if sen is not None and c.seniority is not None:
            s += sen[c.seniority]
        append((s, cid))
    return out
