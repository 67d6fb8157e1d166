"""The tribe (up to 30 connections a person counts on) and keep-in-touch cadences.

Adding takes one of the owner's 30 slots (`{owner}#{k}`) by insert, with a unique
(owner, member) index, so two concurrent adds can neither exceed 30 nor add someone twice.
Removing is a decision keyed by the slot and the time it was filled, so concurrent removals
emit one event.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.matching import (
    TOPIC,
    TribeMemberAdded,
    TribeMemberRemoved,
    pair_id,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.errors import Conflict, NotFound
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox
from pymongo.errors import DuplicateKeyError

from matching.domain import tribe as rules
from matching.domain.nudges import Cadence
from matching.repository import Repositories
from matching.repository.connections import TRIBE
from matching.service import decisions
from matching.service.suggestions import SuggestionService


class TribeService:
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

    def _event(self, payload: Payload) -> Envelope:
        now = self.clock.now()
        return build_event(payload, producer="matching", occurred_at=now)

    async def _require_connection(self, owner: str, member: str, message: str) -> None:
        if await self.repos.connections.connection(pair_id(owner, member)) is None:
            raise NotFound(message, code="not_connected")

    # --- tribe ------------------------------------------------------------------------------

    async def _entries(self, owner: str) -> list[Document]:
        return await self.repos.connections.tribe_of(owner, rules.TRIBE_MAX)

    async def add(self, owner: str, member: str) -> dict[str, Any]:
        rules.check_member(owner, member)
        c = self.repos.connections
        if await c.connection(pair_id(owner, member)) is None:
            raise Conflict("only your connections can be in your tribe", code="not_connected")
        entries = await self._entries(owner)
        if any(e["member"] == member for e in entries):
            return self._view(owner, entries)  # already there: PUT is idempotent
        rules.check_room(len(entries))
        taken = {str(e["_id"]) for e in entries}
        for k in range(rules.TRIBE_MAX):
            slot = f"{owner}#{k}"
            if slot in taken:
                continue
            doc = {"_id": slot, "owner": owner, "member": member, "added_at": self.clock.now()}
            payload = TribeMemberAdded(
                pair_id=pair_id(owner, member), owner_id=owner, member_id=member
            )
            try:
                async with self.outbox.unit(
                    [self._event(payload)],
                    topic=TOPIC,
                    collection=TRIBE,
                    aggregate_id=slot,
                ) as unit:
                    await c.insert_tribe_slot(doc, unit)
            except DuplicateKeyError:
                entries = await self._entries(owner)
                if any(e["member"] == member for e in entries):
                    return self._view(owner, entries)  # a concurrent add of them won
                continue  # a concurrent add took this slot; try the next
            return await self.tribe(owner)
        rules.check_room(rules.TRIBE_MAX)
        raise AssertionError("unreachable")  # pragma: no cover

    async def remove(self, owner: str, member: str) -> None:
        entry = next((e for e in await self._entries(owner) if e["member"] == member), None)
        if entry is None:
            raise NotFound("this person is not in your tribe", code="not_in_tribe")
        await self._remove_entry(entry)

    async def _remove_entry(self, entry: Document) -> None:
        owner, member, slot = str(entry["owner"]), str(entry["member"]), str(entry["_id"])
        decision = {
            "_id": f"tribe|{slot}|{entry['added_at'].isoformat()}",
            "kind": "tribe_removal",
            "from": owner,
            "to": member,
            "slot": slot,
            "at": self.clock.now(),
            "settled": False,
        }
        payload = TribeMemberRemoved(
            pair_id=pair_id(owner, member), owner_id=owner, member_id=member
        )
        events = [self._event(payload)]
        if not await decisions.record(self.outbox, self.repos.connections, decision, events):
            return
        await self.apply(decision)

    async def apply(self, decision: Document) -> None:
        """Idempotent follow-up of a tribe removal decision (also run by the sweeper)."""
        c = self.repos.connections
        await c.remove_tribe_slot(str(decision["slot"]), str(decision["to"]))
        await c.settled(str(decision["_id"]))

    async def remove_between(self, a: str, b: str) -> None:
        """When two people disconnect, each leaves the other's tribe."""
        for owner, member in ((a, b), (b, a)):
            for entry in await self._entries(owner):
                if entry["member"] == member:
                    await self._remove_entry(entry)

    async def tribe(self, owner: str) -> dict[str, Any]:
        return self._view(owner, await self._entries(owner))

    def _view(self, owner: str, entries: list[Document]) -> dict[str, Any]:
        """Members with the support each way (from memory: reactions and comments on help
        requests and milestones), and progress toward 15-30."""
        live = self.suggestions.live
        out = []
        given = received = 0
        for entry in entries:
            member = str(entry["member"])
            g, r = live.support_between(owner, member)
            given, received = given + g, received + r
            out.append(
                {
                    **self.suggestions.person_summary(member),
                    "added_at": entry["added_at"],
                    "support_given": g,
                    "support_received": r,
                    "reciprocity": rules.reciprocity(g, r),
                }
            )
        return {
            "members": out,
            "progress": asdict(rules.progress(len(entries))),
            "reciprocity": {
                "support_given": given,
                "support_received": received,
                "balance": rules.reciprocity(given, received),
            },
        }

    # --- cadence ----------------------------------------------------------------------------

    async def set_cadence(self, user_id: str, friend: str, cadence: Cadence) -> dict[str, str]:
        await self._require_connection(user_id, friend, "you are not connected to this person")
        await self.repos.connections.set_cadence(user_id, friend, cadence.value, self.clock.now())
        return {"user_id": friend, "cadence": cadence.value}
