"""Suggestions: recompute the lists a change can affect, store them, say so, and serve them.

Lists are computed from the in-memory index (fast) and stored per person as ids and scores (so
any instance serves them). Which lists a change can affect, and what each stored list holds,
come from memory too (`LiveIndex.holders`, `LiveIndex.lists`), so a refresh reads nothing from
the store. A page is explained when it is read, from the index as it is then, and filtered
once more for anyone connected, requested, blocked, dismissed or deleted since.

A change recomputes the lists of the people it is about at once (a handful); the lists of
their neighbours (who list them, whom they list: up to `refresh_cap`) go to a coalescing
backlog that the `refresh-backlog` job works off a moment later (`domain.backlog` says why).
Reads stay correct meanwhile: a neighbour's stored list is filtered and explained when read.
The backlog is per process and a cache of work, not of truth: if a process dies with a
backlog, the daily rebuild recomputes everything.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.matching import SuggestionsRefreshed
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.errors import Invalid, NotFound
from jobfriends_shared.mongo import Document
from jobfriends_shared.observability import correlation_id as current_correlation_id
from jobfriends_shared.outbox import Outbox

from matching.domain.backlog import RefreshBacklog
from matching.domain.notes import draft_note
from matching.ranking import Intent, RankContext, eligible, explain, rank
from matching.ranking.scoring import Scorer
from matching.ranking.wording import profession_label
from matching.repository import Repositories
from matching.repository.suggestions import SUGGESTIONS
from matching.service.deltas import Lists, Op, dismiss_op, listed_op
from matching.service.live import LiveIndex, wall_micros
from matching.settings import MatchingSettings

TOPIC = "matching.suggestions"
_HINTS = {
    Intent.mentors: "Add 'being_mentored' to what you are open to (and your seniority) to see "
    "mentors.",
    Intent.mentees: "Add 'mentoring' to what you are open to (and your seniority) to see "
    "people who would like a mentor.",
}
Computed = dict[str, list[dict[str, Any]]]
REBUILD_CHUNK = 200
# Lists ranked and then stored (and announced) at a time when working off the backlog: one
# bulk write, one staging of announcements and one journal record each. Small enough that the
# first lists of a run are out while the next are ranked; large enough that those few store
# round trips per chunk stay a small share.
BACKLOG_CHUNK = 50


def _ids(lists: Computed) -> Lists:
    return {intent: tuple(i["user_id"] for i in items) for intent, items in lists.items()}


def signature(lists: Computed) -> str:
    """Stable across processes (unlike `hash`): ids and scores, so a list whose people stay
    the same but whose evidence changed (a shared event, a new mutual friend) still counts as
    refreshed."""
    raw = json.dumps(lists, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


class SuggestionService:
    def __init__(
        self,
        repos: Repositories,
        live: LiveIndex,
        outbox: Outbox,
        clock: Clock,
        settings: MatchingSettings,
    ) -> None:
        self.repos = repos
        self.live = live
        self.outbox = outbox
        self.clock = clock
        self.settings = settings
        self.backlog = RefreshBacklog()
        self._in_flight: set[str] = set()

    # --- change propagation -------------------------------------------------------------

    async def changed(
        self,
        ops: Sequence[Op],
        *,
        refresh: Sequence[str] = (),
        extra: Iterable[str] = (),
    ) -> list[str]:
        """After a projection write: apply the deltas here, refresh the affected lists, then
        share the deltas and the new lists in one journal record (each record and head write
        is a store transaction on the event's path; two per change were measured at ~45 ms).
        The deltas are shared even if the refresh fails (the retry shares them again)."""
        if not refresh:
            await self.live.publish(ops)
            return []
        self.live.apply(ops, wall_micros())
        listed: list[Op] = []
        try:
            return await self.refresh(refresh, extra=extra, listed=listed)
        finally:
            await self.live.publish([*ops, *listed])

    def _compute(self, user_id: str, now: datetime) -> Computed:
        """Ids and scores only: explanations are written when a page is read, from the index
        as it is then (mutual-friend counts and event days stay current, and a new friend
        somewhere does not force rewriting every list that mentions them)."""
        context = RankContext(now=now, limit=self.settings.suggestions_kept, explain=False)
        return {
            intent.value: [
                {"user_id": s.user_id, "score": round(s.score, 4)}
                for s in rank(self.live.index, user_id, intent, context)
            ]
            for intent in Intent
        }

    async def refresh(
        self,
        changed: Sequence[str],
        *,
        extra: Iterable[str] = (),
        listed: list[Op] | None = None,
    ) -> list[str]:
        """Recompute the changed people's lists now; queue the lists that mention them or that
        they mention (scores are near-symmetric), then anyone the caller names, capped, on the
        backlog. Stores the lists that differ and emits `match.suggestions_refreshed` for each.
        Returns the people whose lists changed now."""
        now = self.clock.now()
        index, live = self.live.index, self.live
        changed = list(dict.fromkeys(changed))
        fresh: dict[str, Computed] = {}
        for uid in changed:
            if uid in index.people:
                fresh[uid] = self._compute(uid, now)
                await asyncio.sleep(0)  # let requests through between people
        # Holders first (their lists show a changed person and must be corrected), then the
        # people the changed ones list or listed, then anyone the caller names; capped.
        order: dict[str, None] = {}
        for uid in changed:
            order.update((h, None) for h in sorted(live.holders.get(uid, ())))
        for uid in changed:
            for ids in (*live.lists.get(uid, {}).values(), *_ids(fresh.get(uid, {})).values()):
                order.update((x, None) for x in ids)
        order.update((x, None) for x in extra)
        others = [o for o in order if o not in fresh and o not in changed and o in index.people]
        # Anyone a backlog run holds right now may be stored after us from an older index:
        # they are queued again so the last word is a fresh one.
        self.backlog.discard(u for u in fresh if u not in self._in_flight)
        correlation_id = current_correlation_id.get()
        self.backlog.mark((u for u in fresh if u in self._in_flight), correlation_id)
        self.backlog.mark(others[: self.settings.refresh_cap], correlation_id)
        for uid in changed:
            if uid not in index.people:  # gone: their own list goes too
                await self.repos.suggestions.delete(uid)
                if uid in live.lists:
                    await live.publish([listed_op(uid, {})])
        return await self._store(fresh, now, {uid: correlation_id for uid in fresh}, listed=listed)

    async def refresh_backlog(self) -> int:
        """Work off the lists waiting since earlier changes (the `refresh-backlog` job): those
        waiting when the run starts, in chunks, yielding between people. Returns how many
        lists changed. People marked meanwhile wait for the next run, and that wait is what
        coalesces: recomputing them chunk by chunk as they come was measured to rank and
        store a third more lists at a steady event rate, and to be slower for it.

        Ranking a chunk and storing the one before it overlap: ranking is this process's CPU,
        storing is the store's (~5 ms a list on FerretDB, ~0.5 s a chunk of a hundred), and
        done one after the other they added up on every affected list's way to its
        announcement. Stores stay one at a time and in order."""
        waiting = len(self.backlog)
        done = changed = 0
        storing: asyncio.Task[list[str]] | None = None
        held: dict[str, str | None] = {}  # taken and not yet stored (their correlation ids)
        stored: dict[str, str | None] = {}  # the chunk `storing` writes
        try:
            while done < waiting and len(self.backlog):
                batch = self.backlog.take(min(BACKLOG_CHUNK, waiting - done))
                done += len(batch)
                held.update(batch)
                self._in_flight = set(held)
                now = self.clock.now()
                fresh: dict[str, Computed] = {}
                for uid in batch:
                    if uid in self.live.index.people:
                        fresh[uid] = self._compute(uid, now)
                        await asyncio.sleep(0)
                if storing is not None:
                    changed += len(await storing)
                    for uid in stored:
                        held.pop(uid, None)
                    self._in_flight = set(held)
                stored = batch
                storing = asyncio.create_task(self._store(fresh, now, batch, announce_after=True))
            if storing is not None:
                changed += len(await storing)
                held.clear()
        except BaseException as error:
            if storing is not None:
                if isinstance(error, asyncio.CancelledError):
                    storing.cancel()
                await asyncio.wait([storing])  # a chunk being stored finishes, unless stopping
                if not storing.cancelled() and storing.exception() is None:
                    for uid in stored:
                        held.pop(uid, None)
            for uid, correlation_id in held.items():  # not known to be stored: next run
                self.backlog.mark([uid], correlation_id)
            raise
        finally:
            self._in_flight = set()
        return changed

    async def _refresh_own(self, user_id: str) -> None:
        """A reader's own list, now (they are waiting on the backlog, or never had one): one
        ranking, and nobody else's list (reading changes nothing for others)."""
        correlation_id = self.backlog.take_one(user_id)
        if user_id in self._in_flight:
            self.backlog.mark([user_id], correlation_id)
        now = self.clock.now()
        lists = self._compute(user_id, now)
        await self._store({user_id: lists}, now, {user_id: correlation_id})

    async def _store(
        self,
        fresh: dict[str, Computed],
        now: datetime,
        correlations: Mapping[str, str | None] | None = None,
        *,
        announce_after: bool = False,
        listed: list[Op] | None = None,
    ) -> list[str]:
        """Store the lists that differ from the ones held and announce each.

        Normally as one outbox unit (stage, stamped write, commit). `announce_after` (the
        backlog and the rebuild, dozens of lists at a time) writes first and then stages the
        announcements already committed: the unit's commit updates every staged entry one by
        one, each a store transaction of its own on FerretDB, and at a steady event rate those
        per-list updates were most of the store's work and what every change waited behind
        (measured: ~1 s per chunk commit). The price: a process dying between the write and
        the staging leaves those lists stored but unannounced; the backlog they come from is
        already lost work on such a death (module docstring), and nothing is announced that
        was not stored. With `listed`, the index deltas of the stored lists are handed to
        the caller to share instead of being shared here."""
        docs: list[Document] = []
        events: list[Envelope] = []
        ops: list[Op] = []
        for uid, lists in fresh.items():
            ids = _ids(lists)
            sig = signature(lists)
            before = self.live.lists.get(uid)
            if before is not None and self.live.signatures.get(uid) == sig:
                continue
            docs.append({"_id": uid, "lists": lists, "signature": sig, "computed_at": now})
            ops.append(listed_op(uid, ids, sig))
            main = ids.get(Intent.job_friends.value, ())
            old = set((before or {}).get(Intent.job_friends.value, ()))
            payload = SuggestionsRefreshed(
                user_id=uid,
                count=len(main),
                top=tuple(main[:5]),
                new=tuple(x for x in main if x not in old)[:10],
            )
            events.append(
                build_event(
                    payload,
                    producer="matching",
                    occurred_at=now,
                    correlation_id=(correlations or {}).get(uid),
                )
            )
        if not docs:
            return []
        if announce_after:
            await self.repos.suggestions.write(docs)
            await self.outbox.emit(events, topic=TOPIC)
        else:
            async with self.outbox.unit(
                events, topic=TOPIC, collection=SUGGESTIONS, aggregate_id=docs[-1]["_id"]
            ) as unit:
                await self.repos.suggestions.write(docs, unit)
        if listed is None:
            await self.live.publish(ops)
        else:
            self.live.apply(ops, wall_micros())
            listed.extend(ops)
        return [str(d["_id"]) for d in docs]

    async def rebuild(self) -> int:
        """Recompute every list (daily): time passes (events become past) and frequent facts
        such as reactions do not trigger refreshes. One instance per day does it, by lease.
        Returns how many lists changed."""
        now = self.clock.now()
        lease = f"rebuild|{now.strftime('%Y-%m-%d')}"
        if not await self.repos.suggestions.take_lease(lease, self.live.writer, now):
            return 0
        people = sorted(self.live.index.people)
        changed = 0
        for start in range(0, len(people), REBUILD_CHUNK):
            fresh: dict[str, Computed] = {}
            for uid in people[start : start + REBUILD_CHUNK]:
                if uid in self.live.index.people:
                    fresh[uid] = self._compute(uid, now)
                    await asyncio.sleep(0)
            changed += len(await self._store(fresh, now, announce_after=True))
        return changed

    # --- reading ------------------------------------------------------------------------

    def person_summary(self, user_id: str) -> dict[str, Any]:
        person = self.live.index.people.get(user_id)
        if person is None:
            return {"user_id": user_id}
        return {
            "user_id": user_id,
            "display_name": person.display_name,
            "profession": person.profession,
            "profession_label": profession_label(person.profession),
            "city": person.city,
        }

    async def matches(
        self, user_id: str, intent: Intent, offset: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None, str | None]:
        """One page of suggestions: (items, next offset, hint). Anyone connected, requested,
        blocked, dismissed or deleted since the list was stored is left out."""
        index = self.live.index
        doc = await self.repos.suggestions.list_of(user_id)
        if user_id in index.people and (doc is None or user_id in self.backlog):
            await self._refresh_own(user_id)
            doc = await self.repos.suggestions.list_of(user_id)
        person = index.people.get(user_id)
        hint = None
        if person is None:
            hint = "Complete your profile (profession, city, skills) to get suggestions."
        elif not eligible(person, intent):
            hint = _HINTS.get(intent)
        items = [
            i
            for i in (doc or {}).get("lists", {}).get(intent.value, [])
            if not index.excluded(user_id, i["user_id"])
        ]
        page = self._explained(user_id, intent, items[offset : offset + limit])
        following = offset + limit if offset + limit < len(items) else None
        return page, following, hint

    def _explained(
        self, user_id: str, intent: Intent, items: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        index = self.live.index
        p = index.people.get(user_id)
        if p is None:
            return []
        now = self.clock.now()
        scorer = Scorer(index, p, now)
        out = []
        for item in items:
            c = index.people[item["user_id"]]
            reasons, sentence = explain(index, p, c, intent, now, scorer=scorer)
            out.append(
                {
                    **self.person_summary(c.id),
                    "score": item["score"],
                    "reasons": [r.as_dict() for r in reasons],
                    "sentence": sentence,
                }
            )
        return out

    # --- dismissals and notes -------------------------------------------------------------

    def _known(self, viewer: str, other: str) -> None:
        if viewer == other:
            raise Invalid("that is you", code="self")
        live = self.live
        if (
            other not in live.index.people
            or live.blocked(other, viewer)
            or live.blocked(viewer, other)
        ):
            raise NotFound("no such person", code="user_not_found")

    async def dismiss(self, user_id: str, other: str) -> None:
        self._known(user_id, other)
        await self.repos.projections.dismiss(user_id, other, self.clock.now())
        await self.changed([dismiss_op(user_id, other)], refresh=[user_id])

    async def draft(self, user_id: str, other: str) -> str:
        self._known(user_id, other)
        index = self.live.index
        c = index.people[other]
        p = index.people.get(user_id)
        if p is None:
            return draft_note(c.display_name, None, c.city)
        _, sentence = explain(index, p, c, Intent.job_friends, self.clock.now())
        generic = sentence.startswith("Someone")
        return draft_note(c.display_name, None if generic else sentence, c.city)
