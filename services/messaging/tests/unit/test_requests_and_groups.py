"""Message requests between people who are not connected, and group conversations."""

import pytest
from jobfriends_shared.contracts.messaging import ConversationMembersChanged
from jobfriends_shared.errors import Conflict, Forbidden, Invalid, NotFound
from jobfriends_shared.fakes import recorded
from messaging.domain import MAX_GROUP

from .conftest import ANA, BO, CEM, DIA, Messaging


async def test_a_request_opens_a_conversation_with_its_message_once_accepted(
    friends: Messaging,
) -> None:
    requests = friends.app.requests
    sent = await requests.send(DIA, ANA, "We both mentor juniors", "Hi Ana, coffee sometime?")
    assert sent["state"] == "pending"
    assert [r["id"] for r in await requests.incoming(ANA)] == [sent["id"]]
    conversation = await requests.accept(ANA, sent["id"])
    assert conversation["participant_ids"] == sorted([ANA, DIA])
    assert await friends.texts(ANA, conversation["id"]) == ["Hi Ana, coffee sometime?"]
    assert await friends.send(ANA, conversation["id"], "Gladly!") == 2
    assert await friends.send(DIA, conversation["id"], "Thursday?") == 3
    again = await requests.accept(ANA, sent["id"])  # a retry adds nothing
    assert again["last_seq"] == 3
    assert await requests.incoming(ANA) == []
    types = [e.type for e in await friends.events() if e.type.startswith("message_request")]
    assert types == ["message_request.sent", "message_request.accepted"]
    assert "coffee" not in "".join(e.to_bytes().decode() for e in await friends.events())


async def test_one_request_per_person_and_the_sender_never_learns_it_was_ignored(
    friends: Messaging,
) -> None:
    requests = friends.app.requests
    sent = await requests.send(DIA, BO, "Same bootcamp", "Hello Bo")
    with pytest.raises(Conflict) as twice:
        await requests.send(DIA, BO, "Really", "Hello again")
    assert twice.value.code == "request_exists"
    await requests.ignore(BO, sent["id"])
    assert await requests.incoming(BO) == []
    assert [r["state"] for r in await requests.outgoing(DIA)] == ["pending"]
    with pytest.raises(Conflict):
        await requests.accept(BO, sent["id"])


async def test_requests_reach_neither_strangers_nor_across_a_block(friends: Messaging) -> None:
    requests = friends.app.requests
    with pytest.raises(NotFound):
        await requests.send(DIA, "nobody", "reason", "hi")
    await friends.block(ANA, DIA)
    with pytest.raises(NotFound) as blocked:
        await requests.send(DIA, ANA, "reason", "hi")
    assert blocked.value.code == "user_not_found"  # the same answer as for nobody
    with pytest.raises(Conflict) as connected:
        await requests.send(ANA, BO, "reason", "hi")
    assert connected.value.code == "already_connected"


async def test_only_its_receiver_accepts_or_ignores_a_request(friends: Messaging) -> None:
    sent = await friends.app.requests.send(DIA, ANA, "reason", "hi")
    for outsider in (DIA, BO):
        with pytest.raises(NotFound):
            await friends.app.requests.accept(outsider, sent["id"])
        with pytest.raises(NotFound):
            await friends.app.requests.ignore(outsider, sent["id"])


async def test_a_group_of_connections_with_a_name_add_and_leave(friends: Messaging) -> None:
    conversations = friends.app.conversations
    group = await conversations.start_group(ANA, [BO, CEM], "Job search tribe")
    assert (group["kind"], group["name"]) == ("group", "Job search tribe")
    assert group["participant_ids"] == sorted([ANA, BO, CEM])
    await friends.send(BO, group["id"], "Rejected again today...")
    page = await friends.app.messages.page(CEM, group["id"], None, 10)
    assert [m["text"] for m in page["items"]] == ["Rejected again today..."]
    renamed = await conversations.rename(CEM, group["id"], "Tribe")
    assert renamed["name"] == "Tribe"
    await conversations.leave(CEM, group["id"])
    with pytest.raises(NotFound):
        await friends.texts(CEM, group["id"])
    changes = await recorded(friends.db, ConversationMembersChanged)
    assert [(c.removed, c.participant_ids) for c in changes] == [((CEM,), (ANA, BO))]
    with pytest.raises(Invalid):
        await conversations.leave(ANA, await friends.direct(ANA, BO))


async def test_only_connections_are_added_to_a_group(friends: Messaging) -> None:
    with pytest.raises(Forbidden):
        await friends.app.conversations.start_group(ANA, [BO, DIA], None)
    group = await friends.app.conversations.start_group(BO, [CEM], "Pair")
    with pytest.raises(Forbidden):
        await friends.app.conversations.add(BO, group["id"], [DIA])
    await friends.connect(BO, DIA)
    added = await friends.app.conversations.add(BO, group["id"], [DIA])
    assert added["participant_ids"] == sorted([BO, CEM, DIA])


async def test_a_group_holds_at_most_thirty(friends: Messaging) -> None:
    others = [f"p{n}" for n in range(MAX_GROUP)]
    await friends.people(*others)
    for other in others:
        await friends.connect(ANA, other)
    with pytest.raises(Conflict) as full:
        await friends.app.conversations.start_group(ANA, others, "Too many")
    assert full.value.code == "group_full"
    group = await friends.app.conversations.start_group(ANA, others[:-1], "Exactly thirty")
    assert len(group["participant_ids"]) == MAX_GROUP
    with pytest.raises(Conflict):
        await friends.app.conversations.add(ANA, group["id"], [others[-1]])
    assert len((await friends.app.conversations.get(ANA, group["id"]))["participant_ids"]) == 30
