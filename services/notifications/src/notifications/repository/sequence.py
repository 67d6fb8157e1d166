"""Each person's notifications are numbered 1, 2, 3... by *slots*: `slots/<person>|<n>`.

A writer takes the first free slot by inserting it (a unique `_id`), and only after seeing slot
n-1 exist, so the numbers are dense and become visible in order. That is what lets a stream
resume from "the last number you saw" without gaps, and lets a reader walk a person's
notifications by `_id` alone (see `store.py` for why that matters on FerretDB). A hint per
person (`seq_heads`) says roughly where the end is; it may lag, never lead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime

from jobfriends_shared.mongo import Database, Document, by_ids
from pymongo.errors import DuplicateKeyError, PyMongoError

_SLOT_ATTEMPTS = 64


class SequenceContended(RuntimeError):
    """Too many concurrent writers for one person; the consumer retries the event."""


def slot_id(recipient_id: str, seq: int) -> str:
    return f"{recipient_id}|{seq}"


class SequenceRepository:
    def __init__(self, db: Database) -> None:
        self.slots = db["slots"]
        self.seq_heads = db["seq_heads"]

    async def ensure_indexes(self) -> None:
        await self.slots.create_index("recipient_id")  # erasure only

    async def delete_for_recipient(self, recipient_id: str) -> None:
        await self.slots.delete_many({"recipient_id": recipient_id})
        await self.seq_heads.delete_one({"_id": recipient_id})

    async def _taken(self, recipient_id: str, seq: int) -> bool:
        found = await self.slots.find_one({"_id": slot_id(recipient_id, seq)}, {"_id": 1})
        return found is not None

    async def _first_free_after(self, recipient_id: str, taken: int) -> int:
        """The first free slot above one known taken: gallop, then halve (slots are dense)."""
        low, step = taken, 1
        while await self._taken(recipient_id, low + step):
            low, step = low + step, step * 2
        high = low + step
        while high - low > 1:
            middle = (low + high) // 2
            if await self._taken(recipient_id, middle):
                low = middle
            else:
                high = middle
        return high

    async def _hint(self, recipient_id: str) -> int:
        doc = await self.seq_heads.find_one({"_id": recipient_id})
        return int(doc["seq"]) if doc else 0

    async def max_seq(self, recipient_id: str) -> int:
        hint = await self._hint(recipient_id)
        if hint and not await self._taken(recipient_id, hint):
            hint = 0  # the person's slots were erased
        return await self._first_free_after(recipient_id, hint) - 1

    async def hint(self, recipient_id: str) -> int:
        """Roughly the person's last number (never above it); for `allocate`, read early."""
        return await self._hint(recipient_id)

    async def allocate(
        self, recipient_id: str, notification_id: str, at: datetime, hint: int | None = None
    ) -> int:
        """Take the person's next number for `notification_id`, starting the search after
        `hint` (read here if not given). The caller moves the hint on with `advance_hint`."""
        seq = (await self._hint(recipient_id) if hint is None else hint) + 1
        for _ in range(_SLOT_ATTEMPTS):
            try:
                await self.slots.insert_one(
                    {
                        "_id": slot_id(recipient_id, seq),
                        "recipient_id": recipient_id,
                        "seq": seq,
                        "nid": notification_id,
                        "at": at,
                    }
                )
            except DuplicateKeyError:
                seq = await self._first_free_after(recipient_id, seq)
                continue
            return seq
        raise SequenceContended(f"no free slot for {recipient_id} in {_SLOT_ATTEMPTS} tries")

    async def advance_hint(self, recipient_id: str, seq: int) -> None:
        """After `allocate` took `seq`: only ever a number that exists, so the hint can lag
        but never lead. Best effort (a lagging hint costs the next writer a few lookups)."""
        with contextlib.suppress(PyMongoError):
            await self.seq_heads.replace_one({"_id": recipient_id}, {"seq": seq}, upsert=True)

    async def void_slot(self, recipient_id: str, seq: int) -> None:
        """A slot whose notification will never come (its twin delivery stored it elsewhere);
        only the slot's allocator writes this."""
        await self.slots.update_one({"_id": slot_id(recipient_id, seq)}, {"$set": {"void": True}})

    async def slots_in(self, recipient_id: str, seqs: Iterable[int]) -> dict[int, Document]:
        found = await by_ids(self.slots, (slot_id(recipient_id, s) for s in seqs))
        return {int(doc["seq"]): doc for doc in found.values()}
