"""Connection requests that say why: sending, the caps, answering, withdrawing, expiring,
removing, and what each side sees."""

from datetime import timedelta

import pytest
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.contracts.identity import UserBlocked
from jobfriends_shared.contracts.matching import (
    ConnectionAccepted,
    ConnectionDeclined,
    ConnectionExpired,
    ConnectionRemoved,
    ConnectionRequested,
    ConnectionWithdrawn,
)
from jobfriends_shared.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from jobfriends_shared.fakes import FakeDatabase, recorded
from matching.domain.requests import Action

from .conftest import NOTE, START, UX, Matching, wire


async def people(matching: Matching, *ids: str) -> None:
    for user_id in ids:
        await matching.person(user_id, user_id.capitalize(), **UX)


async def test_a_request_reaches_its_recipient_and_is_announced(matching: Matching) -> None:
    await people(matching, "ana", "bo")
    sent = await matching.connections.request("ana", "bo", NOTE)
    assert (sent["state"], sent["other"]["display_name"]) == ("pending", "Bo")
    incoming = await matching.connections.requests("bo", "incoming", None, 10)
    assert [(r["id"], r["note"]) for r in incoming] == [(sent["id"], NOTE)]
    assert [r["id"] for r in await matching.connections.requests("ana", "outgoing", None, 10)] == [
        sent["id"]
    ]
    (announced,) = await recorded(matching.db, ConnectionRequested)
    assert (announced.from_user_id, announced.to_user_id, announced.note) == ("ana", "bo", NOTE)


async def test_one_open_request_per_pair_whoever_sends_it(matching: Matching) -> None:
    await people(matching, "ana", "bo")
    await matching.connections.request("ana", "bo", NOTE)
    with pytest.raises(Conflict) as again:
        await matching.connections.request("ana", "bo", NOTE)
    assert again.value.code == "request_pending"
    with pytest.raises(Conflict) as reverse:
        await matching.connections.request("bo", "ana", NOTE)
    assert reverse.value.code == "they_asked_you"
    with pytest.raises(Invalid):
        await matching.connections.request("ana", "ana", NOTE)
    with pytest.raises(Invalid):
        await matching.connections.request("ana", "bo", "hi")
    with pytest.raises(NotFound):
        await matching.connections.request("ana", "nobody", NOTE)
    assert len(await recorded(matching.db, ConnectionRequested)) == 1


async def test_blocks_stop_requests_both_ways(matching: Matching) -> None:
    await people(matching, "ana", "bo")
    await matching.hear(UserBlocked(blocker_id="bo", blocked_id="ana"))
    with pytest.raises(NotFound):
        await matching.connections.request("ana", "bo", NOTE)
    with pytest.raises(Forbidden):
        await matching.connections.request("bo", "ana", NOTE)


async def test_accepting_connects_both_and_is_announced(matching: Matching) -> None:
    await people(matching, "ana", "bo")
    sent = await matching.connections.request("ana", "bo", NOTE)
    with pytest.raises(Forbidden):
        await matching.connections.act("ana", sent["id"], Action.accept)
    accepted = await matching.connections.act("bo", sent["id"], Action.accept)
    assert accepted["state"] == "accepted"
    for me, other in (("ana", "bo"), ("bo", "ana")):
        listed = await matching.connections.connections(me, None, 10)
        assert [(c["user_id"], c["cadence"], c["in_tribe"]) for c in listed] == [
            (other, "monthly", False)
        ]
    assert [a.request_id for a in await recorded(matching.db, ConnectionAccepted)] == [sent["id"]]
    with pytest.raises(Conflict):
        await matching.connections.act("bo", sent["id"], Action.decline)
    with pytest.raises(Conflict) as connected:
        await matching.connections.request("bo", "ana", NOTE)
    assert connected.value.code == "already_connected"


async def test_a_declined_request_still_looks_pending_to_its_sender(matching: Matching) -> None:
    await people(matching, "ana", "bo")
    sent = await matching.connections.request("ana", "bo", NOTE)
    declined = await matching.connections.act("bo", sent["id"], Action.decline)
    assert declined["state"] == "declined"
    (seen,) = await matching.connections.requests("ana", "outgoing", None, 10)
    assert seen["state"] == "pending"
    assert await matching.connections.requests("bo", "incoming", None, 10) == []
    withdrawn = await matching.connections.act("ana", sent["id"], Action.withdraw)
    assert withdrawn["state"] == "withdrawn"
    assert await matching.connections.requests("ana", "outgoing", None, 10) == []
    assert len(await recorded(matching.db, ConnectionDeclined)) == 1
    assert await recorded(matching.db, ConnectionWithdrawn) == []  # the decline closed it


async def test_the_sender_withdraws_an_open_request(matching: Matching) -> None:
    await people(matching, "ana", "bo")
    sent = await matching.connections.request("ana", "bo", NOTE)
    with pytest.raises(Forbidden):
        await matching.connections.act("bo", sent["id"], Action.withdraw)
    await matching.connections.act("ana", sent["id"], Action.withdraw)
    assert await matching.connections.requests("bo", "incoming", None, 10) == []
    assert [w.request_id for w in await recorded(matching.db, ConnectionWithdrawn)] == [sent["id"]]
    again = await matching.connections.request("ana", "bo", NOTE)  # the pair is free again
    assert again["state"] == "pending"


async def test_unanswered_requests_expire(matching: Matching) -> None:
    await people(matching, "ana", "bo")
    sent = await matching.connections.request("ana", "bo", NOTE)
    matching.clock.advance(timedelta(days=29))
    assert await matching.outcomes.expire() == 0
    matching.clock.advance(timedelta(days=2))
    assert await matching.outcomes.expire() == 1
    assert [e.request_id for e in await recorded(matching.db, ConnectionExpired)] == [sent["id"]]
    assert await matching.connections.requests("bo", "incoming", None, 10) == []


async def test_caps_on_waiting_and_daily_requests() -> None:
    clock = ControlledClock(START)
    caps = {"pending_request_cap": 2, "daily_request_cap": 3}
    matching = await wire(FakeDatabase("matching"), clock, **caps)
    await people(matching, "ana", "b1", "b2", "b3", "b4")
    first = await matching.connections.request("ana", "b1", NOTE)
    await matching.connections.request("ana", "b2", NOTE)
    with pytest.raises(TooMany) as waiting:
        await matching.connections.request("ana", "b3", NOTE)
    assert waiting.value.code == "too_many_pending_requests"
    await matching.connections.act("ana", first["id"], Action.withdraw)
    await matching.connections.request("ana", "b3", NOTE)
    await matching.connections.act("b3", (await _incoming(matching, "b3"))[0], Action.accept)
    with pytest.raises(TooMany) as daily:
        await matching.connections.request("ana", "b4", NOTE)
    assert daily.value.code == "daily_request_limit"
    matching.clock.advance(timedelta(days=1))
    assert (await matching.connections.request("ana", "b4", NOTE))["state"] == "pending"


async def test_removing_a_connection_is_announced_and_empties_the_tribe(
    matching: Matching,
) -> None:
    await people(matching, "ana", "bo")
    await matching.connect("ana", "bo")
    await matching.tribe.add("ana", "bo")
    await matching.connections.remove("bo", "ana")
    assert await matching.connections.connections("ana", None, 10) == []
    assert (await matching.tribe.tribe("ana"))["members"] == []
    assert len(await recorded(matching.db, ConnectionRemoved)) == 1
    with pytest.raises(NotFound):
        await matching.connections.remove("bo", "ana")


async def _incoming(matching: Matching, user_id: str) -> list[str]:
    return [r["id"] for r in await matching.connections.requests(user_id, "incoming", None, 10)]
