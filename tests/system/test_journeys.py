"""The product's promises, lived the way people live them: every journey goes through the
gateway only, against the real broker and store, with time moved by the test, never slept."""

from datetime import timedelta
from typing import Any

from icalendar import Calendar
from jobfriends_shared.testing import wait_for

from tests.harness import Person, Stack

KREUZBERG = {"lat": 52.4986, "lon": 13.4030}


async def profile(stack: Stack, person: Person, **fields: Any) -> None:
    body = {"city": "Berlin", "time_zone": "Europe/Berlin", **fields}
    response = await stack.call("PATCH", "/v1/me", person, json=body)
    assert response.status_code == 200, response.text


async def test_3_hashtags_and_groups_bring_designers_together(stack: Stack) -> None:
    newcomer, designer, outsider = (
        await stack.join("Ana"),
        await stack.join("Ben"),
        await stack.join("Cem"),
    )
    followed = await stack.call("PUT", "/v1/hashtags/DesignHour/follow", newcomer)
    assert followed.status_code == 204
    post = await stack.call(
        "POST", "/v1/posts", designer, json={"text": "Tonight's #DesignHour: type pairing"}
    )
    assert post.status_code == 201, post.text

    async def in_feed() -> list[str]:
        page = (await stack.call("GET", "/v1/feed", newcomer)).json()
        return [item["text"] for item in page["items"]]

    assert "Tonight's #DesignHour: type pairing" in await wait_for(in_feed)
    tagged = (await stack.call("GET", "/v1/hashtags/designhour/posts", newcomer)).json()
    assert [p["id"] for p in tagged["items"]] == [post.json()["id"]]

    group = await stack.call(
        "POST",
        "/v1/groups",
        designer,
        json={"name": "Berlin UX designers", "profession": "ux-designer", "access": "approval"},
    )
    group_id = group.json()["id"]
    asked = await stack.call("PUT", f"/v1/groups/{group_id}/membership", newcomer)
    assert asked.status_code in (200, 202), asked.text
    approved = await stack.call("PUT", f"/v1/groups/{group_id}/members/{newcomer.id}", designer)
    assert approved.status_code == 204, approved.text
    member_post = await stack.call(
        "POST",
        "/v1/posts",
        newcomer,
        json={
            "text": "Hi designers! Portfolio review swap?",
            "visibility": "group",
            "group_id": group_id,
        },
    )
    assert member_post.status_code == 201, member_post.text
    seen_by_member = (await stack.call("GET", f"/v1/groups/{group_id}/posts", designer)).json()
    assert [p["id"] for p in seen_by_member["items"]] == [member_post.json()["id"]]
    hidden = await stack.call("GET", f"/v1/groups/{group_id}/posts", outsider)
    assert hidden.status_code in (403, 404) or hidden.json()["items"] == []
    direct = await stack.call("GET", f"/v1/posts/{member_post.json()['id']}", outsider)
    assert direct.status_code in (403, 404)


async def test_6_a_full_meetup_waitlists_then_promotes_reminds_and_lands_in_the_calendar(
    stack: Stack,
) -> None:
    host, regular, newcomer = (
        await stack.join("Hana"),
        await stack.join("Ivo"),
        await stack.join("Ana"),
    )
    for person in (host, regular, newcomer):
        await profile(stack, person, neighbourhood="Kreuzberg", location=KREUZBERG)
    starts = (stack.clock.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    created = await stack.call(
        "POST",
        "/v1/events",
        host,
        json={
            "title": "Design networking night",
            "kind": "networking",
            "city": "Berlin",
            "neighbourhood": "Kreuzberg",
            "location": {"lat": 52.5000, "lon": 13.4100},
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "time_zone": "Europe/Berlin",
            "capacity": 1,
            "topics": ["design"],
        },
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]

    nearby = await stack.call(
        "GET",
        "/v1/events",
        newcomer,
        params={
            "near": "52.4986,13.4030",
            "radius_km": 3,
            "to": (stack.clock.now() + timedelta(days=7)).isoformat(),
        },
    )
    assert event_id in [e["id"] for e in nearby.json()["items"]]

    assert (
        await stack.call("PUT", f"/v1/events/{event_id}/rsvp", regular, json={"status": "going"})
    ).json()["status"] == "going"
    waitlisted = await stack.call(
        "PUT", f"/v1/events/{event_id}/rsvp", newcomer, json={"status": "going"}
    )
    assert waitlisted.json()["status"] == "waitlisted"
    assert waitlisted.json()["position"] == 1

    dropped = await stack.call("DELETE", f"/v1/events/{event_id}/rsvp", regular)
    assert dropped.status_code == 204

    async def promoted() -> bool:
        mine = await stack.call("GET", f"/v1/events/{event_id}", newcomer)
        return bool(mine.json().get("my_rsvp") in ("going", {"status": "going"})) or any(
            e.payload["user_id"] == newcomer.id
            for e in await stack.events_of("events.events", "waitlist.promoted")
        )

    assert await wait_for(promoted)

    # The day before: the 24-hour reminder goes to the newcomer, exactly once.
    stack.clock.advance(starts - stack.clock.now() - timedelta(hours=23))
    events_runtime = stack.runtime("events")
    await events_runtime.run_job("reminders")
    await events_runtime.run_job("reminders")
    await stack.settle()

    async def reminders() -> list[Any]:
        found = await stack.events_of("events.events", "event.reminder_due")
        return [e for e in found if e.payload["user_id"] == newcomer.id]

    (reminder,) = await wait_for(reminders)
    assert reminder.payload["lead"] == "24h"

    await stack.sign_in_again(newcomer)
    calendar = await stack.call("GET", "/v1/me/calendar.ics", newcomer)
    assert calendar.status_code == 200
    parsed = Calendar.from_ical(calendar.content)
    assert [str(e.get("summary")) for e in parsed.walk("VEVENT")] == ["Design networking night"]
