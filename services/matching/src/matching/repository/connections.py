"""Connection requests, connections, tribes, cadences and nudges: every query, and the unique
`_id`s that make concurrent writes safe on FerretDB (no transactions, unlocked updates).

- One open request per pair: `pair_locks._id = pair_id`. Whoever inserts first owns the pair;
  a duplicate in either direction hits the same `_id`.
- Caps as slots: a person's pending requests hold `pending_slots` `{user}|{k}` for k < cap,
  sent requests take `daily_slots` `{user}|{day}|{k}`; two concurrent requests can never both
  take the last slot, so a cap holds exactly (a counted check-then-insert would not).
- Outcomes as decisions: accepting, declining, withdrawing, expiring a request, or removing a
  connection or tribe member, first inserts a `decisions` document with a deterministic `_id`.
  The first insert wins, so an accept racing a withdraw has one outcome, and the decision is
  the aggregate its outbox events are stamped on. What follows from a decision (insert the
  connection, free the lock) is idempotent and re-applied by a sweeper if a process dies.
- Connections are insert-only with `_id = pair_id`; the tribe is 30 slots `{owner}#{k}` with a
  unique (owner, member) index; a nudge's `_id` is its deterministic period key and it takes
  one of three monthly `slot`s (unique), so a restart can neither double nor skip one.

Hot paths read by `_id` or by equality on indexed fields, which FerretDB on PostgreSQL answers
from an index (docs/store.md); ranges and sorts are matched in memory after that, so list
pages read one person's requests, and periodic jobs and erasure scan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from jobfriends_shared.mongo import Database, Document, by_ids
from jobfriends_shared.outbox import marked
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

REQUESTS = "requests"
PAIR_LOCKS = "pair_locks"
PENDING_SLOTS = "pending_slots"
DAILY_SLOTS = "daily_slots"
DECISIONS = "decisions"
CONNECTIONS = "connections"
TRIBE = "tribe"
CADENCES = "cadences"
NUDGES = "nudges"


class ConnectionRepository:
    def __init__(self, db: Database) -> None:
        self.requests = db[REQUESTS]
        self.locks = db[PAIR_LOCKS]
        self.pending_slots = db[PENDING_SLOTS]
        self.daily_slots = db[DAILY_SLOTS]
        self.decisions = db[DECISIONS]
        self.connections = db[CONNECTIONS]
        self.tribe = db[TRIBE]
        self.cadences = db[CADENCES]
        self.nudges = db[NUDGES]

    async def ensure_indexes(self) -> None:
        r = self.requests
        await r.create_index([("to", ASCENDING), ("state", ASCENDING), ("created_at", DESCENDING)])
        await r.create_index(
            [("from", ASCENDING), ("state", ASCENDING), ("created_at", DESCENDING)]
        )
        await r.create_index([("state", ASCENDING), ("expires_at", ASCENDING)])
        await r.create_index("pair_id")
        await self.locks.create_index("users")
        await self.locks.create_index("at")
        await self.pending_slots.create_index("user")
        await self.pending_slots.create_index("request_id")
        await self.daily_slots.create_index("user")
        await self.daily_slots.create_index("day")
        await self.decisions.create_index([("settled", ASCENDING), ("at", ASCENDING)])
        await self.connections.create_index("users")
        await self.tribe.create_index([("owner", ASCENDING), ("member", ASCENDING)], unique=True)
        await self.tribe.create_index("member")
        await self.cadences.create_index("user")
        await self.nudges.create_index("slot", unique=True)
        await self.nudges.create_index([("user", ASCENDING), ("friend", ASCENDING)])

    # --- pair locks -----------------------------------------------------------------------

    async def claim_pair(self, doc: Document) -> Document | None:
        """Own the pair for one open request; returns the current owner's lock if taken."""
        try:
            await self.locks.insert_one(doc)
        except DuplicateKeyError:
            return await self.locks.find_one({"_id": doc["_id"]})
        return None

    async def release_pair(self, pair: str, request_id: str) -> None:
        await self.locks.delete_one({"_id": pair, "request_id": request_id})

    async def lock(self, pair: str) -> Document | None:
        return await self.locks.find_one({"_id": pair})

    async def pending_partners(self, user_id: str) -> set[str]:
        docs = await self.locks.find({"users": user_id}, {"users": 1}).to_list(None)
        return {str(u) for d in docs for u in d["users"] if u != user_id}

    def all_locks(self) -> AsyncIterator[Document]:
        return self.locks.find({}, {"users": 1}).batch_size(5000)

    async def stale_locks(self, before: datetime, limit: int = 500) -> list[Document]:
        return await self.locks.find({"at": {"$lt": before}}).limit(limit).to_list(limit)

    # --- cap slots ------------------------------------------------------------------------

    async def _claim_slot(
        self, coll: Any, ids: Sequence[str], doc: Document, mine: Document
    ) -> bool:
        """Take the first free slot: the taken ones come from one query on this person's
        slots (`mine`, equality on indexed fields), and the insert's unique `_id` settles a
        race for the same slot."""
        taken = {d["_id"] async for d in coll.find(mine, {"_id": 1})}
        for slot in ids:
            if slot in taken:
                continue
            try:
                await coll.insert_one({"_id": slot, **doc})
            except DuplicateKeyError:
                continue  # a concurrent request took it; try the next one
            return True
        return False

    async def claim_pending_slot(
        self, user_id: str, request_id: str, cap: int, at: datetime
    ) -> bool:
        ids = [f"{user_id}|{k}" for k in range(cap)]
        doc = {"user": user_id, "request_id": request_id, "at": at}
        return await self._claim_slot(self.pending_slots, ids, doc, {"user": user_id})

    async def release_pending_slot(self, request_id: str) -> None:
        await self.pending_slots.delete_many({"request_id": request_id})

    async def claim_daily_slot(
        self, user_id: str, day: str, request_id: str, cap: int, at: datetime
    ) -> bool:
        ids = [f"{user_id}|{day}|{k}" for k in range(cap)]
        doc = {"user": user_id, "day": day, "request_id": request_id, "at": at}
        return await self._claim_slot(self.daily_slots, ids, doc, {"user": user_id, "day": day})

    async def stale_pending_slots(self, before: datetime, limit: int = 500) -> list[Document]:
        return await self.pending_slots.find({"at": {"$lt": before}}).limit(limit).to_list(limit)

    async def purge_daily_slots(self, before_day: str) -> None:
        await self.daily_slots.delete_many({"day": {"$lt": before_day}})

    # --- requests -------------------------------------------------------------------------

    async def insert_request(self, doc: Document, unit: str) -> None:
        await self.requests.insert_one({**doc, **marked(unit)})

    async def request(self, request_id: str) -> Document | None:
        return await self.requests.find_one({"_id": request_id})

    async def update_request(self, request_id: str, fields: Document) -> None:
        await self.requests.update_one({"_id": request_id}, {"$set": fields})

    async def incoming(
        self, user_id: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        query: Document = {"to": user_id, "state": "pending"}
        return await self._page(query, after, limit)

    async def outgoing(
        self, user_id: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        """What the sender sees as pending: truly pending, or declined (never told) and not yet
        expired or withdrawn."""
        query: Document = {
            "from": user_id,
            "state": {"$in": ["pending", "declined"]},
            "sender_closed": {"$ne": True},
        }
        return await self._page(query, after, limit)

    async def _page(
        self, query: Document, after: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        if after is not None:
            at, rid = after
            query = {
                **query,
                "$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": rid}}],
            }
        cursor = (
            self.requests.find(query)
            .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return await cursor.to_list(limit)

    async def oldest_open_expiry(self, user_id: str) -> datetime | None:
        doc = await self.requests.find_one(
            {
                "from": user_id,
                "state": {"$in": ["pending", "declined"]},
                "sender_closed": {"$ne": True},
            },
            sort=[("expires_at", ASCENDING)],
        )
        return doc["expires_at"] if doc else None

    async def expiring(self, now: datetime, limit: int = 500) -> list[Document]:
        query = {
            "state": {"$in": ["pending", "declined"]},
            "sender_closed": {"$ne": True},
            "expires_at": {"$lte": now},
        }
        return await self.requests.find(query).limit(limit).to_list(limit)

    async def decide(self, doc: Document, unit: str | None = None) -> bool:
        """Insert a decision; False when another outcome (or this one) was decided first."""
        try:
            await self.decisions.insert_one({**doc, **(marked(unit) if unit else {})})
        except DuplicateKeyError:
            return False
        return True

    async def decision(self, decision_id: str) -> Document | None:
        return await self.decisions.find_one({"_id": decision_id})

    async def settled(self, decision_id: str) -> None:
        await self.decisions.update_one({"_id": decision_id}, {"$set": {"settled": True}})

    async def unsettled(self, before: datetime, limit: int = 200) -> list[Document]:
        return (
            await self.decisions.find({"settled": False, "at": {"$lt": before}})
            .limit(limit)
            .to_list(limit)
        )

    # --- connections ----------------------------------------------------------------------

    async def connect(self, pair: str, users: Sequence[str], since: datetime, rid: str) -> bool:
        try:
            await self.connections.insert_one(
                {"_id": pair, "users": sorted(users), "since": since, "request_id": rid}
            )
        except DuplicateKeyError:
            return False
        return True

    async def connection(self, pair: str) -> Document | None:
        return await self.connections.find_one({"_id": pair})

    async def disconnect(self, pair: str, since: datetime) -> None:
        await self.connections.delete_one({"_id": pair, "since": since})

    def all_connections(self) -> AsyncIterator[Document]:
        return self.connections.find({}).batch_size(1000)

    # --- tribe ----------------------------------------------------------------------------

    async def tribe_of(self, owner: str, size: int) -> list[Document]:
        """An owner's tribe: their `size` slots read by `_id`, in the order members joined."""
        found = await by_ids(self.tribe, [f"{owner}#{k}" for k in range(size)])
        return sorted(found.values(), key=lambda d: d["added_at"])

    async def insert_tribe_slot(self, doc: Document, unit: str) -> None:
        """Raises DuplicateKeyError when the slot or the (owner, member) pair is taken."""
        await self.tribe.insert_one({**doc, **marked(unit)})

    async def remove_tribe_slot(self, slot_id: str, member: str) -> None:
        await self.tribe.delete_one({"_id": slot_id, "member": member})

    # --- cadences -------------------------------------------------------------------------

    async def set_cadence(self, user_id: str, friend: str, cadence: str, at: datetime) -> None:
        await self.cadences.replace_one(
            {"_id": f"{user_id}|{friend}"},
            {"user": user_id, "friend": friend, "cadence": cadence, "at": at},
            upsert=True,
        )

    async def cadence(self, user_id: str, friend: str) -> str | None:
        doc = await self.cadences.find_one({"_id": f"{user_id}|{friend}"})
        return str(doc["cadence"]) if doc else None

    async def all_cadences(self) -> dict[tuple[str, str], str]:
        """Every explicit cadence (the nudge job reads them once per run)."""
        return {
            (str(d["user"]), str(d["friend"])): str(d["cadence"])
            async for d in self.cadences.find({})
        }

    async def drop_cadences(self, a: str, b: str) -> None:
        for key in (f"{a}|{b}", f"{b}|{a}"):
            await self.cadences.delete_one({"_id": key})

    # --- nudges ---------------------------------------------------------------------------

    async def nudge(self, period: str) -> Document | None:
        return await self.nudges.find_one({"_id": period})

    async def insert_nudge(self, doc: Document, unit: str) -> bool:
        """False when the period (`_id`) or the monthly slot is taken: another run, on this or
        another instance, got there first."""
        try:
            await self.nudges.insert_one({**doc, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def purge_settled_decisions(self, before: datetime) -> None:
        """Settled decisions are no longer needed (open ones are: not a plain expiry)."""
        await self.decisions.delete_many({"settled": True, "at": {"$lt": before}})

    # --- erasure --------------------------------------------------------------------------

    async def erase(self, user_id: str) -> None:
        for field in ("from", "to"):
            await self.requests.delete_many({field: user_id})
        await self.locks.delete_many({"users": user_id})
        await self.pending_slots.delete_many({"user": user_id})
        await self.daily_slots.delete_many({"user": user_id})
        await self.connections.delete_many({"users": user_id})
        for field in ("owner", "member"):
            await self.tribe.delete_many({field: user_id})
        for field in ("user", "friend"):
            await self.cadences.delete_many({field: user_id})
            await self.nudges.delete_many({field: user_id})
        for field in ("from", "to"):
            await self.decisions.delete_many({field: user_id})
