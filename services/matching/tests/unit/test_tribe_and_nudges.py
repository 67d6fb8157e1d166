"""The tribe (the connections one counts on) and keep-in-touch nudges."""

from datetime import UTC, datetime, timedelta

import pytest
from jobfriends_shared.contracts.matching import NudgeDue, TribeMemberAdded, TribeMemberRemoved
from jobfriends_shared.contracts.messaging import (
    ConversationKind,
    MessageSent,
    direct_conversation_id,
)
from jobfriends_shared.errors import Conflict, NotFound
from jobfriends_shared.fakes import recorded
from matching.domain.nudges import Cadence

from .conftest import UX, Matching


async def connected(matching: Matching, owner: str, *friends: str) -> None:
    await matching.person(owner, owner.capitalize(), **UX)
    for friend in friends:
        await matching.person(friend, friend.capitalize(), **UX)
        await matching.connect(owner, friend)


async def test_only_connections_join_a_tribe_once_each(matching: Matching) -> None:
    await connected(matching, "ana", "bo", "cy")
    await matching.person("stranger", "Stranger", **UX)
    with pytest.raises(Conflict) as refused:
        await matching.tribe.add("ana", "stranger")
    assert refused.value.code == "not_connected"
    await matching.tribe.add("ana", "bo")
    matching.clock.advance(timedelta(minutes=1))
    tribe = await matching.tribe.add("ana", "cy")
    again = await matching.tribe.add("ana", "cy")  # already there: nothing changes
    assert [m["user_id"] for m in tribe["members"]] == ["bo", "cy"]
    assert again["members"] == tribe["members"]
    assert tribe["progress"]["status"] == "building"
    assert tribe["progress"]["message"].startswith("2 of ")
    added = await recorded(matching.db, TribeMemberAdded)
    assert [(a.owner_id, a.member_id) for a in added] == [("ana", "bo"), ("ana", "cy")]
    listed = await matching.connections.connections("ana", None, 10)
    assert all(c["in_tribe"] for c in listed)


async def test_leaving_a_tribe_is_announced_once(matching: Matching) -> None:
    await connected(matching, "ana", "bo")
    await matching.tribe.add("ana", "bo")
    await matching.tribe.remove("ana", "bo")
    assert (await matching.tribe.tribe("ana"))["members"] == []
    with pytest.raises(NotFound):
        await matching.tribe.remove("ana", "bo")
    removed = await recorded(matching.db, TribeMemberRemoved)
    assert [(r.owner_id, r.member_id) for r in removed] == [("ana", "bo")]


async def test_an_overdue_friend_brings_one_nudge_per_period(matching: Matching) -> None:
    await connected(matching, "ana", "bo")
    assert await matching.nudges.run() == 0  # just connected
    matching.clock.advance(timedelta(days=31))
    assert await matching.nudges.run() == 2  # each is nudged about the other
    assert await matching.nudges.run() == 0  # the same period: nothing new
    nudges = await recorded(matching.db, NudgeDue)
    assert sorted((n.user_id, n.friend_id) for n in nudges) == [("ana", "bo"), ("bo", "ana")]
    assert all(n.starter for n in nudges)


async def test_a_chosen_cadence_changes_who_is_nudged(matching: Matching) -> None:
    await connected(matching, "ana", "bo")
    await matching.tribe.set_cadence("ana", "bo", Cadence.none)
    await matching.tribe.set_cadence("bo", "ana", Cadence.weekly)
    matching.clock.advance(timedelta(days=8))
    assert await matching.nudges.run() == 1
    (nudge,) = await recorded(matching.db, NudgeDue)
    assert (nudge.user_id, nudge.friend_id, nudge.cadence) == ("bo", "ana", "weekly")
    with pytest.raises(NotFound):
        await matching.tribe.set_cadence("ana", "stranger", Cadence.weekly)


async def test_no_more_than_three_nudges_a_month_for_one_friend(matching: Matching) -> None:
    await connected(matching, "ana", "bo")  # on Monday 9 March
    await matching.tribe.set_cadence("ana", "bo", Cadence.weekly)
    await matching.tribe.set_cadence("bo", "ana", Cadence.none)
    matching.clock.set(datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    sent = []
    for _ in range(6):  # 1, 8, 15, 22 and 29 April, then 6 May
        sent.append(await matching.nudges.run())
        matching.clock.advance(timedelta(days=7))
    assert sent == [1, 1, 1, 0, 0, 1]


async def test_a_direct_message_counts_as_keeping_in_touch(matching: Matching) -> None:
    await connected(matching, "ana", "bo")
    matching.clock.advance(timedelta(days=25))
    for n in range(3):  # a chat on one day is one contact
        await matching.hear(
            MessageSent(
                conversation_id=direct_conversation_id("ana", "bo"),
                kind=ConversationKind.direct,
                message_id=f"c|{n + 1}",
                seq=n + 1,
                sender_id="ana",
                recipient_ids=("bo",),
                length=12,
                sent_at=matching.clock.now(),
            )
        )
    interactions = await matching.db["interactions"].find({"kind": "message"}).to_list()
    assert len(interactions) == 1
    matching.clock.advance(timedelta(days=10))  # 35 days since connecting, 10 since the chat
    assert await matching.nudges.run() == 0
