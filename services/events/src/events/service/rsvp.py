"""RSVPs, seats and the fair waitlist, attendee lists and check-ins.

How a "going" becomes a seat without a lock (details in `repository.attendance`):

1. append a claim to the event's arrival log (a unique insert decides the order);
2. count the active claims before it: fewer than `capacity` means going, otherwise waiting;
3. announce the outcome in the same step as its record: a seat insert (unique per claim) with
   `rsvp.changed(going)`, or a wait insert (unique per claim) with `rsvp.changed(waitlisted)`;
4. after anyone leaves (or capacity grows), `settle` seats every claim now inside the capacity
   that was announced as waiting, with `waitlist.promoted`. The seat's unique id makes sure a
   promotion is announced once, however many settlers race.

A claim that is waiting re-runs `settle` right after announcing, so a seat freed while it was
deciding is not left empty.
"""

from __future__ import annotations

from typing import Any

from jobfriends_shared.contracts import Payload
from jobfriends_shared.contracts.events import (
    TOPIC,
    AttendanceCheckedIn,
    RsvpChanged,
    RsvpStatus,
    WaitlistPromoted,
)
from jobfriends_shared.errors import Conflict, Invalid
from jobfriends_shared.mongo import Document

from events.domain import attendance as rules
from events.domain.event import EventStatus
from events.repository.attendance import CHECKINS, RSVPS, SEATS, WAITS, rsvp_id
from events.service.base import Context


class _Taken(Exception):
    """Raised inside an outbox unit to abandon it: someone else recorded this already."""


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


class RsvpService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.repo.attendance

    # --- reading a person's RSVP --------------------------------------------------------------

    async def _claim_of(self, rsvp: Document | None) -> Document | None:
        """The person's active place in the arrival log, found through their RSVP."""
        if not rsvp or not rsvp.get("claim_id"):
            return None
        claim = await self.store.claim(rsvp["claim_id"])
        return claim if claim is not None and not claim["left"] else None

    async def _claim_status(self, event: Document, claim: Document) -> dict[str, Any]:
        if await self.store.seat(claim["_id"]) is not None:
            return {"status": RsvpStatus.going.value, "position": None}
        capacity = event.get("capacity")
        rank = await self._rank(event, claim)
        return {
            "status": rules.seat_status(rank, capacity).value,
            "position": rules.waitlist_position(rank, capacity),
        }

    async def _rank(self, event: Document, claim: Document) -> int:
        capacity = event.get("capacity")
        if capacity is None or claim["seq"] <= capacity:
            return 0  # at most seq - 1 < capacity claims can precede it: no need to count
        return await self.store.rank(event["_id"], claim["seq"])

    async def status_of(self, event: Document, user_id: str) -> dict[str, Any]:
        rsvp = await self.store.rsvp(event["_id"], user_id)
        claim = await self._claim_of(rsvp)
        if claim is not None:
            return await self._claim_status(event, claim)
        status = rsvp.get("status") if rsvp else None
        if status not in (RsvpStatus.interested, RsvpStatus.not_going):
            status = None
        return {"status": status, "position": None}

    # --- answering ------------------------------------------------------------------------------

    async def answer(self, event_id: str, user_id: str, status: RsvpStatus) -> dict[str, Any]:
        if status not in rules.CHOOSABLE:
            raise Invalid("status: going, interested or not_going", code="invalid_status")
        event = await self.ctx.visible(event_id, user_id)
        rules.check_open_for_rsvp(event, self.ctx.clock.now())
        if status == RsvpStatus.going:
            return await self._join(event, user_id)
        return await self._step_back(event, user_id, status)

    async def _join(self, event: Document, user_id: str) -> dict[str, Any]:
        rsvp = await self.store.rsvp(event["_id"], user_id)
        claim = await self._claim_of(rsvp)
        if claim is not None:  # going or waiting already: same answer, nothing to announce
            return {**await self._claim_status(event, claim), "previous": None}
        previous = rsvp.get("status") if rsvp else None
        if previous not in (RsvpStatus.interested, RsvpStatus.not_going):
            previous = None
        joins = int(rsvp.get("joins", 0)) if rsvp else 0
        now = self.ctx.clock.now()
        claim, _ = await self.store.append_claim(event["_id"], user_id, joins, now)
        outcome = await self._decide(event, claim, previous)
        await self.store.save_rsvp(
            event["_id"],
            user_id,
            {"status": "going", "claim_id": claim["_id"], "joins": joins + 1, "updated_at": now},
        )
        return {**outcome, "previous": previous}

    async def _decide(
        self, event: Document, claim: Document, previous: str | None
    ) -> dict[str, Any]:
        """Seat the claim or put it on the waitlist, and say so (exactly once)."""
        announced = await self.store.seat(claim["_id"]) or await self.store.wait(claim["_id"])
        if announced is None:
            rank = await self._rank(event, claim)
            if rules.seat_status(rank, event.get("capacity")) == RsvpStatus.going:
                await self._seat(event, claim, previous, promoted=False)
            else:
                change = RsvpChanged(
                    event_id=event["_id"],
                    user_id=claim["user_id"],
                    status=RsvpStatus.waitlisted,
                    previous=RsvpStatus(previous) if previous else None,
                )
                try:
                    async with self.ctx.outbox.unit(
                        [self.ctx.event(change)],
                        topic=TOPIC,
                        collection=WAITS,
                        aggregate_id=claim["_id"],
                    ) as unit:
                        now = self.ctx.clock.now()
                        if not await self.store.announce_waiting(claim, now, unit):
                            raise _Taken
                except _Taken:
                    pass
                await self.settle(event)  # a seat may have opened meanwhile
        return await self._claim_status(event, claim)

    async def _seat(
        self, event: Document, claim: Document, previous: str | None, *, promoted: bool
    ) -> bool:
        payloads: list[Payload] = []
        if promoted:
            payloads.append(
                WaitlistPromoted(
                    event_id=event["_id"],
                    user_id=claim["user_id"],
                    title=event["title"],
                    starts_at=event["starts_at"],
                )
            )
        payloads.append(
            RsvpChanged(
                event_id=event["_id"],
                user_id=claim["user_id"],
                status=RsvpStatus.going,
                previous=RsvpStatus(previous) if previous else None,
            )
        )
        try:
            async with self.ctx.outbox.unit(
                [self.ctx.event(p) for p in payloads],
                topic=TOPIC,
                collection=SEATS,
                aggregate_id=claim["_id"],
            ) as unit:
                if not await self.store.take_seat(claim, promoted, self.ctx.clock.now(), unit):
                    raise _Taken
        except _Taken:
            return False
        return True

    async def _step_back(self, event: Document, user_id: str, status: RsvpStatus) -> dict[str, Any]:
        rsvp = await self.store.rsvp(event["_id"], user_id)
        claim = await self._claim_of(rsvp)
        if claim is not None:
            previous = (await self._claim_status(event, claim))["status"]
        else:
            previous = rsvp.get("status") if rsvp else None
            if previous not in (RsvpStatus.interested, RsvpStatus.not_going):
                previous = None
            if previous == status:
                return {"status": status.value, "position": None, "previous": previous}
        now = self.ctx.clock.now()
        change = RsvpChanged(
            event_id=event["_id"],
            user_id=user_id,
            status=status,
            previous=RsvpStatus(previous) if previous else None,
        )
        async with self.ctx.outbox.unit(
            [self.ctx.event(change)],
            topic=TOPIC,
            collection=RSVPS,
            aggregate_id=rsvp_id(event["_id"], user_id),
        ) as unit:
            if claim is not None:
                await self.store.leave(claim["_id"], now)
                await self.store.release_seat(claim["_id"])
            await self.store.save_rsvp(
                event["_id"],
                user_id,
                {"status": status.value, "claim_id": None, "updated_at": now},
                unit,
            )
        if claim is not None:
            await self.settle(event)
        return {"status": status.value, "position": None, "previous": previous}

    # --- the waitlist moves up ------------------------------------------------------------------

    async def settle(self, event: Document) -> int:
        """Seat every claim that is now inside the capacity and was announced as waiting (or
        whose request died before announcing anything). Safe to run anywhere, any number of
        times, concurrently: each seat is announced once. Returns the seats given out."""
        if event["status"] != EventStatus.scheduled:
            return 0
        now = self.ctx.clock.now()
        inside = await self.store.first_active(event["_id"], event.get("capacity"))
        seated = await self.store.seated_ids(event["_id"])
        given = 0
        for claim in inside:
            if claim["_id"] in seated:
                continue
            if await self.store.wait(claim["_id"]) is not None:
                given += await self._seat(event, claim, RsvpStatus.waitlisted, promoted=True)
            elif now - claim["at"] >= rules.STALE_CLAIM:
                # its request died before announcing anything: seat it without "promoted"
                given += await self._seat(event, claim, None, promoted=False)
        return given

    # --- who is coming --------------------------------------------------------------------------

    async def attendees(
        self,
        event_id: str,
        viewer_id: str,
        status: RsvpStatus,
        after: Any,
        limit: int,
    ) -> tuple[list[dict[str, Any]], Any]:
        """One page of going, waitlisted or interested people; people blocked either way with
        the viewer are left out (their places still count)."""
        event = await self.ctx.visible(event_id, viewer_id)
        wanted = str if status == RsvpStatus.interested else int
        if after is not None and (type(after) is not wanted):
            raise Invalid("cursor: not a cursor of this listing", code="invalid_cursor")
        hidden = await self.ctx.repo.projections.blocked_with(viewer_id)
        if status == RsvpStatus.going:
            seats = await self.store.going_page(event_id, _int(after), hidden, limit)
            items = [{"user_id": s["user_id"], "status": "going"} for s in seats]
            last = seats[-1]["seq"] if len(seats) == limit else None
        elif status == RsvpStatus.waitlisted:
            items, last = await self._waitlist(event, after, hidden, limit)
        elif status == RsvpStatus.interested:
            rows = await self.store.interested_page(
                event_id, None if after is None else str(after), hidden, limit
            )
            items = [{"user_id": r["user_id"], "status": "interested"} for r in rows]
            last = rows[-1]["_id"] if len(rows) == limit else None
        else:
            raise Invalid("status: going, waitlisted or interested", code="invalid_status")
        if event["host_id"] == viewer_id and status == RsvpStatus.going:
            present = await self.store.checked_in(event_id, [i["user_id"] for i in items])
            for item in items:
                item["checked_in"] = item["user_id"] in present
        return items, last

    async def _waitlist(
        self, event: Document, after: Any, hidden: set[str], limit: int
    ) -> tuple[list[dict[str, Any]], Any]:
        capacity = event.get("capacity")
        if capacity is None:
            return [], None
        if after is None:
            boundary = await self.store.nth_active_seq(event["_id"], capacity)
            if boundary is None:
                return [], None
            after = boundary
        rows = await self.store.active_after(event["_id"], int(after), limit)
        if not rows:
            return [], None
        rank = await self.store.rank(event["_id"], rows[0]["seq"])
        items = [
            {
                "user_id": row["user_id"],
                "status": "waitlisted",
                "position": rules.waitlist_position(rank + i, capacity),
            }
            for i, row in enumerate(rows)
            if row["user_id"] not in hidden
        ]
        return items, rows[-1]["seq"] if len(rows) == limit else None

    async def counts(self, event: Document) -> dict[str, int]:
        going = await self.store.going_count(event["_id"])
        active = await self.store.active_count(event["_id"])
        interested = await self.store.interested_count(event["_id"])
        return {"going": going, "waitlisted": max(0, active - going), "interested": interested}

    # --- check-in -------------------------------------------------------------------------------

    async def check_in(self, event_id: str, host_id: str, user_id: str) -> bool:
        """Record that a going person came; False when they were checked in already."""
        event = await self.ctx.hosted(event_id, host_id)
        now = self.ctx.clock.now()
        rules.check_checkin(event, now)
        claim = await self._claim_of(await self.store.rsvp(event_id, user_id))
        if claim is None or await self.store.seat(claim["_id"]) is None:
            raise Conflict("only people with a seat can be checked in", code="not_going")
        doc_id = rsvp_id(event_id, user_id)
        payload = AttendanceCheckedIn(event_id=event_id, user_id=user_id)
        try:
            async with self.ctx.outbox.unit(
                [self.ctx.event(payload)],
                topic=TOPIC,
                collection=CHECKINS,
                aggregate_id=doc_id,
            ) as unit:
                doc = {
                    "_id": doc_id,
                    "event_id": event_id,
                    "user_id": user_id,
                    "at": now,
                    "by": host_id,
                }
                if not await self.store.check_in(doc, unit):
                    raise _Taken
        except _Taken:
            return False
        return True

    # --- erasure --------------------------------------------------------------------------------

    async def erase_person(self, user_id: str) -> None:
        """A deleted person leaves every event (the waitlist moves up), and their places in the
        arrival logs are anonymised (kept, so sequence numbers stay dense)."""
        now = self.ctx.clock.now()
        touched: dict[str, None] = {}
        for claim in await self.store.claims_of(user_id):
            if not claim["left"]:
                touched[claim["event_id"]] = None
            await self.store.anonymise_claim(claim["_id"], now)
            await self.store.release_seat(claim["_id"])
        await self.store.erase_user(user_id)
        await self.ctx.repo.reminders.erase_user(user_id)
        events = await self.ctx.repo.events.many(touched)
        for event in events.values():
            if event["host_id"] != user_id and event["ends_at"] > now:
                await self.settle(event)
