"""Periodic upkeep: finish half-done work after a crash; drop past days' slots and settled
decisions.

(What expires by a date — journal records, leases, nudges, posts, consumer markers — is
declared in `repository.EXPIRING` and expired by the runtime: a TTL index on MongoDB.)
"""

from __future__ import annotations

from datetime import timedelta

from jobfriends_shared.clock import Clock

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
    ) -> None:
        self.repos = repos
        self.clock = clock
        self.outcomes = outcomes
        self.tribe = tribe

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
        """Daily slots are keyed by a day, not a date: past days go here (what expires by a
        date is the runtime's, `Runtime.expire`)."""
        now = self.clock.now()
        await self.repos.connections.purge_daily_slots(day_key(now - timedelta(days=2)))
        await self.repos.connections.purge_settled_decisions(now - timedelta(days=120))
