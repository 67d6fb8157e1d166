"""The observable city, generated deterministically from a seed.

People belong to hidden communities (a field, a home neighbourhood, a handful of skills and
interests, a meetup topic). Everything a user could see — profession, skills, interests,
neighbourhood, the events they go to, the groups they join, the posts they write, the friends
they already have — is drawn from those communities with noise, but the communities themselves
are not in `City`: they stay in `truth.py`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from jobfriends_shared.contracts.professions import FAMILIES

from jobfriends_seed import vocab

CITY = "Berlin"
TIME_ZONE = "Europe/Berlin"

SIZES = {"tiny": 40, "small": 200, "medium": 2_000, "large": 20_000}
SENIORITIES = ("student", "junior", "mid", "senior", "lead", "principal")
OPEN_TO = ("collaborating", "mentoring", "being_mentored", "job_search", "hiring", "new_friends")


@dataclass(frozen=True)
class Community:
    """Hidden: never part of `City`."""

    family: str
    neighbourhood: str
    skills: tuple[str, ...]
    interests: tuple[str, ...]
    topic: str


@dataclass
class Person:
    key: str
    display_name: str
    email: str
    profession: str
    seniority: str
    skills: list[str]
    interests: list[str]
    neighbourhood: str
    lat: float
    lon: float
    open_to: list[str]
    languages: list[str]
    headline: str
    community: int = field(repr=False)  # hidden; read only by truth.py

    def profile(self, skills: list[str] | None = None) -> dict[str, Any]:
        """The profile as a person fills it in (`PATCH /v1/me`); `skills` replaces theirs, so
        a benchmark can edit one field and keep the rest as the city made it."""
        return {
            "headline": self.headline,
            "profession": self.profession,
            "seniority": self.seniority,
            "skills": self.skills if skills is None else skills,
            "interests": self.interests,
            "city": CITY,
            "neighbourhood": self.neighbourhood,
            "location": {"lat": self.lat, "lon": self.lon},
            "open_to": self.open_to,
            "languages": self.languages,
            "time_zone": TIME_ZONE,
        }


@dataclass(frozen=True)
class Group:
    key: str
    name: str
    topic: str
    profession: str | None
    owner: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Event:
    key: str
    title: str
    kind: str
    topic: str
    profession: str | None
    neighbourhood: str
    lat: float
    lon: float
    starts_at: datetime
    hours: int
    capacity: int | None
    host: str
    going: tuple[str, ...]


@dataclass(frozen=True)
class Post:
    author: str
    kind: str
    text: str
    group: str | None = None


@dataclass
class City:
    seed: int
    people: list[Person]
    groups: list[Group]
    events: list[Event]
    posts: list[Post]
    connections: list[tuple[str, str]]
    tribes: dict[str, list[str]]

    def person(self, key: str) -> Person:
        return self.people[int(key[1:])]


def _jitter(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    distance, bearing = rng.uniform(0, km), rng.uniform(0, 2 * math.pi)
    return (
        round(lat + distance / 111.0 * math.cos(bearing), 5),
        round(lon + distance / (111.0 * math.cos(math.radians(lat))) * math.sin(bearing), 5),
    )


def _communities(rng: random.Random, count: int) -> list[Community]:
    families = sorted(vocab.SKILLS)
    out = []
    for _ in range(count):
        family = rng.choice(families)
        out.append(
            Community(
                family=family,
                neighbourhood=rng.choice(sorted(vocab.NEIGHBOURHOODS)),
                skills=tuple(rng.sample(vocab.SKILLS[family], k=min(5, len(vocab.SKILLS[family])))),
                interests=tuple(rng.sample(vocab.INTERESTS, k=4)),
                topic=rng.choice(vocab.TOPICS[family]),
            )
        )
    return out


def _person(rng: random.Random, seed: int, index: int, community_id: int, c: Community) -> Person:
    professions = sorted(p for p, f in FAMILIES.items() if f == c.family)
    profession = rng.choice(professions)
    own = rng.sample(c.skills, k=min(len(c.skills), rng.randint(2, 4)))
    extra = rng.sample(vocab.SKILLS[c.family], k=2)
    interests = rng.sample(c.interests, k=2) + rng.sample(vocab.INTERESTS, k=2)
    home = c.neighbourhood if rng.random() < 0.7 else rng.choice(sorted(vocab.NEIGHBOURHOODS))
    lat, lon = _jitter(rng, *vocab.NEIGHBOURHOODS[home], km=1.2)
    first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
    seniority = rng.choices(SENIORITIES, weights=(1, 3, 4, 3, 2, 1))[0]
    label = profession.replace("-", " ")
    return Person(
        key=f"p{index}",
        display_name=f"{first} {last}",
        email=f"{first}.{last}.{seed}.{index}@example.org".lower().replace("ü", "ue"),
        profession=profession,
        seniority=seniority,
        skills=list(dict.fromkeys(own + extra)),
        interests=list(dict.fromkeys(interests)),
        neighbourhood=home,
        lat=lat,
        lon=lon,
        open_to=sorted(set(rng.sample(OPEN_TO, k=rng.randint(1, 3))) | {"new_friends"}),
        languages=["en"] + (["de"] if rng.random() < 0.6 else []),
        headline=f"{seniority.capitalize()} {label} in {home}",
        community=community_id,
    )


def generate(seed: int = 42, people: int = SIZES["small"], start: datetime | None = None) -> City:
    """The same seed and size always give the same city."""
    rng = random.Random(seed)
    start = start or datetime(2026, 12, 1, tzinfo=UTC)
    communities = _communities(rng, max(2, people // 12))
    persons = [
        _person(rng, seed, i, cid, communities[cid])
        for i in range(people)
        for cid in [rng.randrange(len(communities))]
    ]
    by_community: dict[int, list[Person]] = {}
    for p in persons:
        by_community.setdefault(p.community, []).append(p)

    groups: list[Group] = []
    for cid, members in sorted(by_community.items()):
        c = communities[cid]
        joined = [m.key for m in members if rng.random() < 0.6]
        joined += [p.key for p in rng.sample(persons, k=min(3, len(persons)))]
        joined = list(dict.fromkeys(joined))
        if joined:
            groups.append(
                Group(
                    key=f"g{len(groups)}",
                    name=f"{c.topic} {c.neighbourhood}",
                    topic=c.topic,
                    profession=members[0].profession,
                    owner=joined[0],
                    members=tuple(joined),
                )
            )

    events: list[Event] = []
    for cid, members in sorted(by_community.items()):
        c = communities[cid]
        for _ in range(rng.randint(1, 3)):
            host = rng.choice(members)
            lat, lon = _jitter(rng, *vocab.NEIGHBOURHOODS[c.neighbourhood], km=0.8)
            going = [m.key for m in members if rng.random() < 0.5 and m.key != host.key]
            going += [p.key for p in rng.sample(persons, k=min(2, len(persons)))]
            starts = start + timedelta(days=rng.randint(1, 45), hours=rng.choice((9, 14, 18, 19)))
            events.append(
                Event(
                    key=f"e{len(events)}",
                    title=f"{c.topic} {rng.choice(vocab.EVENT_KINDS)} in {c.neighbourhood}",
                    kind=rng.choice(vocab.EVENT_KINDS),
                    topic=c.topic.lower(),
                    profession=host.profession,
                    neighbourhood=c.neighbourhood,
                    lat=lat,
                    lon=lon,
                    starts_at=starts,
                    hours=rng.choice((2, 3, 8)),
                    capacity=rng.choice((None, 20, 40, 80)),
                    host=host.key,
                    going=tuple(dict.fromkeys(k for k in going if k != host.key)),
                )
            )

    posts = []
    kinds = ("update", "tip", "portfolio", "question", "help_request")
    for p in persons:
        c = communities[p.community]
        for _ in range(rng.randint(0, 2)):
            kind = rng.choice(kinds)
            skill, tag = rng.choice(p.skills), f"#{c.topic}"
            text = {
                "update": f"Shipped something I'm proud of this week with {skill}! {tag}",
                "tip": f"Tip: pair {skill} with a weekly review and you'll thank yourself. {tag}",
                "portfolio": f"New portfolio piece: a {skill} case study. Feedback welcome {tag}",
                "question": f"Who in {p.neighbourhood} knows a good {skill} workshop? {tag}",
                "help_request": "Job search week 6: any leads for a "
                f"{p.profession.replace('-', ' ')} role? #JobSearch {tag}",
            }[kind]
            posts.append(Post(author=p.key, kind=kind, text=text))

    connections: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for members in by_community.values():
        for a in members:
            for b in members:
                pair = (a.key, b.key)
                if a.key < b.key and rng.random() < 0.15 and pair not in seen:
                    seen.add(pair)
                    connections.append(pair)
    for _ in range(len(persons) // 4):
        a, b = rng.sample(persons, k=2)
        pair = (min(a.key, b.key), max(a.key, b.key))
        if pair not in seen:
            seen.add(pair)
            connections.append(pair)
    friends: dict[str, list[str]] = {}
    for first, second in connections:
        friends.setdefault(first, []).append(second)
        friends.setdefault(second, []).append(first)
    tribes = {
        k: v[: min(30, len(v))] for k, v in friends.items() if len(v) >= 2 and rng.random() < 0.5
    }
    return City(seed, persons, groups, events, posts, connections, tribes)
