"""What every messaging use case shares: the stores, the outbox, the clock, the live hub, and
the two questions asked before anything else — is the caller in this conversation, and may
these two people write to each other."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.messaging import TOPIC
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from messaging import domain
from messaging.domain import DirectAccess
from messaging.repository import (
    ConversationRepository,
    MessageRepository,
    ProjectionRepository,
    RequestRepository,
    WaitingRepository,
)
from messaging.settings import MessagingSettings
from messaging.stream import Hub

__all__ = ["TOPIC", "Stores", "UseCase"]


@dataclass(frozen=True)
class Stores:
    conversations: ConversationRepository
    messages: MessageRepository
    projections: ProjectionRepository
    requests: RequestRepository
    waiting: WaitingRepository


class UseCase:
    def __init__(
        self,
        stores: Stores,
        outbox: Outbox,
        clock: Clock,
        hub: Hub,
        settings: MessagingSettings,
    ) -> None:
        self.stores = stores
        self.conversations = stores.conversations
        self.messages = stores.messages
        self.projections = stores.projections
        self.requests = stores.requests
        self.outbox = outbox
        self.clock = clock
        self.hub = hub
        self.settings = settings

    def event(self, payload: Payload) -> Envelope:
        return build_event(payload, producer="messaging", occurred_at=self.clock.now())

    def announce(self, events: Sequence[Envelope], message: dict[str, Any] | None = None) -> None:
        """Hand what just happened to this instance's own streams at once (the other
        instances hear it from Kafka), with the message as it was just stored, if any, so
        they need not read it back."""
        for envelope in events:
            self.hub.publish(envelope, message)

    async def joined(self, conversation_id: str, user_id: str) -> Document:
        """The conversation, if the caller is in it; not found otherwise, whether it exists
        or not (ids cannot be probed)."""
        member, conversation = await asyncio.gather(
            self.conversations.is_member(conversation_id, user_id),
            self.conversations.get(conversation_id),
        )
        if not member or conversation is None:
            raise domain.not_found()
        return conversation

    async def direct_access(self, conversation: Document, user_id: str) -> DirectAccess:
        other = next(u for u in conversation["pair"] if u != user_id)
        connected, blocked, gone = await asyncio.gather(
            self.projections.connected(user_id, other),
            self.projections.blocked_with(user_id, [other]),
            self.projections.erased_among([other]),
        )
        return DirectAccess(
            connected=connected,
            accepted_request=bool(conversation.get("accepted_request")),
            blocked=bool(blocked),
            other_gone=bool(gone),
        )

    async def participants(self, conversation: Document) -> list[str]:
        """A direct conversation's pair is on it; a group's members are asked for."""
        if conversation["kind"] == "direct":
            return list(conversation["pair"])
        return await self.conversations.member_ids(str(conversation["_id"]))

    async def check_may_write(self, conversation: Document, user_id: str) -> None:
        if conversation["kind"] == "direct":
            (await self.direct_access(conversation, user_id)).check_may_write()

    @staticmethod
    def shape(conversation: Document, **extra: Any) -> dict[str, Any]:
        return {
            "id": conversation["_id"],
            "kind": conversation["kind"],
            "name": conversation.get("name"),
            "created_at": conversation["created_at"],
            **extra,
        }
