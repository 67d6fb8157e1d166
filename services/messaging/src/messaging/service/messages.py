"""Writing, changing and reading messages, and read marks.

Sending takes the conversation's next number by inserting the message there; when another
sender took it first, the insert is refused and the message goes to the number after (see
`repository.messages`). The message and its `message.sent` leave together through the outbox;
the conversation's head and the sender's read mark follow, best effort, since a lagging head
is corrected by the next reader and the read mark by the next read.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from jobfriends_shared.contracts.messaging import (
    ConversationKind,
    ConversationRead,
    MessageDeleted,
    MessageEdited,
    MessageSent,
)
from jobfriends_shared.errors import Invalid, NotFound
from jobfriends_shared.mongo import Document
from jobfriends_shared.pagination import decode_cursor, encode_cursor
from pymongo.errors import DuplicateKeyError

from messaging import domain
from messaging.repository.conversations import READS, member_id
from messaging.repository.messages import MESSAGES
from messaging.service.base import TOPIC, UseCase

SEND_ATTEMPTS = 32
EXPORT_LIMIT = 100_000


class Messages(UseCase):
    async def send(
        self, user_id: str, conversation_id: str, text: str, reply_to: int | None = None
    ) -> dict[str, Any]:
        text = domain.clean_text(text)
        conversation = await self.joined(conversation_id, user_id)
        _, members, last = await asyncio.gather(
            self.check_may_write(conversation, user_id),
            self.participants(conversation),
            self.messages.last_seq(conversation_id),
        )
        if reply_to is not None and not 1 <= reply_to <= last:
            raise Invalid("reply_to: no such message in this conversation", code="no_such_message")
        return await self._store(conversation, user_id, members, text, reply_to, last)

    async def store_as(
        self, conversation: Document, sender_id: str, members: list[str], text: str
    ) -> dict[str, Any]:
        """A message written on someone's behalf: a message request's, once accepted."""
        last = await self.messages.last_seq(str(conversation["_id"]))
        return await self._store(conversation, sender_id, members, text, None, last)

    async def _store(
        self,
        conversation: Document,
        user_id: str,
        members: list[str],
        text: str,
        reply_to: int | None,
        last: int,
    ) -> dict[str, Any]:
        conversation_id = str(conversation["_id"])
        recipients = tuple(m for m in members if m != user_id)
        seq = last + 1
        for _ in range(SEND_ATTEMPTS):
            now = self.clock.now()
            doc = {
                "_id": domain.message_id(conversation_id, seq),
                "conversation_id": conversation_id,
                "seq": seq,
                "sender_id": user_id,
                "text": text,
                "reply_to": reply_to,
                "sent_at": now,
            }
            sent = self.event(
                MessageSent(
                    conversation_id=conversation_id,
                    kind=ConversationKind(conversation["kind"]),
                    message_id=doc["_id"],
                    seq=seq,
                    sender_id=user_id,
                    recipient_ids=recipients,
                    length=len(text),
                    reply_to_seq=reply_to,
                    sent_at=now,
                )
            )
            try:
                async with self.outbox.unit(
                    [sent], topic=TOPIC, collection=MESSAGES, aggregate_id=doc["_id"]
                ) as unit:
                    await self.messages.insert(doc, unit)
            except DuplicateKeyError:  # another sender took this number: take the next free
                seq = await self.messages.first_free_after(conversation_id, seq)
                continue
            shaped = self.shape_message(doc)
            self.announce([sent], shaped)
            await asyncio.gather(
                self.messages.advance_head(conversation_id, seq, now),
                self._advance_read(conversation_id, user_id, seq),
            )
            return shaped
        raise Invalid("too many messages at once here; try again", code="busy")

    async def _advance_read(self, conversation_id: str, user_id: str, seq: int) -> None:
        """Writing in a conversation is reading it up to there (never moves a mark back)."""
        current = await self.conversations.read_seqs(user_id, [conversation_id])
        if current.get(conversation_id, 0) < seq:
            await self.conversations.mark_read(conversation_id, user_id, seq, self.clock.now())

    async def edit(self, user_id: str, conversation_id: str, seq: int, text: str) -> dict[str, Any]:
        text = domain.clean_text(text)
        conversation, message = await self._own(user_id, conversation_id, seq)
        members = await self.participants(conversation)
        edited = self.event(
            MessageEdited(
                conversation_id=conversation_id,
                message_id=message["_id"],
                seq=seq,
                sender_id=user_id,
                length=len(text),
                recipient_ids=tuple(m for m in members if m != user_id),
            )
        )
        fields = {"text": text, "edited_at": self.clock.now()}
        async with self.outbox.unit(
            [edited], topic=TOPIC, collection=MESSAGES, aggregate_id=message["_id"]
        ) as unit:
            await self.messages.change(conversation_id, seq, fields, unit)
        shaped = self.shape_message({**message, **fields})
        self.announce([edited], shaped)
        return shaped

    async def delete(self, user_id: str, conversation_id: str, seq: int) -> None:
        conversation, message = await self._own(user_id, conversation_id, seq)
        members = await self.participants(conversation)
        deleted = self.event(
            MessageDeleted(
                conversation_id=conversation_id,
                message_id=message["_id"],
                seq=seq,
                sender_id=user_id,
                recipient_ids=tuple(m for m in members if m != user_id),
            )
        )
        fields = {"text": None, "deleted": True, "deleted_at": self.clock.now()}
        async with self.outbox.unit(
            [deleted], topic=TOPIC, collection=MESSAGES, aggregate_id=message["_id"]
        ) as unit:
            await self.messages.change(conversation_id, seq, fields, unit)
        self.announce([deleted], self.shape_message({**message, **fields}))

    async def _own(self, user_id: str, conversation_id: str, seq: int) -> tuple[Document, Document]:
        conversation = await self.joined(conversation_id, user_id)
        message = await self.messages.get(conversation_id, seq)
        if message is None:
            raise NotFound("no such message", code="message_not_found")
        window = timedelta(seconds=self.settings.edit_window_seconds)
        domain.check_change(message, user_id, self.clock.now(), window)
        return conversation, message

    # --- reading ----------------------------------------------------------------------------

    async def page(
        self, user_id: str, conversation_id: str, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        """Up to `limit` messages in the order they were written: the newest by default; a
        cursor walks to older ones (`older_cursor`) or to those written since (`newer_cursor`,
        which a client keeps to catch up after a reconnect). A page is the ids of a range of
        numbers: one query by `_id`."""
        await self.joined(conversation_id, user_id)
        last = await self.messages.last_seq(conversation_id)
        direction, pivot = _position(decode_cursor(cursor), last)
        if direction == "older":
            high = min(pivot - 1, last)
            seqs = list(range(max(1, high - limit + 1), high + 1))
        else:
            seqs = list(range(pivot + 1, min(last, pivot + limit) + 1))
        found = await self.messages.by_seqs(conversation_id, seqs)
        first = seqs[0] if seqs else pivot
        return {
            "items": [self.shape_message(found[s]) for s in seqs if s in found],
            "older_cursor": encode_cursor(["older", first]) if first > 1 else None,
            "newer_cursor": encode_cursor(["newer", seqs[-1] if seqs else min(pivot, last)]),
            "last_seq": last,
        }

    async def mark_read(
        self, user_id: str, conversation_id: str, seq: int | None
    ) -> dict[str, Any]:
        """Read up to `seq` (the newest when not given); a mark never moves back."""
        conversation = await self.joined(conversation_id, user_id)
        last, reads = await asyncio.gather(
            self.messages.last_seq(conversation_id),
            self.conversations.read_seqs(user_id, [conversation_id]),
        )
        target = last if seq is None else min(seq, last)
        current = reads.get(conversation_id, 0)
        if target > current:
            members = await self.participants(conversation)
            read = self.event(
                ConversationRead(
                    conversation_id=conversation_id,
                    user_id=user_id,
                    seq=target,
                    participant_ids=tuple(members),
                )
            )
            async with self.outbox.unit(
                [read],
                topic=TOPIC,
                collection=READS,
                aggregate_id=member_id(conversation_id, user_id),
            ) as unit:
                await self.conversations.mark_read(
                    conversation_id, user_id, target, self.clock.now(), unit
                )
            self.announce([read])
            current = target
        return {"read_seq": current, "last_seq": last, "unread": domain.unread(last, current)}

    async def as_shown(self, message_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The messages of these ids as they are now, in one query by `_id` (for the live
        stream: whom an event reaches is decided by the participants it names)."""
        found = await self.messages.by_message_ids(message_ids)
        return {key: self.shape_message(doc) for key, doc in found.items()}

    async def export(self, user_id: str) -> dict[str, Any]:
        """Everything the person wrote, oldest first, for their data export."""
        docs = await self.messages.sent_by(user_id, EXPORT_LIMIT)
        docs.sort(key=lambda d: (d["sent_at"], d["_id"]))
        return {"user_id": user_id, "messages": [self.shape_message(d) for d in docs]}

    @staticmethod
    def shape_message(doc: Document) -> dict[str, Any]:
        gone = bool(doc.get("deleted") or doc.get("erased"))
        return {
            "id": doc["_id"],
            "conversation_id": doc["conversation_id"],
            "seq": doc["seq"],
            "sender_id": doc["sender_id"],
            "text": None if gone else doc.get("text"),
            "reply_to": doc.get("reply_to"),
            "sent_at": doc["sent_at"],
            "edited_at": doc.get("edited_at"),
            "deleted": gone,
        }


def _position(cursor: Any, last: int) -> tuple[str, int]:
    if cursor is None:
        return "older", last + 1
    if (
        isinstance(cursor, list)
        and len(cursor) == 2
        and cursor[0] in ("older", "newer")
        and isinstance(cursor[1], int)
        and cursor[1] >= 0
    ):
        return str(cursor[0]), int(cursor[1])
    raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
