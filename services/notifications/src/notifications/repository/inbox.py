"""The inbox store: notifications, read state, and the claims behind frequency caps; with
the person's sequence (`sequence.py`) and grouped notifications (`groups.py`) beside it.

Two constraints shape it (see also `store.py`):

- FerretDB applies updates without a lock, so every contended write is an insert guarded by a
  unique `_id`: sequence slots, contributor rows, read markers, cap claims. Documents that are
  updated have a single writer (a group head: the post's partition; a watermark: its person) or
  only ever receive the same update from every writer (hiding a notification).
- FerretDB reads a whole collection for anything but a single-`_id` lookup, so hot paths (storing
  a notification, the stream, pages) address documents by `_id` only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from jobfriends_shared.mongo import Database, Document, by_ids
from jobfriends_shared.outbox import marked
from pymongo.errors import DuplicateKeyError

from notifications.domain.kinds import Channel, NotificationType
from notifications.domain.templates import Notification
from notifications.repository.groups import GroupRepository
from notifications.repository.sequence import SequenceRepository

NOTIFICATIONS = "notifications"
RECEIPTS = "read_receipts"
CAP_CLAIMS = "cap_claims"


def to_notification(doc: Mapping[str, Any]) -> Notification:
    return Notification(
        id=str(doc["_id"]),
        recipient_id=str(doc["recipient_id"]),
        seq=int(doc["seq"]),
        type=NotificationType(doc["type"]),
        channel=Channel(doc["channel"]),
        created_at=doc["created_at"],
        actor_id=doc.get("actor_id"),
        group=doc.get("group"),
        data=doc.get("data") or {},
        quiet=bool(doc.get("quiet")),
        post_id=doc.get("post_id"),
        event_id=doc.get("event_id"),
    )


class InboxRepository:
    def __init__(self, db: Database) -> None:
        self.notifications = db[NOTIFICATIONS]
        self.sequence = SequenceRepository(db)
        self.groups = GroupRepository(db)
        self.reads = db["reads"]
        self.watermarks = db["read_watermarks"]
        self.receipts = db[RECEIPTS]
        self.caps = db[CAP_CLAIMS]
        self.last_sent = db["last_sent"]

    async def ensure_indexes(self) -> None:
        """For the rare paths that must search (erasure, deleted posts, blocks); the hot
        paths use `_id` only."""
        for field in ("recipient_id", "post_id", "actor_id"):
            await self.notifications.create_index(field)
        await self.reads.create_index("recipient_id")
        await self.sequence.ensure_indexes()
        await self.groups.ensure_indexes()

    # --- notifications ----------------------------------------------------------------------

    async def seq_of(self, notification_id: str) -> int | None:
        doc = await self.notifications.find_one({"_id": notification_id}, {"seq": 1})
        return int(doc["seq"]) if doc else None

    async def insert(self, doc: Document, unit: str) -> bool:
        """False when the notification exists already (a twin delivery stored it first)."""
        try:
            await self.notifications.insert_one({**doc, "hidden": False, **marked(unit)})
        except DuplicateKeyError:
            return False
        return True

    async def get(self, notification_id: str) -> Document | None:
        return await self.notifications.find_one({"_id": notification_id})

    async def get_many(self, ids: Iterable[str]) -> dict[str, Document]:
        return await by_ids(self.notifications, ids)

    async def hide_ids(self, ids: Sequence[str]) -> None:
        """Hide (content erased, number kept so streams stay dense); read markers go too, so
        counts stay exact. Every writer sets the same fields, so a lost update loses nothing."""
        for nid in ids:
            await self.notifications.update_one(
                {"_id": nid}, {"$set": {"hidden": True}, "$unset": {"data": ""}}
            )
            await self.reads.delete_one({"_id": nid})

    async def hide(self, query: Document) -> list[str]:
        """Rare paths (erasure, deleted posts, blocks): find by a query, hide by id."""
        found = await self.notifications.find({**query, "hidden": False}, {"_id": 1}).to_list()
        ids = [str(d["_id"]) for d in found]
        await self.hide_ids(ids)
        return ids

    async def delete_for_recipient(self, recipient_id: str) -> None:
        for coll in (self.notifications, self.reads, self.receipts, self.caps, self.last_sent):
            await coll.delete_many({"recipient_id": recipient_id})
        await self.watermarks.delete_one({"_id": recipient_id})
        await self.sequence.delete_for_recipient(recipient_id)
        await self.groups.delete_for_recipient(recipient_id)

    # --- read state -------------------------------------------------------------------------

    async def watermark(self, recipient_id: str) -> int:
        """Everything up to this number is read."""
        doc = await self.watermarks.find_one({"_id": recipient_id})
        return int(doc["seq"]) if doc else 0

    async def raise_watermark(self, recipient_id: str, seq: int) -> None:
        """Only ever up. Two requests of one person racing could let the lower value win an
        unlocked update, so each checks after writing and writes again if it lost."""
        for _ in range(5):
            if await self.watermark(recipient_id) >= seq:
                return
            await self.watermarks.replace_one(
                {"_id": recipient_id}, {"seq": seq, "recipient_id": recipient_id}, upsert=True
            )

    async def read_among(self, ids: Iterable[str]) -> set[str]:
        return set(await by_ids(self.reads, ids, {"_id": 1}))

    async def mark_read(self, recipient_id: str, docs: Sequence[Document], at: datetime) -> None:
        for doc in docs:
            with contextlib.suppress(DuplicateKeyError):
                await self.reads.insert_one(
                    {"_id": doc["_id"], "recipient_id": recipient_id, "seq": doc["seq"], "at": at}
                )
        # A notification hidden meanwhile must not keep a marker.
        now = await self.get_many(str(d["_id"]) for d in docs)
        for doc in docs:
            if now.get(str(doc["_id"]), {}).get("hidden", True):
                await self.reads.delete_one({"_id": doc["_id"]})

    async def add_receipt(self, doc: Document, unit: str) -> None:
        await self.receipts.insert_one({**doc, **marked(unit)})

    # --- frequency caps -----------------------------------------------------------------------

    async def claim_cap(
        self, recipient_id: str, key: str, most: int, notification_id: str, at: datetime
    ) -> str | None:
        """Take one of `most` places for this person, type and window; None when all are
        taken. Each place is a unique insert, so concurrent claims can never exceed `most`."""
        for place in range(most):
            claim = f"{recipient_id}|{key}|{place}"
            try:
                await self.caps.insert_one(
                    {"_id": claim, "recipient_id": recipient_id, "nid": notification_id, "at": at}
                )
            except DuplicateKeyError:
                continue
            return claim
        return None

    async def release_cap(self, claim: str) -> None:
        await self.caps.delete_one({"_id": claim})

    async def last_sent_at(self, recipient_id: str, type_: str) -> datetime | None:
        doc = await self.last_sent.find_one({"_id": f"{recipient_id}|{type_}"})
        return doc["at"] if doc else None

    async def record_sent(self, recipient_id: str, type_: str, at: datetime) -> None:
        await self.last_sent.replace_one(
            {"_id": f"{recipient_id}|{type_}"},
            {"recipient_id": recipient_id, "at": at},
            upsert=True,
        )
