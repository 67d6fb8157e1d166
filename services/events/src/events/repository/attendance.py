"""RSVPs, the arrival log that decides seats, seats, and check-ins.

Seat-taking needs no atomic read-modify-write (FerretDB has none that holds under concurrency):

- `rsvp_claims` is an append-only arrival log per event. A "going" takes the next sequence
  number by *inserting* `_id = "<event>:<seq>"`; when two requests race for a number the unique
  `_id` lets one win and the other tries the next. Numbers are therefore dense and handed out in
  the order the inserts succeed, which is the arrival order. A second unique key, `member =
  "<event>|<user>|<n>"` (`n` = how many times this person said "going" before), stops one person
  from holding two places when their requests race.
- A claim holds a seat when fewer than `capacity` *active* claims precede it (see
  `domain.attendance`). Claims are only ever appended or deactivated by their owner, so counting
  the active claims before one's own is exact at the moment of asking.
- `seats` records that a claim was *announced* as going, `waits` that it was announced as
  waiting. Each is inserted once per claim (unique `_id` = the claim id) together with the outbox
  unit that announces it, so an outcome is announced exactly once even when the joiner, a twin
  request and promoters race for it (a conditional update would not do: FerretDB can apply two
  racing ones).
- `rsvps` holds each person's latest answer (`interested`, `not_going`, or `going` with the
  claim that carries it); it is written only by that person's own requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime

from jobfriends_shared.mongo import Database, Document
from jobfriends_shared.outbox import marked, stamp
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

CLAIMS = "rsvp_claims"
SEATS = "seats"
WAITS = "waits"
RSVPS = "rsvps"
CHECKINS = "checkins"
_MAX_SEQ_ATTEMPTS = 100_000


def rsvp_id(event_id: str, user_id: str) -> str:
    return f"{event_id}|{user_id}"


class AttendanceStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.claims = db[CLAIMS]
        self.seats = db[SEATS]
        self.waits = db[WAITS]
        self.rsvps = db[RSVPS]
        self.checkins = db[CHECKINS]

    async def ensure_indexes(self) -> None:
        await self.claims.create_index("member", unique=True)
        await self.claims.create_index(
            [("event_id", ASCENDING), ("left", ASCENDING), ("seq", ASCENDING)]
        )
        await self.claims.create_index([("event_id", ASCENDING), ("seq", DESCENDING)])
        await self.claims.create_index([("user_id", ASCENDING), ("left", ASCENDING)])
        await self.seats.create_index([("event_id", ASCENDING), ("seq", ASCENDING)])
        await self.seats.create_index("user_id")
        await self.waits.create_index("event_id")
        await self.waits.create_index("user_id")
        await self.rsvps.create_index([("event_id", ASCENDING), ("status", ASCENDING)])
        await self.rsvps.create_index("user_id")
        await self.checkins.create_index("event_id")
        await self.checkins.create_index("user_id")

    async def count(self, collection: str, filter_: Document) -> int:
        """The `count` command: served from an index on MongoDB, and on FerretDB far cheaper
        than `count_documents` (an aggregation there)."""
        reply = await self.db.command("count", collection, query=filter_)
        return int(reply["n"])

    # --- the answer a person gave -------------------------------------------------------------

    async def rsvp(self, event_id: str, user_id: str) -> Document | None:
        return await self.rsvps.find_one({"_id": rsvp_id(event_id, user_id)})

    async def save_rsvp(
        self,
        event_id: str,
        user_id: str,
        fields: Document,
        unit: str | None = None,
    ) -> None:
        change: Document = {"$set": {"event_id": event_id, "user_id": user_id, **fields}}
        if unit is not None:
            change = stamp(change, unit)
        key = {"_id": rsvp_id(event_id, user_id)}
        try:
            await self.rsvps.update_one(key, change, upsert=True)
        except DuplicateKeyError:  # a racing upsert created it first: now it is an update
            await self.rsvps.update_one(key, change)

    # --- the arrival log ------------------------------------------------------------------------

    async def claim(self, claim_id: str) -> Document | None:
        return await self.claims.find_one({"_id": claim_id})

    async def append_claim(
        self, event_id: str, user_id: str, joins: int, now: datetime
    ) -> tuple[Document, bool]:
        """Take the next place in the arrival log; (claim, False) when this person's racing
        twin request already took one for the same join."""
        member = f"{event_id}|{user_id}|{joins}"
        seq = await self._last_seq(event_id) + 1
        for attempt in range(1, _MAX_SEQ_ATTEMPTS):
            doc: Document = {
                "_id": f"{event_id}:{seq}",
                "event_id": event_id,
                "seq": seq,
                "user_id": user_id,
                "member": member,
                "at": now,
                "left": False,
            }
            try:
                await self.claims.insert_one(doc)
            except DuplicateKeyError:
                taken = await self.claims.find_one({"_id": doc["_id"]}, {"member": 1})
                if taken is None or taken["member"] == member:
                    twin = await self.claims.find_one({"member": member})
                    if twin is not None:
                        return twin, False
                # Someone else arrived first at this number: the next one, re-reading the
                # end of the log now and then when many arrive at once.
                seq = seq + 1 if attempt % 16 else max(seq + 1, await self._last_seq(event_id) + 1)
                continue
            return doc, True
        raise RuntimeError("could not take a place in the arrival log")

    async def _last_seq(self, event_id: str) -> int:
        last = await self.claims.find_one(
            {"event_id": event_id}, {"seq": 1}, sort=[("seq", DESCENDING)]
        )
        return int(last["seq"]) if last else 0

    async def rank(self, event_id: str, seq: int) -> int:
        """Active claims that arrived before `seq`."""
        return await self.count(CLAIMS, {"event_id": event_id, "left": False, "seq": {"$lt": seq}})

    async def first_active(self, event_id: str, n: int | None) -> list[Document]:
        cursor = self.claims.find({"event_id": event_id, "left": False}).sort("seq", ASCENDING)
        if n is not None:
            cursor = cursor.limit(n)
        return await cursor.to_list(length=None)

    async def nth_active_seq(self, event_id: str, n: int) -> int | None:
        """Sequence number of the n-th active claim (1-based), if there are that many."""
        cursor = (
            self.claims.find({"event_id": event_id, "left": False}, {"seq": 1})
            .sort("seq", ASCENDING)
            .skip(n - 1)
            .limit(1)
        )
        found = await cursor.to_list(length=1)
        return int(found[0]["seq"]) if found else None

    async def wait(self, claim_id: str) -> Document | None:
        return await self.waits.find_one({"_id": claim_id})

    async def announce_waiting(self, claim: Document, now: datetime, unit: str) -> bool:
        """Record that a claim was announced as waiting; False when it was already."""
        try:
            await self.waits.insert_one(
                {
                    "_id": claim["_id"],
                    "event_id": claim["event_id"],
                    "user_id": claim["user_id"],
                    "seq": claim["seq"],
                    "at": now,
                    **marked(unit),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def leave(self, claim_id: str, now: datetime) -> None:
        await self.claims.update_one(
            {"_id": claim_id, "left": False}, {"$set": {"left": True, "left_at": now}}
        )

    # --- seats ----------------------------------------------------------------------------------

    async def seat(self, claim_id: str) -> Document | None:
        return await self.seats.find_one({"_id": claim_id})

    async def take_seat(self, claim: Document, promoted: bool, now: datetime, unit: str) -> bool:
        """Announce a claim as going; False when it was announced already."""
        try:
            await self.seats.insert_one(
                {
                    "_id": claim["_id"],
                    "event_id": claim["event_id"],
                    "user_id": claim["user_id"],
                    "seq": claim["seq"],
                    "promoted": promoted,
                    "at": now,
                    **marked(unit),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def release_seat(self, claim_id: str) -> None:
        await self.seats.delete_one({"_id": claim_id})

    async def seated(self, claim_ids: Sequence[str]) -> set[str]:
        """Which of these claims hold a seat (one `_id` look-up each; see `EventStore.many`)."""
        found = await asyncio.gather(*(self.seat(c) for c in claim_ids))
        return {d["_id"] for d in found if d is not None}

    async def seated_ids(self, event_id: str) -> set[str]:
        cursor = self.seats.find({"event_id": event_id}, {"_id": 1})
        return {d["_id"] async for d in cursor}

    async def going_count(self, event_id: str) -> int:
        return await self.count(SEATS, {"event_id": event_id})

    async def active_count(self, event_id: str) -> int:
        return await self.count(CLAIMS, {"event_id": event_id, "left": False})

    async def interested_count(self, event_id: str) -> int:
        return await self.count(RSVPS, {"event_id": event_id, "status": "interested"})

    async def going_page(
        self, event_id: str, after_seq: int | None, hidden: Iterable[str], limit: int
    ) -> list[Document]:
        filter_: Document = {"event_id": event_id}
        if after_seq is not None:
            filter_["seq"] = {"$gt": after_seq}
        hidden = sorted(hidden)
        if hidden:
            filter_["user_id"] = {"$nin": hidden}
        cursor = self.seats.find(filter_).sort("seq", ASCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def active_after(self, event_id: str, after_seq: int, limit: int) -> list[Document]:
        cursor = (
            self.claims.find({"event_id": event_id, "left": False, "seq": {"$gt": after_seq}})
            .sort("seq", ASCENDING)
            .limit(limit)
        )
        return await cursor.to_list(length=limit)

    async def interested_page(
        self, event_id: str, after_id: str | None, hidden: Iterable[str], limit: int
    ) -> list[Document]:
        filter_: Document = {"event_id": event_id, "status": "interested"}
        if after_id is not None:
            filter_["_id"] = {"$gt": after_id}
        hidden = sorted(hidden)
        if hidden:
            filter_["user_id"] = {"$nin": hidden}
        cursor = self.rsvps.find(filter_).sort("_id", ASCENDING).limit(limit)
        return await cursor.to_list(length=limit)

    async def going_users(self, event_id: str) -> list[str]:
        cursor = self.seats.find({"event_id": event_id}, {"user_id": 1}).sort("seq", ASCENDING)
        return [d["user_id"] async for d in cursor]

    async def events_of(self, user_id: str) -> list[str]:
        """Events this person holds a seat at."""
        return [d["event_id"] async for d in self.seats.find({"user_id": user_id}, {"event_id": 1})]

    async def going_among(self, user_ids: Iterable[str], limit: int = 5000) -> dict[str, list[str]]:
        """event id -> which of these people hold a seat there."""
        users = sorted(set(user_ids))
        out: dict[str, list[str]] = {}
        if not users:
            return out
        cursor = self.seats.find({"user_id": {"$in": users}}, {"event_id": 1, "user_id": 1})
        async for doc in cursor.limit(limit):
            out.setdefault(doc["event_id"], []).append(doc["user_id"])
        return out

    # --- check-ins ------------------------------------------------------------------------------

    async def check_in(self, doc: Document, unit: str) -> bool:
        try:
            await self.checkins.insert_one({**doc, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def checked_in(self, event_id: str, user_ids: Iterable[str]) -> set[str]:
        ids = [rsvp_id(event_id, u) for u in user_ids]
        if not ids:
            return set()
        cursor = self.checkins.find({"_id": {"$in": ids}}, {"user_id": 1})
        return {d["user_id"] async for d in cursor}

    # --- erasure --------------------------------------------------------------------------------

    async def claims_of(self, user_id: str) -> list[Document]:
        return await self.claims.find({"user_id": user_id}).to_list(length=None)

    async def anonymise_claim(self, claim_id: str, now: datetime) -> None:
        """Keep the place in the log (sequence numbers stay dense) but not the person."""
        await self.claims.update_one(
            {"_id": claim_id},
            {
                "$set": {"user_id": None, "member": f"{claim_id}|erased", "left": True},
                "$min": {"left_at": now},
            },
        )

    async def erase_user(self, user_id: str) -> None:
        await self.seats.delete_many({"user_id": user_id})
        await self.waits.delete_many({"user_id": user_id})
        await self.rsvps.delete_many({"user_id": user_id})
        await self.checkins.delete_many({"user_id": user_id})

    async def erase_event(self, event_id: str) -> None:
        for coll in (self.claims, self.seats, self.waits, self.rsvps, self.checkins):
            await coll.delete_many({"event_id": event_id})
