"""The in-memory index the ranker reads: people by grid cell, profession, skill and open-to flag,
and the social graph (friends, groups, hashtags, events, interactions, exclusions).

Postings are insertion-ordered dicts used as ordered sets, so capped candidate walks are
deterministic for a given load order (plain sets iterate in hash order, which changes between
processes). Every mutation is a replace-with-diff of one person's data, so applying the same
change twice is harmless and the service can reload a person from the store at any time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from matching.ranking.model import EventInfo, Person, SocialGraph

OPEN_FLAGS = ("collaborating", "mentoring", "being_mentored")

Key = tuple[Any, ...]
Members = dict[str, None]


# Postings keyed by a grid cell: (kind, ..., x, y).
CELL_KINDS = frozenset({"c", "pc", "fc", "opc", "ofc"})


def _profile_keys(p: Person) -> Iterator[Key]:
    """Every posting a person appears in, derived from their profile alone."""
    if p.cell is not None:
        x, y = p.cell
        yield ("c", x, y)
        if p.profession:
            yield ("pc", p.profession, x, y)
        if p.family:
            yield ("fc", p.family, x, y)
    if p.city_key:
        if p.profession:
            yield ("cp", p.city_key, p.profession)
        for skill in p.skills:
            yield ("cs", p.city_key, skill)
        for interest in p.interests:
            yield ("ci", p.city_key, interest)
    for flag in OPEN_FLAGS:
        if flag not in p.open_to:
            continue
        if p.cell is not None:
            x, y = p.cell
            if p.profession:
                yield ("opc", flag, p.profession, x, y)
            if p.family:
                yield ("ofc", flag, p.family, x, y)
        if p.city_key:
            if p.profession:
                yield ("ocp", flag, p.city_key, p.profession)
            if p.family:
                yield ("ocf", flag, p.city_key, p.family)


def _replace_symmetric(table: dict[str, set[str]], uid: str, others: Iterable[str]) -> None:
    new = set(others)
    new.discard(uid)
    old = table.get(uid, set())
    for other in old - new:
        theirs = table.get(other)
        if theirs is not None:
            theirs.discard(uid)
            if not theirs:
                del table[other]
    for other in new - old:
        table.setdefault(other, set()).add(uid)
    if new:
        table[uid] = new
    else:
        table.pop(uid, None)


def _replace_members(
    by_user: dict[str, set[str]], by_key: dict[str, Members], uid: str, keys: Iterable[str]
) -> None:
    new = set(keys)
    old = by_user.get(uid, set())
    for key in old - new:
        members = by_key.get(key)
        if members is not None:
            members.pop(uid, None)
            if not members:
                del by_key[key]
    for key in sorted(new - old):
        by_key.setdefault(key, {})[uid] = None
    if new:
        by_user[uid] = new
    else:
        by_user.pop(uid, None)


class MatchIndex:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.postings: dict[Key, Members] = {}
        # For postings by grid cell (`CELL_KINDS`): the occupied cells of each key prefix, so
        # a walk around a person visits the cells that hold someone, not every cell in reach.
        self.cells: dict[Key, dict[tuple[int, int], None]] = {}
        # social graph
        self.friends: dict[str, set[str]] = {}
        self.hidden: dict[str, set[str]] = {}
        self.pending: dict[str, set[str]] = {}
        self.interacted: dict[str, set[str]] = {}
        self.dismissed: dict[str, set[str]] = {}
        self.user_groups: dict[str, set[str]] = {}
        self.group_members: dict[str, Members] = {}
        self.user_tags: dict[str, set[str]] = {}
        self.tag_followers: dict[str, Members] = {}
        self.user_events: dict[str, set[str]] = {}
        self.event_people: dict[str, Members] = {}
        self.user_attended: dict[str, set[str]] = {}
        self.attendees: dict[str, Members] = {}
        self.events: dict[str, EventInfo] = {}
        self.group_names: dict[str, str] = {}

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, people: Iterable[Person], graph: SocialGraph | None = None) -> MatchIndex:
        index = cls()
        for person in people:
            index.put_person(person)
        if graph is not None:
            index.load_graph(graph)
        return index

    def load_graph(self, graph: SocialGraph) -> None:
        """Bulk-load a social graph (faster than per-person replacement)."""
        for a, b in graph.friends:
            self._link(self.friends, a, b)
        for a, b in graph.interactions:
            self._link(self.interacted, a, b)
        for a, b in graph.hidden:
            self._link(self.hidden, a, b)
        for a, b in graph.pending:
            self._link(self.pending, a, b)
        for uid, others in graph.dismissed.items():
            self.dismissed.setdefault(uid, set()).update(others)
        self.group_names.update(graph.group_names)
        self.events.update(graph.events)
        for by_user, by_key, mapping in (
            (self.user_groups, self.group_members, graph.groups),
            (self.user_tags, self.tag_followers, graph.hashtags),
            (self.user_events, self.event_people, graph.rsvps),
            (self.user_attended, self.attendees, graph.attended),
        ):
            for key, members in mapping.items():
                bucket = by_key.setdefault(key, {})
                for uid in members:
                    bucket[uid] = None
                    by_user.setdefault(uid, set()).add(key)

    @staticmethod
    def _link(table: dict[str, set[str]], a: str, b: str) -> None:
        if a != b:
            table.setdefault(a, set()).add(b)
            table.setdefault(b, set()).add(a)

    # --- people -----------------------------------------------------------------------------

    def put_person(self, person: Person) -> None:
        old = self.people.get(person.id)
        if old is not None:
            self._unindex(old)
        self.people[person.id] = person
        for key in _profile_keys(person):
            members = self.postings.get(key)
            if members is None:
                members = self.postings[key] = {}
                if key[0] in CELL_KINDS:
                    self.cells.setdefault(key[:-2], {})[(key[-2], key[-1])] = None
            members[person.id] = None

    def _unindex(self, person: Person) -> None:
        for key in _profile_keys(person):
            members = self.postings.get(key)
            if members is not None:
                members.pop(person.id, None)
                if not members:
                    del self.postings[key]
                    if key[0] in CELL_KINDS:
                        cells = self.cells[key[:-2]]
                        del cells[(key[-2], key[-1])]
                        if not cells:
                            del self.cells[key[:-2]]

    def drop_person(self, uid: str) -> None:
        """Forget a person entirely (account deleted): profile and every edge."""
        old = self.people.pop(uid, None)
        if old is not None:
            self._unindex(old)
        for table in (self.friends, self.hidden, self.pending, self.interacted):
            _replace_symmetric(table, uid, ())
        self.dismissed.pop(uid, None)
        for theirs in self.dismissed.values():
            theirs.discard(uid)
        self.set_groups(uid, ())
        self.set_hashtags(uid, ())
        self.set_events(uid, ())
        self.set_attended(uid, ())

    # --- one person's edges (replace semantics) ------------------------------------------

    def set_groups(self, uid: str, groups: Iterable[str]) -> None:
        _replace_members(self.user_groups, self.group_members, uid, groups)

    def set_hashtags(self, uid: str, tags: Iterable[str]) -> None:
        _replace_members(self.user_tags, self.tag_followers, uid, tags)

    def set_events(self, uid: str, events: Iterable[str]) -> None:
        _replace_members(self.user_events, self.event_people, uid, events)

    def set_attended(self, uid: str, events: Iterable[str]) -> None:
        _replace_members(self.user_attended, self.attendees, uid, events)

    # --- single facts (incremental) ------------------------------------------------------

    def set_member(self, kind: str, key: str, uid: str, present: bool) -> None:
        """One membership fact: kind is group, hashtag, event (going/interested) or
        attended (checked in)."""
        by_user, by_key = self._memberships[kind]
        keys = by_user.get(uid)
        if present:
            by_key.setdefault(key, {})[uid] = None
            by_user.setdefault(uid, set()).add(key)
            return
        members = by_key.get(key)
        if members is not None:
            members.pop(uid, None)
            if not members:
                del by_key[key]
        if keys is not None:
            keys.discard(key)
            if not keys:
                del by_user[uid]

    def set_pair(self, kind: str, a: str, b: str, present: bool) -> None:
        """One symmetric fact: kind is friends, pending, hidden or interacted."""
        table = self._pairs[kind]
        if present:
            self._link(table, a, b)
            return
        for x, y in ((a, b), (b, a)):
            theirs = table.get(x)
            if theirs is not None:
                theirs.discard(y)
                if not theirs:
                    del table[x]

    def add_dismissal(self, uid: str, other: str) -> None:
        self.dismissed.setdefault(uid, set()).add(other)

    @property
    def _memberships(self) -> dict[str, tuple[dict[str, set[str]], dict[str, Members]]]:
        return {
            "group": (self.user_groups, self.group_members),
            "hashtag": (self.user_tags, self.tag_followers),
            "event": (self.user_events, self.event_people),
            "attended": (self.user_attended, self.attendees),
        }

    @property
    def _pairs(self) -> dict[str, dict[str, set[str]]]:
        return {
            "friends": self.friends,
            "pending": self.pending,
            "hidden": self.hidden,
            "interacted": self.interacted,
        }

    def put_event(self, info: EventInfo) -> None:
        self.events[info.id] = info

    def put_group_name(self, group_id: str, name: str) -> None:
        self.group_names[group_id] = name

    # --- reads ------------------------------------------------------------------------------

    def excluded(self, uid: str, other: str) -> bool:
        """Never suggest: oneself, friends, open requests, blocks, dismissals, unknown people."""
        return (
            other == uid
            or other not in self.people
            or other in self.friends.get(uid, ())
            or other in self.pending.get(uid, ())
            or other in self.hidden.get(uid, ())
            or other in self.dismissed.get(uid, ())
        )

    def df(self, city_key: str | None, skill: str, kind: str = "cs") -> int:
        if city_key is None:
            return 0
        return len(self.postings.get((kind, city_key, skill), ()))

    def __len__(self) -> int:
        return len(self.people)
