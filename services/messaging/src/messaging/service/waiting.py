"""Telling people about messages they have not read — once per conversation, not per message.

Messaging consumes its own `message.sent` (keyed by conversation, so one consumer at a time per
conversation) and notes, per recipient, that messages are waiting from that number on. A
periodic job announces a wait that is `waiting_delay_seconds` old and still unread with one
`messages.waiting` event, which notifications turns into a notification (with the person's
preferences and quiet hours). Until the person reads the conversation, further messages only
grow the same wait, and nothing more is announced: a busy group yields one notification per
person, not one per message. Someone reading along within the delay (an open stream, a
conversation on screen) is never announced anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from jobfriends_shared.contracts.messaging import ConversationKind, MessageSent, MessagesWaiting
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Document

from messaging.repository.conversations import member_id
from messaging.repository.waiting import NOTICES, WaitingRepository
from messaging.service.base import TOPIC, UseCase

BATCH = 500
MAX_SENDERS = 5


class Waiting(UseCase):
    def bind(self, waiting: WaitingRepository) -> Waiting:
        self.waiting = waiting
        return self

    async def messages_sent(self, events: Sequence[tuple[Envelope, MessageSent]]) -> None:
        """Per conversation, in order: start a wait for each recipient with none open (or
        whose open one they have read since), grow it otherwise."""
        delay = timedelta(seconds=self.settings.waiting_delay_seconds)
        for _, sent in events:
            recipients = list(sent.recipient_ids)
            if not recipients:
                continue
            open_ = await self.waiting.of(sent.conversation_id, recipients)
            reads = await self._reads(sent.conversation_id, recipients)
            docs: list[Document] = []
            for recipient in recipients:
                current = open_.get(recipient)
                if reads.get(recipient, 0) >= sent.seq:
                    continue  # read already (or the message was their own read's echo)
                if current is not None and reads.get(recipient, 0) < int(current["first_seq"]):
                    if int(current["last_seq"]) >= sent.seq:
                        continue  # a redelivery: counted already
                    senders = list(dict.fromkeys([*current["sender_ids"], sent.sender_id]))
                    docs.append(
                        {**current, "last_seq": sent.seq, "sender_ids": senders[:MAX_SENDERS]}
                    )
                    continue
                docs.append(
                    {
                        "_id": member_id(sent.conversation_id, recipient),
                        "conversation_id": sent.conversation_id,
                        "kind": sent.kind.value,
                        "user_id": recipient,
                        "first_seq": reads.get(recipient, 0) + 1,
                        "last_seq": sent.seq,
                        "sender_ids": [sent.sender_id],
                        "due": sent.sent_at + delay,
                        "announced": False,
                    }
                )
            await self.waiting.save(docs)

    async def _reads(self, conversation_id: str, user_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for user_id in user_ids:
            seqs = await self.conversations.read_seqs(user_id, [conversation_id])
            if conversation_id in seqs:
                found[user_id] = seqs[conversation_id]
        return found

    async def announce_due(self) -> int:
        """The periodic job: announce each wait that is due and still unread, once (several
        instances run this; the notice's unique id decides which one announces)."""
        now = self.clock.now()
        announced = 0
        for doc in await self.waiting.unannounced(BATCH):
            if doc["due"] > now:
                continue
            conversation_id, user_id = str(doc["conversation_id"]), str(doc["user_id"])
            read = (await self.conversations.read_seqs(user_id, [conversation_id])).get(
                conversation_id, 0
            )
            if read >= int(doc["last_seq"]):
                await self.waiting.drop(str(doc["_id"]), int(doc["last_seq"]))
                continue
            if not await self.conversations.is_member(conversation_id, user_id):
                await self.waiting.drop(str(doc["_id"]), int(doc["last_seq"]))
                continue
            notice_id = f"{doc['_id']}|{doc['first_seq']}"
            if await self.waiting.claimed(notice_id):
                await self.waiting.set_announced(str(doc["_id"]))
                continue
            event = self.event(
                MessagesWaiting(
                    conversation_id=conversation_id,
                    kind=ConversationKind(doc["kind"]),
                    recipient_id=user_id,
                    sender_ids=tuple(doc["sender_ids"]),
                    unread=int(doc["last_seq"]) - read,
                    first_unread_seq=int(doc["first_seq"]),
                )
            )
            try:
                async with self.outbox.unit(
                    [event], topic=TOPIC, collection=NOTICES, aggregate_id=notice_id
                ) as unit:
                    if not await self.waiting.claim(notice_id, now, unit):
                        raise _Claimed
            except _Claimed:
                continue
            await self.waiting.set_announced(str(doc["_id"]))
            announced += 1
        return announced


class _Claimed(Exception):
    """Another instance announced this wait first."""
