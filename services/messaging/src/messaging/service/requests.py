"""Message requests: how someone who is not a connection gets one message to a person, with a
reason (as with a connection request), which the receiver accepts — the two then have a direct
conversation that opens with that message — or ignores, which the sender is never told.

One request per sender and receiver, ever; never across a block, and never to someone who does
not exist (the two look the same, so a block cannot be detected).
"""

from __future__ import annotations

from typing import Any

from jobfriends_shared.contracts.messaging import MessageRequestAccepted, MessageRequestSent
from jobfriends_shared.errors import Conflict, NotFound
from jobfriends_shared.mongo import Document

from messaging import domain
from messaging.repository.requests import ACCEPTED, IGNORED, PENDING, REQUESTS
from messaging.service.base import TOPIC, UseCase
from messaging.service.conversations import Conversations
from messaging.service.messages import Messages


class Requests(UseCase):
    def bind(self, conversations: Conversations, messages: Messages) -> Requests:
        self._conversations = conversations
        self._messages = messages
        return self

    async def send(self, user_id: str, to_user_id: str, reason: str, text: str) -> dict[str, Any]:
        reason = domain.clean_text(reason, domain.MAX_REASON, "reason")
        text = domain.clean_text(text)
        if to_user_id == user_id or not await self._reachable(user_id, to_user_id):
            raise NotFound("no such person", code="user_not_found")
        if await self.projections.connected(user_id, to_user_id):
            raise Conflict(
                "you are connected: write in your direct conversation", code="already_connected"
            )
        request_id = domain.request_id(user_id, to_user_id)
        doc = {
            "_id": request_id,
            "from_user_id": user_id,
            "to_user_id": to_user_id,
            "reason": reason,
            "text": text,
            "sent_at": self.clock.now(),
        }
        sent = self.event(
            MessageRequestSent(request_id=request_id, from_user_id=user_id, to_user_id=to_user_id)
        )
        try:
            async with self.outbox.unit(
                [sent], topic=TOPIC, collection=REQUESTS, aggregate_id=request_id
            ) as unit:
                if not await self.requests.insert(doc, unit):
                    raise _Repeated
        except _Repeated:
            raise Conflict(
                "you have sent this person a message request before", code="request_exists"
            ) from None
        self.announce([sent])
        return shape({**doc, "state": PENDING}, user_id)

    async def _reachable(self, user_id: str, other_id: str) -> bool:
        if not await self.projections.existing([other_id]):
            return False
        return not await self.projections.blocked_with(user_id, [other_id])

    async def incoming(self, user_id: str) -> list[dict[str, Any]]:
        """Pending requests to the person, newest first, without those from people blocked
        either way since."""
        docs = await self.requests.incoming(user_id)
        blocked = await self.projections.blocked_with(user_id, [d["from_user_id"] for d in docs])
        docs = [d for d in docs if d["from_user_id"] not in blocked]
        docs.sort(key=lambda d: d["sent_at"], reverse=True)
        return [shape(d, user_id) for d in docs]

    async def outgoing(self, user_id: str) -> list[dict[str, Any]]:
        """Requests the person sent; one ignored still reads as pending to its sender."""
        docs = await self.requests.outgoing(user_id)
        docs.sort(key=lambda d: d["sent_at"], reverse=True)
        return [shape(d, user_id) for d in docs]

    async def _addressed_to(self, user_id: str, request_id: str) -> Document:
        doc = await self.requests.get(request_id)
        if doc is None or doc["to_user_id"] != user_id:
            raise NotFound("no such message request", code="request_not_found")
        return doc

    async def accept(self, user_id: str, request_id: str) -> dict[str, Any]:
        """Open the direct conversation with the request's message as its first. Repeating
        it after a crash finishes what is missing and adds nothing twice."""
        doc = await self._addressed_to(user_id, request_id)
        if doc["state"] == IGNORED:
            raise Conflict("you ignored this request", code="request_ignored")
        sender = str(doc["from_user_id"])
        if not await self._reachable(user_id, sender):
            raise NotFound("no such message request", code="request_not_found")
        conversation, _ = await self._conversations.start_direct(
            user_id, sender, accepted_request=True
        )
        conversation_id = str(conversation["id"])
        if conversation["last_seq"] == 0:
            stored = await self.conversations.get(conversation_id)
            assert stored is not None
            members = [user_id, sender]
            await self._messages.store_as(stored, sender, members, str(doc["text"]))
        if doc["state"] == PENDING:
            accepted = self.event(
                MessageRequestAccepted(
                    request_id=request_id,
                    from_user_id=sender,
                    to_user_id=user_id,
                    conversation_id=conversation_id,
                )
            )
            async with self.outbox.unit(
                [accepted], topic=TOPIC, collection=REQUESTS, aggregate_id=request_id
            ) as unit:
                await self.requests.settle(
                    request_id, ACCEPTED, self.clock.now(), unit, conversation_id=conversation_id
                )
            self.announce([accepted])
        return await self._conversations.get(user_id, conversation_id)

    async def ignore(self, user_id: str, request_id: str) -> None:
        doc = await self._addressed_to(user_id, request_id)
        if doc["state"] == PENDING:
            await self.requests.settle(request_id, IGNORED, self.clock.now())


def shape(doc: Document, viewer_id: str) -> dict[str, Any]:
    """A request as one side sees it: its sender never learns it was ignored."""
    state = str(doc["state"])
    if state == IGNORED and doc["from_user_id"] == viewer_id:
        state = PENDING
    return {
        "id": doc["_id"],
        "from_user_id": doc["from_user_id"],
        "to_user_id": doc["to_user_id"],
        "reason": doc["reason"],
        "text": doc["text"],
        "state": state,
        "sent_at": doc["sent_at"],
        "conversation_id": doc.get("conversation_id"),
    }


class _Repeated(Exception):
    """The sender asked this person before: nothing is stored or published."""
