"""Messaging's events becoming notifications: one per waiting conversation, and requests."""

from jobfriends_shared.contracts.identity import UserBlocked
from jobfriends_shared.contracts.messaging import (
    ConversationKind,
    MessageRequestSent,
    MessagesWaiting,
)

from .conftest import Notifications


async def test_waiting_messages_are_one_notification_that_names_the_sender(
    notes: Notifications,
) -> None:
    await notes.person("ana", "Ana")
    await notes.person("bo", "Bo")
    waiting = MessagesWaiting(
        conversation_id="d" + "1" * 31,
        kind=ConversationKind.direct,
        recipient_id="bo",
        sender_ids=("ana",),
        unread=3,
        first_unread_seq=1,
    )
    await notes.hear(waiting)
    await notes.hear(waiting)  # a redelivery (another event id) is the same notification
    (item,) = await notes.shown("bo")
    assert (item["title"], item["body"]) == (
        "Ana wrote to you",
        "3 unread messages waiting for you",
    )
    assert item["data"]["conversation_id"] == "d" + "1" * 31


async def test_a_message_request_is_notified_unless_blocked(notes: Notifications) -> None:
    for user_id, name in (("ana", "Ana"), ("dia", "Dia"), ("eve", "Eve")):
        await notes.person(user_id, name)
    await notes.hear(
        MessageRequestSent(request_id="r" + "2" * 31, from_user_id="dia", to_user_id="ana")
    )
    assert await notes.titles("ana") == ["Dia would like to message you"]
    await notes.hear(UserBlocked(blocker_id="ana", blocked_id="eve"))
    await notes.hear(
        MessageRequestSent(request_id="r" + "3" * 31, from_user_id="eve", to_user_id="ana")
    )
    assert await notes.titles("ana") == ["Dia would like to message you"]
