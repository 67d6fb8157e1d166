"""What must hold when many people act at once on the real store, which applies updates without
a lock: numbers stay dense and unique, a pair has one direct conversation, a group never passes
thirty, and a redelivered fact changes nothing twice."""

import asyncio

from jobfriends_shared.contracts.identity import UserDeleted
from jobfriends_shared.contracts.messaging import MessageSent
from messaging.domain import MAX_GROUP

from .conftest import Messaging


async def test_concurrent_senders_get_dense_distinct_numbers(messaging: Messaging) -> None:
    people = [f"p{n}" for n in range(6)]
    await messaging.people(*people)
    for other in people[1:]:
        await messaging.connect(people[0], other)
    body = {"participant_ids": people[1:], "name": "Busy tribe"}
    cid = (await messaging.ok("POST", "/v1/conversations", people[0], json=body))["id"]
    answers = await asyncio.gather(
        *(messaging.send(people[n % 6], cid, f"message {n}") for n in range(30))
    )
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert sorted(a.json()["seq"] for a in answers) == list(range(1, 31))
    page = await messaging.ok(
        "GET", f"/v1/conversations/{cid}/messages", people[3], params={"limit": 100}
    )
    assert [m["seq"] for m in page["items"]] == list(range(1, 31))
    assert page["last_seq"] == 30
    await messaging.app.state.runtime.relay.drain()
    sent = await messaging.published("messaging.conversations", "message.sent")
    assert sorted(MessageSent.model_validate(e.payload).seq for e in sent) == list(range(1, 31))


async def test_a_pair_starting_their_conversation_at_once_gets_one(messaging: Messaging) -> None:
    await messaging.people("ana", "bo")
    await messaging.connect("ana", "bo")
    answers = await asyncio.gather(
        *(
            messaging.call("POST", "/v1/conversations", a, json={"participant_ids": [b]})
            for a, b in [("ana", "bo"), ("bo", "ana")] * 4
        )
    )
    assert {a.status_code for a in answers} <= {200, 201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.status_code == 201 for a in answers) == 1


async def test_people_added_at_once_never_push_a_group_past_thirty(messaging: Messaging) -> None:
    owner, others = "owner", [f"m{n}" for n in range(MAX_GROUP + 5)]
    await messaging.people(owner, *others)
    for other in others:
        await messaging.connect(owner, other)
    body = {"participant_ids": others[: MAX_GROUP - 3], "name": "Tribe"}
    cid = (await messaging.ok("POST", "/v1/conversations", owner, json=body))["id"]
    answers = await asyncio.gather(
        *(
            messaging.call(
                "POST", f"/v1/conversations/{cid}/members", owner, json={"user_ids": [o]}
            )
            for o in others[MAX_GROUP - 3 :]
        )
    )
    assert {a.status_code for a in answers} <= {200, 409}
    shown = await messaging.ok("GET", f"/v1/conversations/{cid}", owner)
    assert len(shown["participant_ids"]) <= MAX_GROUP


async def test_a_redelivered_deletion_erases_once_and_blanks_the_text(
    messaging: Messaging,
) -> None:
    await messaging.people("ana", "bo")
    await messaging.connect("ana", "bo")
    cid = await messaging.direct("ana", "bo")
    assert (await messaging.send("ana", cid, "call me on 0151 ...")).status_code == 201
    deletion = messaging.envelope(UserDeleted(user_id="ana"))
    await messaging.deliver(deletion)
    await messaging.deliver(deletion)
    page = await messaging.ok("GET", f"/v1/conversations/{cid}/messages", "bo")
    assert [(m["text"], m["deleted"]) for m in page["items"]] == [(None, True)]
    stored = await messaging.db["messages"].find({"sender_id": "ana"}).to_list()
    assert [doc["text"] for doc in stored] == [None]
    gone = await messaging.call("GET", f"/v1/conversations/{cid}", "ana")
    assert gone.status_code == 404
