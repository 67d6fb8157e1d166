"""What messaging learns from identity and matching: who has an account, who is connected to
whom, who blocked whom; and erasure.

A block needs no write to any conversation: a direct conversation is closed whenever its pair
is blocked either way (or one of them is erased), checked when someone writes and shown in the
list, so lifting a block reopens it. Erasing a person removes the text of everything they wrote
(the numbers stay, so no one else's conversation gets a hole), their message requests both
ways with their reasons, their memberships, read marks and waiting notices.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.envelope import Envelope

from messaging.repository.waiting import WaitingRepository
from messaging.service.base import UseCase


class People(UseCase):
    async def registered(self, events: Sequence[tuple[Envelope, UserRegistered]]) -> None:
        await self.projections.registered((e.user_id for _, e in events), self.clock.now())

    async def connection_changed(self, a: str, b: str, *, connected: bool) -> None:
        if connected:
            await self.projections.connect(a, b)
        else:
            await self.projections.disconnect(a, b)

    async def block_changed(self, blocker_id: str, blocked_id: str, *, blocked: bool) -> None:
        if blocked:
            await self.projections.block(blocker_id, blocked_id, self.clock.now())
        else:
            await self.projections.unblock(blocker_id, blocked_id)

    async def erase(self, user_id: str, waiting: WaitingRepository) -> None:
        """Idempotent: a redelivered deletion finds less to do, never something new."""
        await self.projections.erased(user_id, self.clock.now())
        await self.messages.erase_sender(user_id)
        await self.requests.forget_person(user_id)
        await self.conversations.forget_person(user_id)
        await waiting.forget_person(user_id)
        await self.projections.forget(user_id)
