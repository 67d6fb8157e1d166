"""Keep in touch: the periodic job that finds overdue friends and emits `nudge.due`.

Each run recomputes, from the store, every connection's last interaction and current overdue
period (see `domain.nudges`); a nudge is inserted with its period as `_id` and a monthly slot,
together with its event through the outbox. So runs on several instances, repeated runs and
runs after a restart all agree on the same ids: nothing doubles, and a run that died before
inserting is simply done again by the next one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.matching import TOPIC, NudgeDue
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from matching.domain.nudges import (
    DEFAULT_CADENCE,
    RECENT,
    SOON,
    Cadence,
    Milestone,
    StarterContext,
    conversation_starter,
    due_at,
    month_key,
    period_key,
    slot_ids,
)
from matching.repository import Repositories
from matching.repository.connections import NUDGES
from matching.service.live import LiveIndex


class _Taken(Exception):
    """The nudge's period or slot was taken while we were writing it."""


class NudgeService:
    def __init__(self, repos: Repositories, outbox: Outbox, clock: Clock, live: LiveIndex) -> None:
        self.repos = repos
        self.outbox = outbox
        self.clock = clock
        self.live = live

    async def run(self) -> int:
        """One pass over all connections; returns how many nudges it emitted."""
        now = self.clock.now()
        cadences = await self.repos.connections.all_cadences()
        sent = 0
        async for conn in self.repos.connections.all_connections():
            sent += await self._connection(conn, cadences, now)
        return sent

    async def _connection(
        self, conn: Document, cadences: dict[tuple[str, str], str], now: datetime
    ) -> int:
        pair = str(conn["_id"])
        seen = await self.repos.projections.last_contact(pair)
        last = max(conn["since"], seen) if seen else conn["since"]
        a, b = (str(u) for u in conn["users"])
        sent = 0
        for user, friend in ((a, b), (b, a)):
            cadence = Cadence(cadences.get((user, friend), DEFAULT_CADENCE))
            start = due_at(last, cadence, now)
            if start is not None and await self._nudge(
                user, friend, pair, start, last, cadence, now
            ):
                sent += 1
        return sent

    async def _nudge(
        self,
        user: str,
        friend: str,
        pair: str,
        start: datetime,
        last: datetime,
        cadence: Cadence,
        now: datetime,
    ) -> bool:
        """Emit the nudge for this period unless one was: the period is the nudge's `_id`,
        and it takes the first free of three slots this month (a unique field). FerretDB does
        not say which unique key an insert broke, so after a clash the `_id` is looked up."""
        c = self.repos.connections
        key = period_key(user, friend, start)
        if await c.nudge(key) is not None:
            return False
        month = month_key(now)
        kind, starter = conversation_starter(await self._context(user, friend, last, now), now)
        days = (now - last).days
        reason = f"no contact for {days} days ({cadence.value} cadence)"
        payload = NudgeDue(
            pair_id=pair,
            user_id=user,
            friend_id=friend,
            nudge_id=key,
            starter=starter,
            reason=reason,
            starter_kind=kind,
            cadence=cadence.value,
            due_at=start,
            last_interaction_at=last,
        )
        for slot in slot_ids(user, friend, month):
            doc: dict[str, Any] = {
                "_id": key,
                "slot": slot,
                "user": user,
                "friend": friend,
                "month": month,
                "due_at": start,
                "at": now,
                "starter": starter,
                "starter_kind": kind,
                "reason": reason,
            }
            event = build_event(payload, producer="matching", occurred_at=now)
            try:
                async with self.outbox.unit(
                    [event], topic=TOPIC, collection=NUDGES, aggregate_id=key
                ) as unit:
                    if not await c.insert_nudge(doc, unit):
                        raise _Taken
            except _Taken:
                if await c.nudge(key) is not None:
                    return False  # another run nudged for this period
                continue  # this month's slot is taken; try the next
            return True
        return False  # three this month already

    async def _context(
        self, user: str, friend: str, last: datetime, now: datetime
    ) -> StarterContext:
        p = self.repos.projections
        index = self.live.index
        person = index.people.get(friend)
        recent = await p.recent_context(friend)
        milestones = [
            Milestone(str(m.get("kind")), str(m.get("title") or ""), m.get("organisation"))
            for m in recent.get("milestones", [])
            if m["at"] >= now - RECENT
        ]
        shared = index.user_events.get(user, set()) & index.user_events.get(friend, set())
        events = sorted(
            (
                info
                for info in (index.events.get(e) for e in shared)
                if info is not None and not info.cancelled and now < info.starts_at <= now + SOON
            ),
            key=lambda e: e.starts_at,
        )
        posts = [x for x in recent.get("posts", []) if x["at"] >= now - RECENT]
        return StarterContext(
            friend_name=person.display_name if person else "",
            last_contact=last,
            milestones=milestones,
            shared_events=events,
            help_requests=[str(x["text"]) for x in posts if x.get("kind") == "help_request"],
            posts=[str(x["text"]) for x in posts if x.get("kind") != "help_request"],
        )
