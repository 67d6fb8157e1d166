"""Identity listens to matching (who is connected, for connections-only profile fields) and to
its own `user.deleted` (so erasing a person's traces is retried until it is done)."""

from __future__ import annotations

from jobfriends_shared.contracts.identity import UserDeleted
from jobfriends_shared.contracts.matching import ConnectionAccepted, ConnectionRemoved
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime

from identity.service import IdentityService


def register(runtime: Runtime, service: IdentityService) -> None:
    on = runtime.consumer.on

    @on(ConnectionAccepted)
    async def accepted(_: Envelope, event: ConnectionAccepted) -> None:
        await service.connection_changed(event.from_user_id, event.to_user_id, connected=True)

    @on(ConnectionRemoved)
    async def removed(_: Envelope, event: ConnectionRemoved) -> None:
        await service.connection_changed(event.from_user_id, event.to_user_id, connected=False)

    @on(UserDeleted)
    async def deleted(_: Envelope, event: UserDeleted) -> None:
        await service.erase(event.user_id)

    runtime.consume()
