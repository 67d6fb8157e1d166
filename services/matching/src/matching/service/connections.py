"""Connection requests and connections: send, answer, withdraw, expire, remove.

Outcomes (accept, decline, withdraw, expire, remove) are decisions, recorded and applied by
`service.outcomes`.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.matching import (
    TOPIC,
    ConnectionRequested,
    pair_id,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.errors import Conflict, Forbidden, NotFound, TooMany
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from matching.domain.requests import (
    Action,
    RequestState,
    check_actor,
    check_not_self,
    check_open_for,
    clean_note,
    day_key,
    seconds_until,
    seconds_until_next_day,
    sender_view,
)
from matching.repository import Repositories
from matching.repository.connections import REQUESTS
from matching.service.deltas import pair_op
from matching.service.outcomes import Outcomes
from matching.service.suggestions import SuggestionService
from matching.settings import MatchingSettings

ORPHAN_AFTER = timedelta(minutes=2)
_OUTCOME = {
    Action.accept: RequestState.accepted,
    Action.decline: RequestState.declined,
    Action.withdraw: RequestState.withdrawn,
}
TRIBE_SLOTS = 30


class ConnectionService:
    def __init__(
        self,
        repos: Repositories,
        outbox: Outbox,
        clock: Clock,
        settings: MatchingSettings,
        suggestions: SuggestionService,
        outcomes: Outcomes,
    ) -> None:
        self.repos = repos
        self.outbox = outbox
        self.clock = clock
        self.settings = settings
        self.suggestions = suggestions
        self.outcomes = outcomes

    def _event(self, payload: Payload) -> Envelope:
        return build_event(
            payload,
            producer="matching",
            occurred_at=self.clock.now(),
        )

    async def _name(self, user_id: str) -> str:
        profile = await self.repos.projections.profile(user_id)
        return str((profile or {}).get("display_name") or "this person")

    # --- sending ----------------------------------------------------------------------------

    async def request(self, sender: str, to: str, note: str) -> dict[str, Any]:
        note = clean_note(note)
        check_not_self(sender, to)
        p, c = self.repos.projections, self.repos.connections
        pair = pair_id(sender, to)
        profile, gone, they_blocked, i_blocked, connection = await asyncio.gather(
            p.profile(to),
            p.is_deleted(to),
            p.blocked(to, sender),
            p.blocked(sender, to),
            c.connection(pair),
        )
        if profile is None or gone or they_blocked:
            raise NotFound("no such person", code="user_not_found")
        if i_blocked:
            raise Forbidden("you blocked this person; unblock them first", code="blocked")
        if connection is not None:
            raise Conflict("you are already connected", code="already_connected")
        now = self.clock.now()
        rid = uuid.uuid4().hex
        await self._claim_pair(pair, rid, sender, to, now)
        if not await c.claim_pending_slot(sender, rid, self.settings.pending_request_cap, now):
            await c.release_pair(pair, rid)
            wait = seconds_until(await c.oldest_open_expiry(sender), now)
            raise TooMany(
                f"you have {self.settings.pending_request_cap} requests waiting for an answer; "
                "withdraw one or wait for answers",
                retry_after=wait,
                code="too_many_pending_requests",
            )
        cap = self.settings.daily_request_cap
        if not await c.claim_daily_slot(sender, day_key(now), rid, cap, now):
            await c.release_pair(pair, rid)
            await c.release_pending_slot(rid)
            raise TooMany(
                f"you can send {cap} connection requests a day; try again tomorrow",
                retry_after=seconds_until_next_day(now),
                code="daily_request_limit",
            )
        doc = {
            "_id": rid,
            "pair_id": pair,
            "from": sender,
            "to": to,
            "note": note,
            "state": RequestState.pending.value,
            "created_at": now,
            "expires_at": now + timedelta(days=self.settings.request_ttl_days),
        }
        payload = ConnectionRequested(
            pair_id=pair, from_user_id=sender, to_user_id=to, request_id=rid, note=note
        )
        async with self.outbox.unit(
            [self._event(payload)],
            topic=TOPIC,
            collection=REQUESTS,
            aggregate_id=rid,
        ) as unit:
            await c.insert_request(doc, unit)
        await self.suggestions.changed([pair_op("pending", sender, to, True)], refresh=[sender, to])
        return self.view(doc, sender)

    async def _claim_pair(self, pair: str, rid: str, sender: str, to: str, now: datetime) -> None:
        """One open request per pair, whoever sent it. A request the sender had declined from
        the other person gives way (they changed their mind); an orphaned claim (its writer
        died before the request existed) is cleared."""
        c = self.repos.connections
        lock = {
            "_id": pair,
            "request_id": rid,
            "from": sender,
            "to": to,
            "users": sorted((sender, to)),
            "at": now,
        }
        for _ in range(2):
            held = await c.claim_pair(lock)
            if held is None:
                return
            other = await c.request(str(held["request_id"]))
            if other is None:
                if now - held["at"] < ORPHAN_AFTER:
                    raise Conflict("a request between you is being sent", code="request_pending")
                await c.release_pair(pair, str(held["request_id"]))
                continue
            if other["from"] == sender:
                raise Conflict(
                    f"you already asked {await self._name(to)}; wait for an answer or withdraw it",
                    code="request_pending",
                )
            if other["state"] == RequestState.declined.value:
                await self.outcomes.close_for_sender(other, RequestState.superseded)
                continue
            raise Conflict(
                f"{await self._name(to)} already asked you to connect; accept their request",
                code="they_asked_you",
            )
        raise Conflict("a request between you is being sent", code="request_pending")

    # --- answering --------------------------------------------------------------------------

    async def act(self, caller: str, request_id: str, action: Action) -> dict[str, Any]:
        req = await self.repos.connections.request(request_id)
        if req is None:
            raise NotFound("no such request", code="request_not_found")
        check_actor(action, caller, str(req["from"]), str(req["to"]))
        state = RequestState(req["state"])
        if req.get("sender_closed") and caller == req["from"]:
            state = RequestState(req.get("sender_state") or RequestState.withdrawn)
        check_open_for(action, state, caller == req["from"])
        a, b = str(req["from"]), str(req["to"])
        if action is Action.accept and (
            await self.repos.projections.blocked(a, b) or await self.repos.projections.blocked(b, a)
        ):
            raise Conflict("this request is no longer open", code="request_closed")
        if action is Action.withdraw and state is RequestState.declined:
            # The sender never learns of the decline: withdrawing just closes it quietly.
            await self.outcomes.close_for_sender(req, RequestState.withdrawn)
            fresh = await self.repos.connections.request(request_id) or req
            return self.view(fresh, caller)
        decision = await self.outcomes.decide(req, _OUTCOME[action], caller)
        if decision is None:
            raise Conflict("this request is no longer open", code="request_closed")
        fresh = await self.repos.connections.request(request_id) or req
        return self.view(fresh, caller)

    # --- reading ----------------------------------------------------------------------------

    def view(self, req: Document, viewer: str) -> dict[str, Any]:
        state = RequestState(req["state"])
        is_sender = viewer == req["from"]
        if is_sender:
            state = sender_view(state)
            if req.get("sender_state"):
                state = RequestState(req["sender_state"])
        other = str(req["to"] if is_sender else req["from"])
        return {
            "id": str(req["_id"]),
            "from_user_id": str(req["from"]),
            "to_user_id": str(req["to"]),
            "note": req["note"],
            "state": state.value,
            "created_at": req["created_at"],
            "expires_at": req["expires_at"],
            "other": self.suggestions.person_summary(other),
        }

    async def requests(
        self, caller: str, direction: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[dict[str, Any]]:
        c = self.repos.connections
        fetch = c.incoming if direction == "incoming" else c.outgoing
        rows = await fetch(caller, after, limit)
        return [self.view(r, caller) for r in rows]

    async def connections(self, caller: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        """A page of connections, ordered by the other person's id. Who they are comes from
        memory; the details are `_id` lookups."""
        c, p = self.repos.connections, self.repos.projections
        friends = sorted(self.suggestions.live.index.friends.get(caller, set()))
        if after is not None:
            friends = [f for f in friends if f > after]
        friends = friends[:limit]
        tribe = {str(d["member"]) for d in await c.tribe_of(caller, TRIBE_SLOTS)}
        out = []
        for friend in friends:
            pair = pair_id(caller, friend)
            row, cadence, last = await asyncio.gather(
                c.connection(pair), c.cadence(caller, friend), p.last_contact(pair)
            )
            if row is None:
                continue  # removed a moment ago
            out.append(
                {
                    **self.suggestions.person_summary(friend),
                    "pair_id": pair,
                    "since": row["since"],
                    "cadence": cadence or "monthly",
                    "in_tribe": friend in tribe,
                    "last_interaction_at": last,
                }
            )
        return out

    # --- removing ---------------------------------------------------------------------------

    async def remove(self, caller: str, other: str) -> None:
        conn = await self.repos.connections.connection(pair_id(caller, other))
        if conn is None:
            raise NotFound("you are not connected to this person", code="not_connected")
        await self.outcomes.remove(conn, caller, other)
