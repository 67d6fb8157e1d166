"""What messaging hears, and which use case it calls.

- `identity.users`: accounts (a message request needs someone to exist), blocks (a blocked
  pair's direct conversation is closed), deletions (erasure);
- `matching.connections`: who is connected (connections write to each other directly);
- `messaging.conversations`, its own: `message.sent`, to tell people about unread messages
  once per conversation (`service.waiting`). The live streams hear the same topic through a
  broadcast subscription of their own (`stream.LiveConsumer`).

Every handler is an upsert, a delete, or a guarded insert, so a redelivered event changes
nothing twice (the shared consumer also dedupes by event id).
"""

from __future__ import annotations

from jobfriends_shared.contracts.identity import (
    UserBlocked,
    UserDeleted,
    UserRegistered,
    UserUnblocked,
)
from jobfriends_shared.contracts.matching import ConnectionAccepted, ConnectionRemoved
from jobfriends_shared.contracts.messaging import MessageSent
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime

from messaging.repository import WaitingRepository
from messaging.service import People, Waiting


def register(runtime: Runtime, people: People, waiting: Waiting, store: WaitingRepository) -> None:
    on, on_batch = runtime.consumer.on, runtime.consumer.on_batch
    on_batch(UserRegistered)(people.registered)
    on_batch(MessageSent)(waiting.messages_sent)

    @on(UserBlocked)
    async def blocked(_: Envelope, event: UserBlocked) -> None:
        await people.block_changed(event.blocker_id, event.blocked_id, blocked=True)

    @on(UserUnblocked)
    async def unblocked(_: Envelope, event: UserUnblocked) -> None:
        await people.block_changed(event.blocker_id, event.blocked_id, blocked=False)

    @on(UserDeleted)
    async def deleted(_: Envelope, event: UserDeleted) -> None:
        await people.erase(event.user_id, store)

    @on(ConnectionAccepted)
    async def accepted(_: Envelope, event: ConnectionAccepted) -> None:
        await people.connection_changed(event.from_user_id, event.to_user_id, connected=True)

    @on(ConnectionRemoved)
    async def removed(_: Envelope, event: ConnectionRemoved) -> None:
        await people.connection_changed(event.from_user_id, event.to_user_id, connected=False)

    runtime.consume()
