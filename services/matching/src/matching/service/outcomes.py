"""What follows from a decision about a request or a connection.

Every outcome is a *decision* inserted under a deterministic `_id` (see the repository): the
first insert wins races (accept vs withdraw, two removals), the decision carries the outbox
stamp for its event, and what follows from it (`apply`) is idempotent, so the sweeper can
finish the job if a process dies half-way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.matching import (
    ConnectionAccepted,
    ConnectionDeclined,
    ConnectionExpired,
    ConnectionRemoved,
    ConnectionWithdrawn,
    pair_id,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from matching.domain.requests import RequestState
from matching.repository import Repositories
from matching.service import decisions
from matching.service.deltas import Op, pair_op
from matching.service.suggestions import SuggestionService


class Outcomes:
    def __init__(
        self,
        repos: Repositories,
        outbox: Outbox,
        clock: Clock,
        suggestions: SuggestionService,
    ) -> None:
        self.repos = repos
        self.outbox = outbox
        self.clock = clock
        self.suggestions = suggestions
        # Set by the composition root: drops tribe entries between two people who disconnect.
        self.tribe_removal: Callable[[str, str], Awaitable[None]] | None = None

    def _event(self, payload: Payload) -> Envelope:
        now = self.clock.now()
        return build_event(payload, producer="matching", occurred_at=now)

    async def decide(self, req: Document, outcome: RequestState, actor: str) -> Document | None:
        """Record the one outcome of a request and apply it; None if another came first."""
        rid, pair = str(req["_id"]), str(req["pair_id"])
        sender, to = str(req["from"]), str(req["to"])
        now = self.clock.now()
        decision = {
            "_id": f"request|{rid}",
            "kind": "request",
            "outcome": outcome.value,
            "request_id": rid,
            "pair_id": pair,
            "from": sender,
            "to": to,
            "actor": actor,
            "at": now,
            "settled": False,
        }
        payload = self._outcome_event(outcome, pair, sender, to, rid)
        events = [self._event(payload)] if payload is not None else []
        if not await decisions.record(self.outbox, self.repos.connections, decision, events):
            return None
        await self.apply(decision)
        return decision

    @staticmethod
    def _outcome_event(
        outcome: RequestState, pair: str, sender: str, to: str, rid: str
    ) -> Payload | None:
        fields = {"pair_id": pair, "from_user_id": sender, "to_user_id": to, "request_id": rid}
        if outcome is RequestState.accepted:
            return ConnectionAccepted(**fields)
        if outcome is RequestState.declined:
            return ConnectionDeclined(**fields)
        if outcome is RequestState.expired:
            return ConnectionExpired(**fields)
        if outcome is RequestState.withdrawn:
            return ConnectionWithdrawn(**fields)
        return None

    async def apply(self, decision: Document) -> None:
        """Everything that follows from a decision; idempotent (the sweeper repeats it)."""
        c = self.repos.connections
        kind = decision["kind"]
        a, b = str(decision["from"]), str(decision["to"])
        ops: list[Op] = []
        extra: list[str] = []
        if kind == "request":
            rid, pair = str(decision["request_id"]), str(decision["pair_id"])
            outcome = RequestState(decision["outcome"])
            fields: Document = {"state": outcome.value, "resolved_at": decision["at"]}
            if outcome is RequestState.accepted:
                await c.connect(pair, (a, b), decision["at"], rid)
                ops.append(pair_op("friends", a, b, True))
            if outcome is not RequestState.declined:
                # A decline keeps the pair claimed: to the sender it is still pending.
                fields["sender_closed"] = outcome is not RequestState.accepted
                await c.release_pair(pair, rid)
                await c.release_pending_slot(rid)
                ops.append(pair_op("pending", a, b, False))
            await c.update_request(rid, fields)
        elif kind == "removal":
            await c.disconnect(str(decision["pair_id"]), decision["since"])
            await c.drop_cadences(a, b)
            ops.append(pair_op("friends", a, b, False))
            if self.tribe_removal is not None:
                await self.tribe_removal(a, b)
        if any(op["k"] == "friends" for op in ops):
            extra = self._friends_of(a, b)  # their mutual-friend counts change
        await c.settled(str(decision["_id"]))
        await self.suggestions.changed(ops, refresh=[a, b] if ops else [], extra=extra)

    def _friends_of(self, a: str, b: str) -> list[str]:
        friends = self.suggestions.live.index.friends
        return sorted((friends.get(a, set()) | friends.get(b, set())) - {a, b})

    async def close_for_sender(self, req: Document, sender_state: RequestState) -> None:
        """Close a declined request for its sender, who sees `sender_state` (withdrawn,
        expired, superseded): never the decline itself. No event: it was decided already."""
        c = self.repos.connections
        rid, pair = str(req["_id"]), str(req["pair_id"])
        fields = {
            "sender_closed": True,
            "sender_state": sender_state.value,
            "closed_at": self.clock.now(),
        }
        await c.update_request(rid, fields)
        await c.release_pair(pair, rid)
        await c.release_pending_slot(rid)
        a, b = str(req["from"]), str(req["to"])
        await self.suggestions.changed([pair_op("pending", a, b, False)], refresh=[a, b])

    async def remove(self, conn: Document, remover: str, other: str) -> None:
        pair = str(conn["_id"])
        decision = {
            "_id": f"removal|{pair}|{conn['since'].isoformat()}",
            "kind": "removal",
            "pair_id": pair,
            "from": remover,
            "to": other,
            "since": conn["since"],
            "at": self.clock.now(),
            "settled": False,
        }
        payload = ConnectionRemoved(pair_id=pair, from_user_id=remover, to_user_id=other)
        events = [self._event(payload)]
        if not await decisions.record(self.outbox, self.repos.connections, decision, events):
            return  # removed already (both removed at once, or a redelivery)
        await self.apply(decision)

    async def blocked(self, blocker: str, blocked: str) -> None:
        """A block ends the connection and any open request between the two."""
        c = self.repos.connections
        conn = await c.connection(pair_id(blocker, blocked))
        if conn is not None:
            await self.remove(conn, blocker, blocked)
        # The pair's claim leads to its one open request, if any (no scan needed).
        lock = await c.lock(pair_id(blocker, blocked))
        req = await c.request(str(lock["request_id"])) if lock is not None else None
        if req is None or req.get("sender_closed"):
            return
        if req["state"] == RequestState.declined.value:
            await self.close_for_sender(req, RequestState.expired)
        elif req["from"] == blocker:
            await self.decide(req, RequestState.withdrawn, blocker)
        else:
            await self.decide(req, RequestState.declined, blocker)

    # --- upkeep (periodic jobs) -------------------------------------------------------------

    async def expire(self) -> int:
        """Close requests whose lifetime ran out: unanswered ones with `connection.expired`,
        declined ones (still 'pending' to their sender) quietly."""
        now = self.clock.now()
        closed = 0
        for req in await self.repos.connections.expiring(now):
            if req["state"] == RequestState.declined.value:
                await self.close_for_sender(req, RequestState.expired)
            else:
                await self.decide(req, RequestState.expired, str(req["from"]))
            closed += 1
        return closed

    async def erase(self, user_id: str) -> Sequence[str]:
        """Forget a deleted person's requests and connections; returns their former friends
        and request partners (whose suggestions and counts change)."""
        c = self.repos.connections
        index = self.suggestions.live.index
        friends = index.friends.get(user_id, set()) | index.pending.get(user_id, set())
        partners = await c.pending_partners(user_id)
        await c.erase(user_id)
        return sorted((friends | partners) - {user_id})
