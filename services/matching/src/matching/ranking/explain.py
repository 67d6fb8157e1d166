"""Why two people should meet: structured reasons and one short sentence.

Recomputes the evidence that `scoring` summed, but keeps the details (which friends, which
event, which skills) for the handful of suggestions a person actually sees. The sentence is
built from the strongest reasons, e.g. "You are both UX designers in Kreuzberg, share 3
friends, and are both going to Thursday's DesignHour meetup."
"""

from __future__ import annotations

from datetime import datetime

from matching.ranking.index import MatchIndex
from matching.ranking.model import Intent, Person, Reason
from matching.ranking.scoring import (
    DEFAULT_WEIGHTS,
    Scorer,
    Weights,
    distance_km,
)
from matching.ranking.wording import (
    SENIORITY_NAMES,
    event_phrase,
    first_name,
    join,
    plural,
    profession_label,
    tag_text,
    with_article,
)

NEARBY_KM = 5.0
MAX_CLAUSES = 3


def _place(p: Person, c: Person) -> tuple[Reason | None, str | None]:
    """The place reason and the words that follow a profession ('in Kreuzberg')."""
    if p.hood_key is not None and p.hood_key == c.hood_key:
        hood = c.neighbourhood or ""
        return Reason("same_neighbourhood", 2.0, {"neighbourhood": hood}), f"in {hood}"
    d = distance_km(p, c)
    if d is not None and d <= NEARBY_KM:
        km = max(1, round(d))
        return Reason("nearby", 1.5, {"distance_km": km}), f"about {km} km apart"
    if p.city_key is not None and p.city_key == c.city_key:
        return Reason("same_city", 0.3, {"city": c.city or ""}), f"in {c.city}"
    return None, None


def _profession(p: Person, c: Person, w: Weights) -> tuple[Reason | None, str | None]:
    """Profession reason and the 'are both …' / 'both work in …' predicate stem."""
    if p.profession is not None and c.profession == p.profession:
        label = profession_label(p.profession) or p.profession
        reason = Reason(
            "same_profession", w.same_profession, {"profession": p.profession, "label": label}
        )
        return reason, f"are both {plural(label)}"
    if p.family is not None and c.family == p.family:
        label = profession_label(c.profession) or ""
        reason = Reason(
            "adjacent_profession",
            w.same_family,
            {"family": p.family, "profession": c.profession, "label": label},
        )
        return reason, f"both work in {p.family}"
    return None, None


def _place_predicate(place: Reason, words: str) -> str:
    if place.kind == "same_neighbourhood":
        return f"both live {words}"
    if place.kind == "nearby":
        return f"live {words}"
    return f"are both {words}"


def explain(
    index: MatchIndex,
    p: Person,
    c: Person,
    intent: Intent,
    now: datetime,
    weights: Weights = DEFAULT_WEIGHTS,
    scorer: Scorer | None = None,
) -> tuple[tuple[Reason, ...], str]:
    scorer = scorer or Scorer(index, p, now, weights)
    w = weights
    reasons: list[Reason] = []
    clauses: list[tuple[float, int, str]] = []  # (weight, position, predicate after "You")

    place, place_words = _place(p, c)
    prof, prof_words = (None, None) if intent is not Intent.job_friends else _profession(p, c, w)
    if prof is not None:
        reasons.append(prof)
    if place is not None:
        reasons.append(place)
    if prof_words is not None:
        text = f"{prof_words} {place_words}" if place_words else prof_words
        clauses.append((10.0, 0, text))
    elif place is not None and place_words is not None:
        clauses.append((place.weight, 0, _place_predicate(place, place_words)))

    mutual = sorted(scorer.friends & index.friends.get(c.id, set()))
    if mutual:
        n = len(mutual)
        reasons.append(Reason("mutual_friends", w.mutual * n, {"count": n, "user_ids": mutual[:5]}))
        clauses.append(
            (w.mutual * n + 0.5, 1, "share a friend" if n == 1 else f"share {n} friends")
        )

    shared_events = sorted(
        (index.events[e] for e in scorer.events & index.user_events.get(c.id, set())),
        key=lambda e: (e.starts_at, e.id),
    )
    for info in shared_events[:2]:
        reasons.append(
            Reason(
                "shared_event",
                w.event,
                {"event_id": info.id, "title": info.title, "starts_at": info.starts_at.isoformat()},
            )
        )
    if shared_events:
        clauses.append(
            (w.event + 0.6, 2, f"are both going to {event_phrase(shared_events[0], now)}")
        )

    attended = sorted(scorer.attended & index.user_attended.get(c.id, set()))
    if attended:
        titles = [index.events[e].title for e in attended if e in index.events]
        reasons.append(Reason("attended_together", w.attended, {"event_ids": attended[:3]}))
        if titles:
            clauses.append((w.attended, 3, f"were both at {titles[0]}"))

    skills = sorted(p.skills & c.skills, key=lambda s: (-scorer.skill_rarity.get(s, 0), s))
    if skills and intent is not Intent.collaborators:
        reasons.append(Reason("shared_skills", w.skill * len(skills), {"skills": skills[:5]}))
        clauses.append(
            (
                w.skill * min(len(skills), 4),
                5,
                f"both know {join([tag_text(s) for s in skills[:2]])}",
            )
        )
    if intent is Intent.collaborators:
        fresh = sorted(c.skills - p.skills)
        if fresh:
            reasons.append(Reason("complementary_skills", w.new_skills, {"skills": fresh[:5]}))

    interests = sorted(p.interests & c.interests)
    if interests:
        reasons.append(
            Reason("shared_interests", w.interest * len(interests), {"interests": interests[:5]})
        )
        clauses.append(
            (
                w.interest * len(interests),
                6,
                f"are both into {join([tag_text(i) for i in interests[:2]])}",
            )
        )

    groups = sorted(scorer.groups & index.user_groups.get(c.id, set()))
    if groups:
        named = [{"group_id": g, "name": index.group_names.get(g, "")} for g in groups[:3]]
        reasons.append(Reason("shared_groups", w.group * len(groups), {"groups": named}))
        name = named[0]["name"]
        if name:
            noun = "" if "group" in name.lower() else " group"
            clauses.append((w.group + 0.2, 4, f"are both in the {name}{noun}"))

    tags = sorted(scorer.tags & index.user_tags.get(c.id, set()))
    if tags:
        reasons.append(Reason("shared_hashtags", w.hashtag * len(tags), {"hashtags": tags[:5]}))
        clauses.append(
            (w.hashtag * len(tags), 7, f"both follow {join(['#' + t for t in tags[:2]])}")
        )

    if c.id in scorer.interacted:
        reasons.append(Reason("interacted", w.interacted, {}))
        clauses.append((w.interacted * 0.5, 8, "have already talked on JobFriends"))

    lead = _intent_lead(p, c, intent, reasons, place_words)
    reasons.sort(key=lambda r: -r.weight)
    # The strongest clauses, told in a natural order (who and where, friends, events, ...).
    chosen = sorted(clauses, key=lambda t: -t[0])[:MAX_CLAUSES]
    lead_room = MAX_CLAUSES if lead is None else MAX_CLAUSES - 1
    predicates = [text for _, _, text in sorted(chosen[:lead_room], key=lambda t: t[1])]
    if lead is None:
        sentence = f"You {join(predicates)}." if predicates else "Someone you might get along with."
    elif predicates:
        sentence = f"{lead}; you {join(predicates)}."
    else:
        sentence = f"{lead}."
    return tuple(reasons), sentence


def _intent_lead(
    p: Person, c: Person, intent: Intent, reasons: list[Reason], place_words: str | None
) -> str | None:
    """Collaborators and mentoring start with who the other person is."""
    if intent is Intent.job_friends:
        return None
    name = first_name(c.display_name) if c.display_name else "They"
    label = profession_label(c.profession)
    if intent is Intent.collaborators:
        reasons.insert(
            0,
            Reason("open_to", 5.0, {"open_to": "collaborating", "profession": c.profession}),
        )
        who = with_article(label) if label else "someone"
        text = f"{name} is {who} open to collaborating"
        if p.family and c.family and p.family != c.family:
            text += f", bringing {c.family} to your {p.family}"
        return text
    flag = "mentoring" if intent is Intent.mentors else "being mentored"
    level = SENIORITY_NAMES.get(c.seniority) if c.seniority is not None else None
    gap = abs((c.seniority or 0) - (p.seniority or 0))
    reasons.insert(
        0,
        Reason(
            "seniority_gap",
            5.0,
            {"seniority": level, "gap": gap, "open_to": flag.replace(" ", "_")},
        ),
    )
    who = " ".join(x for x in (level, label) if x) or "someone"
    text = f"{name} is {with_article(who)} open to {flag}"
    if place_words and place_words.endswith(" apart"):
        text += f", {place_words.removesuffix(' apart')} from you"
    elif place_words:
        text += f" {place_words}"
    return text
