"""Who would become friends in the generator's model — the hidden ground truth for evaluating
match suggestions. The ranker never reads this; the quality benchmark compares against it.

Two people would become job friends when they share a hidden community and are not more than
two seniority steps apart (people far apart in career stage become mentor and mentee, which is
a different intent). Nothing observable states the community: a ranker has to infer it from
profession, skills, interests, neighbourhood, events, groups and mutual friends.
"""

from __future__ import annotations

from jobfriends_seed.city import SENIORITIES, City


def friends_truth(city: City) -> dict[str, set[str]]:
    rank = {s: i for i, s in enumerate(SENIORITIES)}
    by_community: dict[int, list[str]] = {}
    for p in city.people:
        by_community.setdefault(p.community, []).append(p.key)
    truth: dict[str, set[str]] = {p.key: set() for p in city.people}
    for members in by_community.values():
        for a in members:
            pa = city.person(a)
            for b in members:
                if a != b and abs(rank[pa.seniority] - rank[city.person(b).seniority]) <= 2:
                    truth[a].add(b)
    return truth
