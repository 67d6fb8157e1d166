"""Finding events: filters, nearest first, free text, friends, recommendations, pagination."""

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from events.domain import geo
from jobfriends_shared.contracts.identity import GeoPoint, ProfileSnapshot, ProfileUpdated
from jobfriends_shared.contracts.matching import ConnectionAccepted, ConnectionRemoved, pair_id

from .conftest import Events

# Places in Berlin, and one in Hamburg
KREUZBERG = {"lat": 52.4986, "lon": 13.4030}
MITTE = {"lat": 52.5200, "lon": 13.4050}
PANKOW = {"lat": 52.5693, "lon": 13.4010}
POTSDAM = {"lat": 52.3906, "lon": 13.0645}
HAMBURG = {"lat": 53.5511, "lon": 9.9937}


async def listing(events: Events, viewer: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a listing, following cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await events.call("GET", "/v1/events", viewer, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


def titles(items: list[dict[str, Any]]) -> list[str]:
    return [i["title"] for i in items]


def at(events: Events, days: float, hours: float = 2) -> dict[str, str]:
    starts = (events.clock.now() + timedelta(days=days)).replace(microsecond=0)
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
    }


async def test_upcoming_events_by_city_topic_profession_kind_and_dates(events: Events) -> None:
    await events.create(
        "h", title="Figma workshop", kind="workshop", topics=["figma"], **at(events, 3)
    )
    await events.create(
        "h", title="Data drinks", professions=["data-engineer"], topics=["sql"], **at(events, 1)
    )
    await events.create("h", title="Hamburg UX", city="Hamburg", location=HAMBURG, **at(events, 2))
    await events.create("h", title="Far future talk", kind="talk", **at(events, 60))

    assert titles(await listing(events, "v")) == [
        "Data drinks",
        "Hamburg UX",
        "Figma workshop",
        "Far future talk",
    ]
    assert titles(await listing(events, "v", city="BERLIN")) == [
        "Data drinks",
        "Figma workshop",
        "Far future talk",
    ]
    assert titles(await listing(events, "v", topic="Figma")) == ["Figma workshop"]
    assert titles(await listing(events, "v", profession="data-engineer")) == ["Data drinks"]
    assert titles(await listing(events, "v", kind="talk")) == ["Far future talk"]
    window = {
        "from": (events.clock.now() + timedelta(days=2)).isoformat(),
        "to": (events.clock.now() + timedelta(days=30)).isoformat(),
    }
    assert titles(await listing(events, "v", **window)) == ["Hamburg UX", "Figma workshop"]
    bad = await events.call("GET", "/v1/events", "v", params={"profession": "wizard"})
    assert bad.status_code == 422


async def test_past_and_running_events_leave_the_listing_when_they_end(events: Events) -> None:
    await events.create("h", title="Soon over", **at(events, 1, hours=1))
    await events.create("h", title="Later", **at(events, 2))
    events.clock.advance(timedelta(days=1, minutes=30))  # "Soon over" is running
    assert titles(await listing(events, "v")) == ["Soon over", "Later"]
    events.clock.advance(timedelta(hours=1))
    assert titles(await listing(events, "v")) == ["Later"]


async def test_free_text_matches_words_of_title_and_description(events: Events) -> None:
    await events.create(
        "h",
        title="Café für Designer",
        description="Portfolio reviews and coffee.",
        **at(events, 1),
    )
    await events.create(
        "h", title="Backend guild", description="Kafka war stories.", **at(events, 2)
    )
    assert titles(await listing(events, "v", q="cafe")) == ["Café für Designer"]
    assert titles(await listing(events, "v", q="DESIGNERS portfolio")) == ["Café für Designer"]
    assert titles(await listing(events, "v", q="kafka story")) == ["Backend guild"]
    assert titles(await listing(events, "v", q="kafka portfolio")) == []
    vague = await events.call("GET", "/v1/events", "v", params={"q": "the"})
    assert vague.status_code == 422 and vague.json()["code"] == "invalid_query"


async def test_nearby_events_come_nearest_first_within_the_radius(events: Events) -> None:
    for title, place in (
        ("Pankow", PANKOW),
        ("Kreuzberg", KREUZBERG),
        ("Potsdam", POTSDAM),
        ("Mitte", MITTE),
        ("Hamburg", HAMBURG),
    ):
        await events.create("h", title=f"Meetup {title}", location=place, **at(events, 2))
    await events.create(
        "h",
        title="Online thing",
        kind="online",
        location=None,
        city=None,
        online_url="https://meet.example.org/x",
        **at(events, 2),
    )
    near = "52.5200,13.4050"
    found = await listing(events, "v", near=near, radius_km=10, limit=1)
    assert titles(found) == ["Meetup Mitte", "Meetup Kreuzberg", "Meetup Pankow"]
    distances = [i["distance_km"] for i in found]
    assert distances == sorted(distances) and distances[0] == pytest.approx(0, abs=1e-6)
    expected = geo.haversine_km(52.52, 13.405, KREUZBERG["lat"], KREUZBERG["lon"])
    assert distances[1] == pytest.approx(expected, rel=1e-9)
    wide = await listing(events, "v", near=near, radius_km=40)
    assert titles(wide)[-1] == "Meetup Potsdam"


async def test_nearby_search_agrees_with_a_full_scan(events: Events) -> None:
    rng = random.Random(3)
    drafts = [
        events.draft(
            title=f"Event {i}",
            location={"lat": 52.52 + rng.gauss(0, 0.05), "lon": 13.40 + rng.gauss(0, 0.08)},
        )
        for i in range(300)
    ]
    await events.services.events.seed("h", [_as_domain(d) for d in drafts])
    now = events.clock.now()
    expected = await events.services.ctx.repo.events.scan_nearby(52.51, 13.39, 3.0, now, 1000)
    found = await listing(events, "v", near="52.51,13.39", radius_km=3, limit=15)
    assert [i["id"] for i in found] == [eid for _, eid in expected]
    assert len(expected) > 30


def _as_domain(draft: dict[str, Any]) -> dict[str, Any]:
    return {
        **draft,
        "starts_at": datetime.fromisoformat(draft["starts_at"]),
        "ends_at": datetime.fromisoformat(draft["ends_at"]),
    }


async def test_a_moved_or_cancelled_event_is_found_only_where_it_is(events: Events) -> None:
    created = await events.create("h", title="Wandering", location=MITTE, **at(events, 2))
    path = f"/v1/events/{created['id']}"
    moved = await events.call("PATCH", path, "h", json={"location": HAMBURG, "city": "Hamburg"})
    assert moved.status_code == 200
    assert await listing(events, "v", near="52.52,13.405", radius_km=5) == []
    assert titles(await listing(events, "v", near="53.55,9.99", radius_km=5)) == ["Wandering"]
    await events.call("POST", f"{path}/cancel", "h")
    assert await listing(events, "v", near="53.55,9.99", radius_km=5) == []


async def test_bad_discovery_requests_are_client_errors(events: Events) -> None:
    for params in (
        {"near": "52.5"},
        {"near": "north,east"},
        {"near": "95,13"},
        {"near": "52.5,13.4", "radius_km": 0},
        {"near": "52.5,13.4", "radius_km": 1000},
        {"limit": 101},
        {"limit": 0},
        {"cursor": "not-a-cursor"},
        {"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"},
    ):
        response = await events.call("GET", "/v1/events", "v", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["code"] in {
            "invalid_request",
            "invalid_near",
            "invalid_radius",
            "invalid_cursor",
            "invalid_range",
        }


async def test_a_cursor_from_one_ordering_is_refused_by_another(events: Events) -> None:
    for i in range(3):
        await events.create("h", title=f"Event {i}", **at(events, i + 1))
    page = (await events.call("GET", "/v1/events", "v", params={"limit": 1})).json()
    assert page["next_cursor"]
    response = await events.call(
        "GET",
        "/v1/events",
        "v",
        params={"near": "52.52,13.4", "cursor": page["next_cursor"]},
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_cursor"


async def test_time_ordered_pages_neither_skip_nor_repeat(events: Events) -> None:
    same_time = at(events, 3)
    for i in range(7):
        await events.create("h", title=f"Parallel {i}", **same_time)
    paged = await listing(events, "v", limit=2)
    assert sorted(titles(paged)) == sorted(f"Parallel {i}" for i in range(7))
    assert len({i["id"] for i in paged}) == 7


async def connect(events: Events, a: str, b: str) -> None:
    await events.deliver(
        ConnectionAccepted(pair_id=pair_id(a, b), from_user_id=a, to_user_id=b, request_id="r"),
        "matching.connections",
    )


async def test_events_my_connections_are_going_to(events: Events) -> None:
    first = await events.create("h", title="Friends go here", **at(events, 2))
    second = await events.create("h", title="Nobody I know", **at(events, 3))
    await connect(events, "me", "ana")
    await connect(events, "bo", "me")
    await events.rsvp(first["id"], "ana")
    await events.rsvp(first["id"], "bo")
    await events.rsvp(second["id"], "stranger")

    found = await listing(events, "me", friends="true")
    assert titles(found) == ["Friends go here"]
    assert found[0]["friends_going"] == ["ana", "bo"]
    near = await listing(events, "me", friends="true", near="52.52,13.405")
    assert titles(near) == ["Friends go here"]

    await events.deliver(
        ConnectionRemoved(pair_id=pair_id("me", "ana"), from_user_id="me", to_user_id="ana"),
        "matching.connections",
    )
    await events.rsvp(first["id"], "bo", "not_going")
    assert await listing(events, "me", friends="true") == []


async def test_recommendations_follow_profession_interests_and_friends(events: Events) -> None:
    await events.create(
        "h", title="For UX designers", professions=["ux-designer"], topics=[], **at(events, 5)
    )
    await events.create(
        "h", title="About research", professions=[], topics=["user-research"], **at(events, 4)
    )
    social = await events.create(
        "h", title="Friends go", professions=[], topics=["knitting"], **at(events, 6)
    )
    await events.create(
        "h",
        title="Unrelated",
        professions=["nurse"],
        topics=["medicine"],
        city="Hamburg",
        location=HAMBURG,
        **at(events, 1),
    )
    await events.deliver(
        ProfileUpdated(
            user_id="me",
            changed=("profession", "interests"),
            profile=ProfileSnapshot(
                display_name="Me",
                profession="ux-designer",
                interests=("user-research",),
                city="Hamburg-Altona",
                location=GeoPoint(lat=53.55, lon=9.93),
            ),
        ),
        "identity.users",
    )
    await connect(events, "me", "ana")
    await events.rsvp(social["id"], "ana")

    found = await listing(events, "me", recommended="true", limit=2)
    assert titles(found) == ["For UX designers", "About research", "Friends go"]
    assert [i["score"] for i in found] == sorted((i["score"] for i in found), reverse=True)

    await events.rsvp(social["id"], "me")  # already going: no longer recommended
    assert "Friends go" not in titles(await listing(events, "me", recommended="true"))
    assert await listing(events, "nobody", recommended="true") == []
