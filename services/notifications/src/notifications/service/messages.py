"""Reactions to messaging's events: unread messages waiting for someone, and message requests.

Messaging decides when a person should hear about a conversation (once per conversation until
they read it, and only when they did not read along within a minute); this side decides how,
with the person's channels, caps and quiet hours like every other notification. Neither event
carries what was written, so no message text ever reaches this service's store.
"""

from __future__ import annotations

from jobfriends_shared.contracts.messaging import MessageRequestSent, MessagesWaiting
from jobfriends_shared.envelope import Envelope

from notifications.domain.drafts import Draft
from notifications.domain.kinds import NotificationType as T
from notifications.service.notifier import Notifier


class MessagesIntake:
    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    async def waiting(self, env: Envelope, e: MessagesWaiting) -> None:
        await self.notifier.deliver(
            Draft(
                e.recipient_id,
                T.messages_waiting,
                f"messages:{e.conversation_id}:{e.first_unread_seq}",
                actor_id=e.sender_ids[0] if e.sender_ids else None,
                data={
                    "conversation_id": e.conversation_id,
                    "kind": e.kind.value,
                    "unread": e.unread,
                    "sender_ids": list(e.sender_ids),
                },
            ),
            env,
        )

    async def requested(self, env: Envelope, e: MessageRequestSent) -> None:
        await self.notifier.deliver(
            Draft(
                e.to_user_id,
                T.message_requested,
                f"message_request:{e.request_id}",
                actor_id=e.from_user_id,
                data={"request_id": e.request_id},
            ),
            env,
        )
