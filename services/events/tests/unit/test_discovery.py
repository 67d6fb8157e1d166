"""Finding events: by time with filters, nearest first, with friends, recommended; and the
personal calendar. Who may see what follows the projections the consumers keep."""

from datetime import timedelta

from events.domain.discovery import Query
from jobfriends_shared.contracts.identity import ProfileSnapshot, ProfileUpdated, UserBlocked
from jobfriends_shared.contracts.matching import ConnectionAccepted, pair_id

from .conftest import BERLIN, POTSDAM, Events


async def by_time(events: Events, viewer: str, query: Query, limit: int = 50) -> list[str]:
    """Every page of a listing by time, followed to its end: the ids in order."""
    found: list[str] = []
    cursor = None
    while True:
        items, cursor = await events.services.discovery.discover(viewer, query, cursor, limit)
        found += [str(i["_id"]) for i in items]
        if cursor is None:
            return found


async def connect(events: Events, a: str, b: str) -> None:
    pair = {"pair_id": pair_id(a, b), "from_user_id": a, "to_user_id": b}
    await events.bus.deliver(ConnectionAccepted(request_id=f"{a}-{b}", **pair))


async def test_upcoming_events_are_listed_by_start_page_by_page(events: Events) -> None:
    later = await events.create("h", starts_at=events.clock.now() + timedelta(days=9))
    sooner = await events.create("h", starts_at=events.clock.now() + timedelta(days=2))
    cancelled = await events.create("h")
    await events.services.events.cancel(cancelled, "h")
    soonest = await events.create("h", starts_at=events.clock.now() + timedelta(hours=3))
    assert await by_time(events, "x", Query(), limit=2) == [soonest, sooner, later]
    events.clock.advance(timedelta(days=3))
    assert await by_time(events, "x", Query()) == [later]


async def test_filters_narrow_the_listing(events: Events) -> None:
    design = await events.create("h", topics=["design"], title="Design critique night")
    talk = await events.create("h", kind="talk", city="München", location=BERLIN)
    await events.create("h")
    assert await by_time(events, "x", Query(topic="design")) == [design]
    assert await by_time(events, "x", Query(kind="talk")) == [talk]
    assert await by_time(events, "x", Query(city_key="munchen")) == [talk]
    assert await by_time(events, "x", Query(tokens=("critique",))) == [design]


async def test_private_events_show_to_connections_and_blocks_hide_a_host(events: Events) -> None:
    private = await events.create("host", visibility="connections")
    public = await events.create("host")
    assert await by_time(events, "friend", Query()) == [public]
    await connect(events, "host", "friend")
    assert set(await by_time(events, "friend", Query())) == {private, public}
    assert set(await events.nearby("friend", BERLIN, 5)) == {private, public}
    await events.bus.deliver(UserBlocked(blocker_id="host", blocked_id="friend"))
    assert await by_time(events, "friend", Query()) == []
    assert await events.nearby("friend", BERLIN, 5) == []


async def test_nearby_events_come_nearest_first_within_the_radius(events: Events) -> None:
    potsdam = await events.create("h", location=POTSDAM, city="Potsdam")
    berlin = await events.create("h")
    assert await events.nearby("x", BERLIN, 10) == [berlin]
    assert await events.nearby("x", BERLIN, 50) == [berlin, potsdam]
    assert await events.nearby("x", POTSDAM, 50) == [potsdam, berlin]


async def test_events_friends_are_going_to_say_who_is_going(events: Events) -> None:
    theirs = await events.create("h")
    await events.create("h")
    await connect(events, "me", "ana")
    await events.rsvp(theirs, "ana")
    await events.rsvp(theirs, "stranger")
    items, _ = await events.services.discovery.discover("me", Query(friends=True), None, 10)
    assert [(i["_id"], i["friends_going"]) for i in items] == [(theirs, ["ana"])]


async def test_recommendations_follow_the_profile_and_skip_what_one_attends(
    events: Events,
) -> None:
    research = await events.create("h", topics=["ux-research"], professions=[])
    mine = await events.create("h", topics=["ux-research"], professions=[])
    await events.create("h", topics=["cooking"], professions=[], city="Potsdam", location=POTSDAM)
    assert await by_time(events, "me", Query(recommended=True)) == []  # nothing known yet
    profile = ProfileSnapshot(display_name="Me", interests=("ux-research",), city="Hamburg")
    await events.bus.deliver(ProfileUpdated(user_id="me", changed=("interests",), profile=profile))
    await events.rsvp(mine, "me")
    items, _ = await events.services.discovery.discover("me", Query(recommended=True), None, 10)
    assert [i["_id"] for i in items] == [research]
    assert items[0]["score"] > 0


async def test_the_calendar_holds_events_with_a_seat_cancelled_ones_too(events: Events) -> None:
    first = await events.create("h", starts_at=events.clock.now() + timedelta(days=1))
    second = await events.create("h", starts_at=events.clock.now() + timedelta(days=3))
    waiting = await events.create("h", capacity=1)
    await events.rsvp(waiting, "other")
    for event_id in (second, first, waiting):
        await events.rsvp(event_id, "me")
    await events.services.events.cancel(second, "h")
    calendar = await events.services.discovery.calendar("me")
    assert [(c["_id"], c["status"]) for c in calendar] == [
        (first, "scheduled"),
        (second, "cancelled"),
    ]
