"""Messages, numbered 1, 2, 3... per conversation: message `n` is the document
`<conversation>|<n>`.

A writer takes the first free number by inserting its message there (a unique `_id`), and only
after seeing number n-1 exist, so numbers are dense and become visible in order. That lets every
read address messages by `_id` alone — a page is the ids of a range of numbers, the newest is
found by probing — which is the one lookup FerretDB answers from an index (docs/store.md). A
head per conversation (`heads`) says roughly where the end is; it may lag, never lead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import datetime

from jobfriends_shared.mongo import Database, Document, by_ids
from jobfriends_shared.outbox import marked, stamp
from pymongo.errors import PyMongoError

from messaging.domain import message_id

MESSAGES = "messages"
HEADS = "heads"


class MessageRepository:
    def __init__(self, db: Database) -> None:
        self.messages = db[MESSAGES]
        self.heads = db[HEADS]

    async def ensure_indexes(self) -> None:
        await self.messages.create_index("sender_id")  # export and erasure only

    # --- numbering --------------------------------------------------------------------------

    async def _taken(self, conversation_id: str, seq: int) -> bool:
        found = await self.messages.find_one({"_id": message_id(conversation_id, seq)}, {"_id": 1})
        return found is not None

    async def first_free_after(self, conversation_id: str, taken: int) -> int:
        """The first free number above one known taken (0 always is): gallop, then halve."""
        low, step = taken, 1
        while await self._taken(conversation_id, low + step):
            low, step = low + step, step * 2
        high = low + step
        while high - low > 1:
            middle = (low + high) // 2
            if await self._taken(conversation_id, middle):
                low = middle
            else:
                high = middle
        return high

    async def hints(self, conversation_ids: Iterable[str]) -> dict[str, int]:
        found = await by_ids(self.heads, conversation_ids)
        return {key: int(doc["seq"]) for key, doc in found.items()}

    async def last_seqs(self, conversation_ids: Iterable[str]) -> dict[str, int]:
        """Each conversation's newest number, exactly: the heads, then one probe of the number
        after each (in one query); only a head that lags is walked on."""
        ids = list(conversation_ids)
        hints = await self.hints(ids)
        probes = await by_ids(
            self.messages, (message_id(c, hints.get(c, 0) + 1) for c in ids), {"_id": 1}
        )
        last: dict[str, int] = {}
        for conversation_id in ids:
            hint = hints.get(conversation_id, 0)
            if message_id(conversation_id, hint + 1) in probes:
                hint = await self.first_free_after(conversation_id, hint + 1) - 1
            last[conversation_id] = hint
        return last

    async def last_seq(self, conversation_id: str) -> int:
        return (await self.last_seqs([conversation_id]))[conversation_id]

    async def advance_head(self, conversation_id: str, seq: int, at: datetime) -> None:
        """After message `seq` is stored: only a number that exists, so the head may lag but
        never lead. One blind write, best effort: two senders at once may leave the lower
        number, which costs the next reader a probe or two, never a message."""
        with contextlib.suppress(PyMongoError):
            await self.heads.replace_one(
                {"_id": conversation_id}, {"seq": seq, "at": at}, upsert=True
            )

    # --- messages ---------------------------------------------------------------------------

    async def insert(self, doc: Document, unit: str) -> None:
        """Raises DuplicateKeyError when another writer took the number first."""
        await self.messages.insert_one({**doc, **marked(unit)})

    async def get(self, conversation_id: str, seq: int) -> Document | None:
        return await self.messages.find_one({"_id": message_id(conversation_id, seq)})

    async def by_seqs(self, conversation_id: str, seqs: Iterable[int]) -> dict[int, Document]:
        found = await by_ids(self.messages, (message_id(conversation_id, s) for s in seqs))
        return {int(doc["seq"]): doc for doc in found.values()}

    async def by_message_ids(self, ids: Iterable[str]) -> dict[str, Document]:
        return await by_ids(self.messages, ids)

    async def change(
        self, conversation_id: str, seq: int, fields: Mapping[str, object], unit: str
    ) -> None:
        await self.messages.update_one(
            {"_id": message_id(conversation_id, seq)}, stamp({"$set": dict(fields)}, unit)
        )

    async def sent_by(self, user_id: str, limit: int) -> list[Document]:
        cursor = self.messages.find({"sender_id": user_id}).limit(limit)
        return await cursor.to_list(length=limit)

    async def erase_sender(self, user_id: str) -> int:
        """Remove the text of everything the person wrote; the numbers stay, so nobody's
        conversation gets a hole."""
        result = await self.messages.update_many(
            {"sender_id": user_id},
            {"$set": {"text": None, "erased": True}},
        )
        return result.modified_count
