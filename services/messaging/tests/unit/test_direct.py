"""Direct conversations between connections, at the service layer on the in-memory store."""

from datetime import timedelta

import pytest
from jobfriends_shared.contracts.identity import UserDeleted, UserUnblocked
from jobfriends_shared.contracts.matching import ConnectionRemoved, pair_id
from jobfriends_shared.contracts.messaging import MessageSent
from jobfriends_shared.errors import Conflict, Forbidden, Invalid, NotFound
from jobfriends_shared.fakes import recorded
from messaging.domain import MAX_TEXT

from .conftest import ANA, BO, CEM, DIA, Messaging


async def test_connections_share_one_direct_conversation_whoever_starts_it(
    friends: Messaging,
) -> None:
    first, new = await friends.app.conversations.start_direct_or_existing(ANA, BO)
    again, new_again = await friends.app.conversations.start_direct_or_existing(BO, ANA)
    assert (new, new_again) == (True, False)
    assert first["id"] == again["id"]
    assert first["participant_ids"] == sorted([ANA, BO])
    assert len(await friends.events("conversation.started")) == 1


async def test_people_who_are_not_connected_cannot_start_one(friends: Messaging) -> None:
    with pytest.raises(Forbidden) as refused:
        await friends.direct(ANA, DIA)
    assert refused.value.code == "not_connected"
    with pytest.raises(Invalid):
        await friends.direct(ANA, ANA)


async def test_messages_are_numbered_in_order_and_announced_without_their_text(
    friends: Messaging,
) -> None:
    cid = await friends.direct(ANA, BO)
    assert await friends.send(ANA, cid, " Coffee on Thursday? ") == 1
    assert await friends.send(BO, cid, "Yes! 9:00 at the co-working space") == 2
    assert await friends.texts(ANA, cid) == [
        "Coffee on Thursday?",
        "Yes! 9:00 at the co-working space",
    ]
    sent = await recorded(friends.db, MessageSent)
    assert [(s.seq, s.sender_id, s.recipient_ids, s.length) for s in sent] == [
        (1, ANA, (BO,), 19),
        (2, BO, (ANA,), 33),
    ]
    for envelope in await friends.events():
        assert "Coffee" not in envelope.to_bytes().decode()


async def test_a_message_has_a_length_limit_and_is_never_empty(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    with pytest.raises(Invalid) as long:
        await friends.send(ANA, cid, "x" * (MAX_TEXT + 1))
    assert long.value.code == "text_too_long"
    with pytest.raises(Invalid):
        await friends.send(ANA, cid, "   ")
    assert await friends.send(ANA, cid, "x" * MAX_TEXT) == 1


async def test_replies_name_an_earlier_message_of_the_same_conversation(
    friends: Messaging,
) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.send(ANA, cid, "Any tips for portfolio reviews?")
    reply = await friends.app.messages.send(BO, cid, "Show three projects, not ten", reply_to=1)
    assert reply["reply_to"] == 1
    with pytest.raises(Invalid):
        await friends.app.messages.send(BO, cid, "?", reply_to=5)


async def test_the_author_edits_and_deletes_within_the_window_only(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.send(ANA, cid, "See you at 9")
    with pytest.raises(Forbidden):
        await friends.app.messages.edit(BO, cid, 1, "See you never")
    edited = await friends.app.messages.edit(ANA, cid, 1, "See you at 9:30")
    assert edited["text"] == "See you at 9:30" and edited["edited_at"] is not None
    await friends.send(ANA, cid, "Bring the slides")
    friends.clock.advance(timedelta(minutes=16))
    with pytest.raises(Conflict) as late:
        await friends.app.messages.edit(ANA, cid, 2, "Bring nothing")
    assert late.value.code == "edit_window_closed"
    with pytest.raises(Conflict):
        await friends.app.messages.delete(ANA, cid, 2)


async def test_a_deleted_message_keeps_its_place_without_its_text(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.send(ANA, cid, "oops, wrong chat")
    await friends.send(ANA, cid, "Hi Bo!")
    await friends.app.messages.delete(ANA, cid, 1)
    page = await friends.app.messages.page(BO, cid, None, 10)
    assert [(m["seq"], m["text"], m["deleted"]) for m in page["items"]] == [
        (1, None, True),
        (2, "Hi Bo!", False),
    ]
    assert [e.type for e in await friends.events("message.deleted")] == ["message.deleted"]
    with pytest.raises(Conflict):
        await friends.app.messages.edit(ANA, cid, 1, "back")


async def test_pages_walk_older_and_newer_by_cursor(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    for n in range(1, 8):
        await friends.send(ANA if n % 2 else BO, cid, f"message {n}")
    messages = friends.app.messages
    newest = await messages.page(BO, cid, None, 3)
    assert [m["seq"] for m in newest["items"]] == [5, 6, 7]
    older = await messages.page(BO, cid, newest["older_cursor"], 3)
    assert [m["seq"] for m in older["items"]] == [2, 3, 4]
    oldest = await messages.page(BO, cid, older["older_cursor"], 3)
    assert [m["seq"] for m in oldest["items"]] == [1]
    assert oldest["older_cursor"] is None
    caught_up = await messages.page(BO, cid, newest["newer_cursor"], 3)
    assert caught_up["items"] == []
    await friends.send(ANA, cid, "message 8")
    fresh = await messages.page(BO, cid, newest["newer_cursor"], 3)
    assert [m["text"] for m in fresh["items"]] == ["message 8"]
    with pytest.raises(Invalid):
        await messages.page(BO, cid, "bm9wZQ==", 3)


async def test_read_marks_and_unread_counts(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    for text in ("one", "two", "three"):
        await friends.send(ANA, cid, text)
    assert (await friends.app.conversations.get(BO, cid))["unread"] == 3
    assert (await friends.app.conversations.get(ANA, cid))["unread"] == 0  # writing is reading
    assert await friends.app.messages.mark_read(BO, cid, 2) == {
        "read_seq": 2,
        "last_seq": 3,
        "unread": 1,
    }
    assert (await friends.app.messages.mark_read(BO, cid, 1))["read_seq"] == 2  # never back
    assert (await friends.app.messages.mark_read(BO, cid, None))["unread"] == 0
    read = await friends.events("conversation.read")
    assert [(e.payload["user_id"], e.payload["seq"]) for e in read] == [(BO, 2), (BO, 3)]


async def test_the_list_is_ordered_by_last_activity_with_previews_and_totals(
    friends: Messaging,
) -> None:
    with_bo = await friends.direct(ANA, BO)
    with_cem = await friends.direct(ANA, CEM)
    await friends.send(BO, with_bo, "Morning!")
    friends.clock.advance(timedelta(minutes=1))
    await friends.send(CEM, with_cem, "Did you see the #DesignHour recap?")
    friends.clock.advance(timedelta(minutes=1))
    await friends.send(BO, with_bo, "Lunch later?")
    page = await friends.app.conversations.page(ANA, None, 1)
    assert [c["id"] for c in page["items"]] == [with_bo]
    assert page["items"][0]["preview"]["text"] == "Lunch later?"
    assert (page["unread_conversations"], page["unread_messages"]) == (2, 3)
    rest = await friends.app.conversations.page(ANA, page["next_cursor"], 5)
    assert [c["id"] for c in rest["items"]] == [with_cem]
    assert rest["next_cursor"] is None


async def test_a_block_closes_the_conversation_both_ways_until_lifted(
    friends: Messaging,
) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.send(ANA, cid, "Hi")
    await friends.block(BO, ANA)
    for writer in (ANA, BO):
        with pytest.raises(Conflict) as closed:
            await friends.send(writer, cid, "still there?")
        assert closed.value.code == "conversation_closed"
    assert (await friends.app.conversations.get(ANA, cid))["closed"] is True
    assert await friends.texts(BO, cid) == ["Hi"]  # what was said can still be read
    await friends.hear(UserUnblocked(blocker_id=BO, blocked_id=ANA))
    assert await friends.send(BO, cid, "Sorry, wrong button") == 2


async def test_a_removed_connection_can_no_longer_write_directly(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.hear(ConnectionRemoved(pair_id=pair_id(ANA, BO), from_user_id=ANA, to_user_id=BO))
    with pytest.raises(Forbidden):
        await friends.send(BO, cid, "Hello?")


async def test_only_participants_read_or_write_a_conversation(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.send(ANA, cid, "private")
    app = friends.app
    attempts = (
        app.conversations.get(CEM, cid),
        app.messages.page(CEM, cid, None, 10),
        app.messages.send(CEM, cid, "let me in"),
        app.messages.edit(CEM, cid, 1, "mine now"),
        app.messages.delete(CEM, cid, 1),
        app.messages.mark_read(CEM, cid, None),
        app.conversations.rename(CEM, cid, "hijacked"),
        app.conversations.add(CEM, cid, [DIA]),
        app.conversations.leave(CEM, cid),
    )
    for attempt in attempts:
        with pytest.raises(NotFound) as hidden:
            await attempt
        assert hidden.value.code == "conversation_not_found"
    assert await friends.texts(ANA, cid) == ["private"]


async def test_erasure_removes_what_the_person_wrote_and_closes_their_conversations(
    friends: Messaging,
) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.send(ANA, cid, "My new phone number is ...")
    await friends.send(BO, cid, "Got it")
    await friends.hear(UserDeleted(user_id=ANA))
    assert await friends.texts(BO, cid) == [None, "Got it"]
    conversation = await friends.app.conversations.get(BO, cid)
    assert conversation["closed"] is True
    assert conversation["preview"]["text"] == "Got it"
    assert [m["text"] for m in (await friends.app.messages.export(ANA))["messages"]] == [None]
    stored = await friends.db["messages"].find({"sender_id": ANA}).to_list()
    assert all(doc["text"] is None for doc in stored)
    with pytest.raises(NotFound):
        await friends.app.conversations.get(ANA, cid)


async def test_an_export_holds_everything_the_person_wrote(friends: Messaging) -> None:
    with_bo = await friends.direct(ANA, BO)
    with_cem = await friends.direct(ANA, CEM)
    await friends.send(ANA, with_bo, "to Bo")
    friends.clock.advance(timedelta(seconds=1))
    await friends.send(BO, with_bo, "to Ana")
    friends.clock.advance(timedelta(seconds=1))
    await friends.send(ANA, with_cem, "to Cem")
    export = await friends.app.messages.export(ANA)
    assert [m["text"] for m in export["messages"]] == ["to Bo", "to Cem"]
