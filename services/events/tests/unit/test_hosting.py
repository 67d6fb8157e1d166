"""Publishing, editing and cancelling events, and who may host for a group."""

from datetime import timedelta

import pytest
from jobfriends_shared.contracts.events import EventCancelled, EventCreated, EventUpdated
from jobfriends_shared.contracts.feed import GroupCreated, GroupMemberJoined
from jobfriends_shared.errors import Conflict, Forbidden, Invalid, NotFound
from jobfriends_shared.fakes import recorded

from .conftest import BERLIN, POTSDAM, Events


async def test_a_published_event_is_stored_clean_and_announced(events: Events) -> None:
    created = await events.services.events.create(
        "host", events.draft(title="  UX research meetup ", topics=["UX Research"])
    )
    assert (created["title"], created["topics"], created["status"]) == (
        "UX research meetup",
        ["ux-research"],
        "scheduled",
    )
    assert created["geo_cell"] and not created["geo_pending"]  # findable nearby at once
    (announced,) = await recorded(events.db, EventCreated)
    assert (announced.event_id, announced.host_id, announced.city) == (
        created["_id"],
        "host",
        "Berlin",
    )


async def test_a_draft_that_breaks_a_rule_is_refused_and_not_announced(events: Events) -> None:
    for overrides, code in (
        ({"title": "x"}, "invalid_text"),
        ({"starts_at": events.clock.now() - timedelta(hours=1)}, "starts_in_past"),
        ({"kind": "online"}, "online_url_required"),
        ({"location": None}, "location_required"),
        ({"capacity": 0}, "invalid_capacity"),
        ({"visibility": "group"}, "invalid_visibility"),
    ):
        with pytest.raises(Invalid) as refused:
            await events.services.events.create("host", events.draft(**overrides))
        assert refused.value.code == code
    assert await events.events() == []


async def test_only_group_members_host_for_a_group_as_they_hear_of_it(events: Events) -> None:
    draft = events.draft(group_id="g1", visibility="group")
    with pytest.raises(Invalid, match="no such group"):
        await events.services.events.create("ana", draft)
    await events.bus.deliver(GroupCreated(group_id="g1", owner_id="ana", name="UX Berlin"))
    with pytest.raises(Forbidden):
        await events.services.events.create("bo", draft)
    await events.bus.deliver(GroupMemberJoined(group_id="g1", user_id="bo"))
    hosted = await events.services.events.create("bo", draft)
    with pytest.raises(NotFound):  # a group event is hidden from non-members
        await events.rsvp(hosted["_id"], "cy")


async def test_the_host_edits_and_the_change_is_announced_with_what_changed(
    events: Events,
) -> None:
    event_id = await events.create("host")
    edited = await events.services.events.update(
        event_id, "host", {"title": "UX research night", "location": POTSDAM, "city": "Potsdam"}
    )
    assert (edited["title"], edited["revision"]) == ("UX research night", 1)
    (update,) = await recorded(events.db, EventUpdated)
    assert set(update.changed) == {"title", "location", "city"}
    assert await events.nearby("guest", BERLIN, 5) == []  # it moved out of Berlin
    assert await events.nearby("guest", POTSDAM, 5) == [event_id]

    same = await events.services.events.update(event_id, "host", {"title": "UX research night"})
    assert same["revision"] == 1
    assert len(await recorded(events.db, EventUpdated)) == 1
    with pytest.raises(Forbidden):
        await events.services.events.update(event_id, "guest", {"title": "Mine now"})
    with pytest.raises(Invalid) as read_only:
        await events.services.events.update(event_id, "host", {"host_id": "guest"})
    assert read_only.value.code == "read_only"


async def test_capacity_cannot_drop_below_the_people_going(events: Events) -> None:
    event_id = await events.create("host", capacity=3)
    for person in ("a", "b"):
        await events.rsvp(event_id, person)
    with pytest.raises(Conflict) as below:
        await events.services.events.update(event_id, "host", {"capacity": 1})
    assert below.value.code == "capacity_below_going"


async def test_a_cancelled_event_is_announced_once_and_frozen(events: Events) -> None:
    event_id = await events.create("host")
    await events.services.events.cancel(event_id, "host")
    await events.services.events.cancel(event_id, "host")
    assert [c.event_id for c in await recorded(events.db, EventCancelled)] == [event_id]
    with pytest.raises(Conflict) as frozen:
        await events.services.events.update(event_id, "host", {"title": "Back on"})
    assert frozen.value.code == "event_cancelled"
    with pytest.raises(Conflict):
        await events.rsvp(event_id, "a")


async def test_a_finished_event_cannot_be_edited_or_cancelled(events: Events) -> None:
    event_id = await events.create("host")
    events.clock.advance(timedelta(days=8))
    with pytest.raises(Conflict, match="over"):
        await events.services.events.update(event_id, "host", {"title": "Again"})
    with pytest.raises(Conflict, match="over"):
        await events.services.events.cancel(event_id, "host")
