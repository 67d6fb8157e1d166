"""Periodic upkeep: finish half-done work after a crash, and drop what is no longer needed.

FerretDB has no TTL indexes, so old journal records, posts, daily slots and consumer markers
are deleted here instead.
"""

from __future__ import annotations

from datetime import timedelta

from jobfriends_shared.clock import Clock
from jobfriends_shared.consumer import EventConsumer

from matching.domain.requests import day_key
from matching.repository import Repositories
from matching.service.connections import ORPHAN_AFTER
from matching.service.outcomes import Outcomes
from matching.service.tribe import TribeService

SETTLE_AFTER = timedelta(seconds=30)


class Upkeep:
    def __init__(
        self,
        repos: Repositories,
        clock: Clock,
        outcomes: Outcomes,
        tribe: TribeService,
        consumer: EventConsumer,
    ) -> None:
        self.repos = repos
        self.clock = clock
        self.outcomes = outcomes
        self.tribe = tribe
        self.consumer = consumer

    async def settle(self) -> int:
        """Apply decisions whose writer died before finishing, and clear pair claims and
        pending slots whose request was never written."""
        c = self.repos.connections
        now = self.clock.now()
        done = 0
        for decision in await c.unsettled(now - SETTLE_AFTER):
            if decision["kind"] == "tribe_removal":
                await self.tribe.apply(decision)
            else:
                await self.outcomes.apply(decision)
            done += 1
        stale = now - ORPHAN_AFTER
        for lock in await c.stale_locks(stale):
            rid = str(lock["request_id"])
            if await c.request(rid) is None:
                await c.release_pair(str(lock["_id"]), rid)
                done += 1
        for slot in await c.stale_pending_slots(stale):
            req = await c.request(str(slot["request_id"]))
            if req is None or req.get("sender_closed") or req["state"] == "accepted":
                await c.release_pending_slot(str(slot["request_id"]))
                done += 1
        return done

    async def housekeeping(self) -> None:
        now = self.clock.now()
        await self.repos.journal.purge(now - timedelta(days=1))
        await self.repos.suggestions.purge_leases(now - timedelta(days=7))
        # Nudges must outlive the longest period (quarterly) or one could be sent twice.
        await self.repos.connections.purge(now - timedelta(days=120))
        await self.repos.projections.purge_posts(now - timedelta(days=90))
        await self.repos.connections.purge_daily_slots(day_key(now - timedelta(days=2)))
        await self.consumer.purge_processed(timedelta(days=14))
