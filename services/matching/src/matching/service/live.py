"""The ranker's index, held in this process and kept in step with every other instance.

The store is the truth; the index is a cache of it. At start-up an instance reads every
projection once. Afterwards, whoever writes a projection also appends the corresponding index
*delta* ("ana joined g1", "ana and ben are connected") to the journal and applies it here; every
instance polls the journal for the others' deltas and applies them too. Nothing on the hot path
re-reads projections, and the journal is read by `_id` only (see `repository.journal`).

Deltas are facts with a key (a membership, a pair, a profile) and a wall-clock `seq`; a fact is
only replaced by a later one (last writer wins per key), so deltas that arrive out of order
from two instances cannot roll a fact back. Facts about one key are written by one consumer at
a time (Kafka partitions), so their `seq`s follow the store's order.

Besides the ranker's index this holds what the service reads often: who blocked whom (hidden is
symmetric, blocks are not), support given and received, and each person's stored lists plus
the reverse map "whose lists mention X" (for incremental refreshes).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.mongo import Document

from matching.ranking import EventInfo, MatchIndex, Person, SocialGraph
from matching.repository import Repositories
from matching.service.deltas import Lists, Op, delta_key

log = logging.getLogger(__name__)

KEEP_VERSIONS_MICROS = 120_000_000  # reorderings only happen within seconds
FETCH_BATCH = 64


def wall_micros() -> int:
    return time.time_ns() // 1000


def event_info(doc: Document) -> EventInfo:
    return EventInfo(
        id=str(doc["_id"]),
        title=str(doc.get("title") or ""),
        starts_at=doc["starts_at"],
        kind=str(doc.get("kind") or "meetup"),
        time_zone=str(doc.get("time_zone") or "UTC"),
        cancelled=bool(doc.get("cancelled")),
    )


class LiveIndex:
    def __init__(self, repos: Repositories, clock: Clock, writer: str | None = None) -> None:
        self.repos = repos
        self.clock = clock
        self.writer = writer or uuid.uuid4().hex[:16]
        self.index = MatchIndex()
        self.blocks: set[tuple[str, str]] = set()
        self.support: dict[tuple[str, str], set[str]] = {}
        self.lists: dict[str, Lists] = {}
        self.signatures: dict[str, str] = {}
        self.holders: dict[str, set[str]] = {}
        self._support_facts: dict[str, tuple[str, str]] = {}
        self._versions: dict[tuple[Any, ...], int] = {}
        self._cursors: dict[str, int] = {}
        self._next = 0
        self._done: set[int] = set()
        self._head = 0
        self._head_written = 0
        self._head_lock = asyncio.Lock()
        self.loaded = False

    # --- start-up ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Register as a writer, note where everyone's journal stands, then load the store.
        Deltas written while loading are applied by the first sync (they are idempotent)."""
        journal = self.repos.journal
        await journal.register(self.writer, self.clock.now())
        self._cursors = {w: n for w, n in (await journal.all_heads()).items() if w != self.writer}
        await self.load_all()

    async def load_all(self) -> None:
        p, c, s = self.repos.projections, self.repos.connections, self.repos.suggestions
        people = [Person.from_profile(str(d["_id"]), d) async for d in p.all_profiles()]
        friends = [tuple(d["users"]) async for d in c.all_connections()]
        pending = [tuple(d["users"]) async for d in c.all_locks()]
        self.blocks = {(str(d["blocker"]), str(d["blocked"])) async for d in p.all_blocks()}
        dismissed: dict[str, set[str]] = {}
        async for d in p.all_dismissals():
            dismissed.setdefault(str(d["user"]), set()).add(str(d["other"]))
        groups: dict[str, list[str]] = {}
        hashtags: dict[str, list[str]] = {}
        async for d in p.all_memberships():
            bucket = groups if d["kind"] == "group" else hashtags
            bucket.setdefault(str(d["key"]), []).append(str(d["user"]))
        rsvps: dict[str, list[str]] = {}
        async for d in p.all_attending():
            rsvps.setdefault(str(d["event_id"]), []).append(str(d["user"]))
        attended: dict[str, list[str]] = {}
        async for d in p.all_attendance():
            attended.setdefault(str(d["event_id"]), []).append(str(d["user"]))
        interactions: list[tuple[str, str]] = []
        async for d in p.all_interactions():
            actor, target = str(d["actor"]), str(d["target"])
            interactions.append((actor, target))
            if d.get("support") and d.get("active", True):
                self._set_support(str(d["_id"]), actor, target, True)
        graph = SocialGraph(
            friends=[(a, b) for a, b in friends],
            groups=groups,
            group_names=await p.all_group_names(),
            hashtags=hashtags,
            events={str(d["_id"]): event_info(d) for d in await p.all_events()},
            rsvps=rsvps,
            attended=attended,
            interactions=interactions,
            hidden=list(self.blocks),
            pending=[(a, b) for a, b in pending],
            dismissed=dismissed,
        )
        self.index = MatchIndex.build(people, graph)
        async for d in s.all_lists():
            lists = {k: tuple(i["user_id"] for i in v) for k, v in d.get("lists", {}).items()}
            self._set_lists(str(d["_id"]), lists, str(d.get("signature", "")))
        self.loaded = True
        log.info("matching index loaded: %d people", len(self.index))

    # --- writing and reading deltas ---------------------------------------------------------

    async def publish(self, ops: Sequence[Op]) -> None:
        """Record deltas in the journal and apply them here (after the store write they
        describe). A failed append leaves a gap the head skips; the caller's retry
        publishes again."""
        if not ops:
            return
        self._next += 1
        n = self._next
        seq = wall_micros()
        try:
            await self.repos.journal.append(self.writer, n, ops, seq, self.clock.now())
        finally:
            self._done.add(n)
            await self._advance()
        self.apply(ops, seq)

    async def _advance(self) -> None:
        """Move the head past every finished record. Coalesced: appends finishing while a head
        write is in flight are covered by the next single write, not one write each (each is
        a store transaction, and they used to queue up behind the lock)."""
        while self._head + 1 in self._done:
            self._head += 1
            self._done.discard(self._head)
        async with self._head_lock:
            head = self._head
            if head > self._head_written:
                await self.repos.journal.advance(self.writer, head, self.clock.now())
                self._head_written = head

    async def sync(self) -> int:
        """Apply the other instances' new deltas; returns how many records."""
        journal = self.repos.journal
        applied = 0
        for writer, head in (await journal.all_heads()).items():
            if writer == self.writer:
                continue
            start = self._cursors.get(writer, 0)
            for first in range(start + 1, head + 1, FETCH_BATCH):
                numbers = range(first, min(head, first + FETCH_BATCH - 1) + 1)
                records = await asyncio.gather(*(journal.record(writer, n) for n in numbers))
                for record in records:
                    if record is not None:  # None: a failed append, skipped by design
                        self.apply(record["ops"], int(record["seq"]))
                        applied += 1
            self._cursors[writer] = max(start, head)
        horizon = wall_micros() - KEEP_VERSIONS_MICROS
        self._versions = {k: v for k, v in self._versions.items() if v >= horizon}
        return applied

    # --- applying ---------------------------------------------------------------------------

    def apply(self, ops: Iterable[Op], seq: int) -> None:
        for op in ops:
            key = delta_key(op)
            if self._versions.get(key, -1) > seq:
                continue  # a later fact about the same thing is already applied
            self._versions[key] = seq
            self._apply(op)

    def _apply(self, op: Op) -> None:
        index, t = self.index, op["t"]
        if t == "profile":
            index.put_person(Person.from_profile(op["u"], op["p"]))
        elif t == "drop":
            self._drop(op["u"])
        elif t == "member":
            index.set_member(op["k"], op["key"], op["u"], op["on"])
        elif t == "pair":
            index.set_pair(op["k"], op["a"], op["b"], op["on"])
        elif t == "block":
            a, b = op["a"], op["b"]
            if op["on"]:
                self.blocks.add((a, b))
            else:
                self.blocks.discard((a, b))
            index.set_pair("hidden", a, b, (a, b) in self.blocks or (b, a) in self.blocks)
        elif t == "dismiss":
            index.add_dismissal(op["u"], op["o"])
        elif t == "event":
            index.put_event(event_info(op["e"]))
        elif t == "group":
            index.put_group_name(op["g"], op["name"])
        elif t == "support":
            self._set_support(op["f"], op["g"], op["r"], op["on"])
        elif t == "listed":
            self._set_lists(op["u"], {k: tuple(v) for k, v in op["l"].items()}, op.get("sig", ""))

    def _set_support(self, fact: str, giver: str, receiver: str, present: bool) -> None:
        old = self._support_facts.pop(fact, None)
        if old is not None:
            facts = self.support.get(old)
            if facts is not None:
                facts.discard(fact)
                if not facts:
                    del self.support[old]
        if present:
            self._support_facts[fact] = (giver, receiver)
            self.support.setdefault((giver, receiver), set()).add(fact)

    def _set_lists(self, user_id: str, lists: Lists, signature: str = "") -> None:
        old = {x for ids in self.lists.get(user_id, {}).values() for x in ids}
        new = {x for ids in lists.values() for x in ids}
        for x in old - new:
            holders = self.holders.get(x)
            if holders is not None:
                holders.discard(user_id)
                if not holders:
                    del self.holders[x]
        for x in new - old:
            self.holders.setdefault(x, set()).add(user_id)
        if lists:
            self.lists[user_id] = lists
            self.signatures[user_id] = signature
        else:
            self.lists.pop(user_id, None)
            self.signatures.pop(user_id, None)

    def _drop(self, user_id: str) -> None:
        self.index.drop_person(user_id)
        self.blocks = {b for b in self.blocks if user_id not in b}
        for fact, pair in list(self._support_facts.items()):
            if user_id in pair:
                self._set_support(fact, *pair, False)
        self._set_lists(user_id, {})

    # --- reads ------------------------------------------------------------------------------

    def blocked(self, blocker: str, blocked: str) -> bool:
        return (blocker, blocked) in self.blocks

    def support_between(self, user_id: str, other: str) -> tuple[int, int]:
        """(given by user_id to other, received by user_id from other)."""
        return (
            len(self.support.get((user_id, other), ())),
            len(self.support.get((other, user_id), ())),
        )
