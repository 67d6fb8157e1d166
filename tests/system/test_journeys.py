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


async def designers(stack: Stack, count: int = 3) -> list[Person]:
    """Other UX people around Kreuzberg, so a newcomer has someone to meet."""
    people = []
    for n in range(count):
        person = await stack.join(f"Designer {n}")
        await profile(
            stack,
            person,
            profession="ux-designer",
            neighbourhood="Kreuzberg",
            location={"lat": 52.4986 + n * 0.002, "lon": 13.4030},
            skills=["figma", "user-research"],
            interests=["typography"],
            open_to=["collaborating", "new_friends"],
            seniority="mid",
        )
        people.append(person)
    return people


async def matches_of(stack: Stack, person: Person) -> list[dict[str, Any]]:
    await stack.settle()
    matching = stack.runtime("matching")
    if "index-sync" in matching.jobs:
        await matching.run_job("index-sync")
    response = await stack.call("GET", "/v1/matches", person)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def notifications_of(stack: Stack, person: Person, kind: str) -> list[dict[str, Any]]:
    await stack.settle()
    page = (await stack.call("GET", "/v1/notifications", person)).json()
    return [n for n in page["items"] if n["type"] == kind]


async def connect(stack: Stack, a: Person, b: Person) -> None:
    sent = await stack.call(
        "POST",
        "/v1/connections/requests",
        a,
        json={"to_user_id": b.id, "note": "We are both designers in Kreuzberg - coffee?"},
    )
    assert sent.status_code == 201, sent.text
    accepted = await stack.call("POST", f"/v1/connections/requests/{sent.json()['id']}/accept", b)
    assert accepted.status_code in (200, 204), accepted.text


async def test_1_a_newcomer_sees_explained_matches_within_seconds(stack: Stack) -> None:
    await designers(stack)
    newcomer = await stack.join("Ana")
    await profile(
        stack,
        newcomer,
        profession="ux-designer",
        neighbourhood="Kreuzberg",
        location=KREUZBERG,
        skills=["figma", "prototyping"],
        open_to=["collaborating"],
        seniority="mid",
    )

    async def explained() -> list[dict[str, Any]]:
        return await matches_of(stack, newcomer)

    found = await wait_for(explained, timeout=20)
    assert found[0]["reasons"]
    assert found[0]["sentence"]
    assert "Kreuzberg" in " ".join(m["sentence"] for m in found) or any(
        r.get("kind") for m in found for r in m["reasons"]
    )


async def test_2_a_request_that_says_why_is_notified_accepted_and_opens_both_feeds(
    stack: Stack,
) -> None:
    newcomer, designer = await stack.join("Ana"), (await designers(stack, 1))[0]
    sent = await stack.call(
        "POST",
        "/v1/connections/requests",
        newcomer,
        json={"to_user_id": designer.id, "note": "Loved your talk on design systems - coffee?"},
    )
    assert sent.status_code == 201, sent.text

    async def told() -> list[dict[str, Any]]:
        return await notifications_of(stack, designer, "connection_requested")

    (request_note,) = await wait_for(told)
    assert request_note["actor_ids"] == [newcomer.id]
    accept = await stack.call(
        "POST", f"/v1/connections/requests/{sent.json()['id']}/accept", designer
    )
    assert accept.status_code in (200, 204)

    async def accepted() -> list[dict[str, Any]]:
        return await notifications_of(stack, newcomer, "connection_accepted")

    await wait_for(accepted)
    await stack.settle()
    for author, reader in ((newcomer, designer), (designer, newcomer)):
        text = f"Hello from {author.id[:6]}"
        assert (
            await stack.call(
                "POST", "/v1/posts", author, json={"text": text, "visibility": "connections"}
            )
        ).status_code == 201

        async def sees(reader: Person = reader, text: str = text) -> bool:
            await stack.settle()
            page = (await stack.call("GET", "/v1/feed", reader)).json()
            return text in [p["text"] for p in page["items"]]

        assert await wait_for(sees)


async def test_4_the_tribe_answers_a_help_request(stack: Stack) -> None:
    seeker = await stack.join("Sami")
    tribe = await designers(stack, 3)
    for friend in tribe:
        await connect(stack, seeker, friend)
        await stack.settle()
    for friend in tribe:
        # a tribe both ways: the seeker counts on them, and they count the seeker in theirs
        await stack.settle()
        for owner, member in ((seeker, friend), (friend, seeker)):
            added = await stack.call("PUT", f"/v1/tribe/{member.id}", owner)
            assert added.status_code in (200, 201, 204), added.text
    await stack.settle()
    for service in ("notifications", "feed"):  # both know the tribe before it is needed
        await wait_for(lambda s=service: stack.caught_up(s, "matching.connections"), timeout=60)
    help_post = await stack.call(
        "POST",
        "/v1/posts",
        seeker,
        json={
            "text": "Week 6 of my job search - any UX leads? #JobSearch",
            "kind": "help_request",
            "visibility": "connections",
        },
    )
    assert help_post.status_code == 201, help_post.text
    post_id = help_post.json()["id"]
    for friend in tribe:

        async def told(friend: Person = friend) -> list[dict[str, Any]]:
            return await notifications_of(stack, friend, "tribe_help_request")

        await wait_for(told, timeout=45)

        # The feed fans the post out in its own consumer, beside notifications' handling.
        async def on_top(friend: Person = friend) -> bool:
            page = (await stack.call("GET", "/v1/feed", friend)).json()
            return bool(page["items"]) and page["items"][0]["id"] == post_id

        assert await wait_for(on_top, timeout=45)
        reacted = await stack.call(
            "PUT", f"/v1/posts/{post_id}/reaction", friend, json={"emoji": "support"}
        )
        assert reacted.status_code == 200

    async def grouped() -> list[dict[str, Any]]:
        found = await notifications_of(stack, seeker, "post_reacted")
        return found if found and found[0]["actor_count"] == 3 else []

    (note,) = await wait_for(grouped, timeout=45)
    assert "2 others" in note["title"] + note["body"]


async def test_5_a_promotion_becomes_a_milestone_post_friends_are_invited_to_celebrate(
    stack: Stack,
) -> None:
    friend, ana = await stack.join("Ana"), await stack.join("Ben")
    await connect(stack, ana, friend)
    await stack.settle()
    await stack.call("PUT", f"/v1/tribe/{friend.id}", ana)
    await stack.call("PUT", f"/v1/tribe/{ana.id}", friend)
    await stack.settle()
    for service in ("notifications", "feed"):
        await wait_for(lambda s=service: stack.caught_up(s, "matching.connections"), timeout=60)
    recorded = await stack.call(
        "POST",
        "/v1/me/milestones",
        friend,
        json={
            "kind": "promotion",
            "title": "Lead designer",
            "organisation": "Acme",
            "on": stack.clock.now().date().isoformat(),
        },
    )
    assert recorded.status_code == 201

    async def milestone_post() -> list[dict[str, Any]]:
        await stack.settle()
        page = (await stack.call("GET", "/v1/feed", ana)).json()
        return [p for p in page["items"] if p["kind"] == "milestone"]

    (post,) = await wait_for(milestone_post, timeout=45)
    assert "Lead designer" in post["text"]

    async def invited() -> list[dict[str, Any]]:
        return await notifications_of(stack, ana, "tribe_milestone")

    (note,) = await wait_for(invited, timeout=45)
    assert note["actor_ids"] == [friend.id]


async def test_7_a_quiet_month_brings_one_nudge_with_a_starter_and_never_more_than_three(
    stack: Stack,
) -> None:
    ana, ben = await stack.join("Ana"), await stack.join("Ben")
    await connect(stack, ana, ben)
    await stack.settle()
    matching = stack.runtime("matching")
    stack.clock.advance(timedelta(days=31))
    await matching.run_job("nudges")
    await matching.run_job("nudges")  # a second run (or a restart) sends nothing new
    nudges = [
        e
        for e in await stack.events_of("matching.connections", "nudge.due")
        if e.payload["user_id"] == ana.id
    ]
    await stack.settle()
    nudges = [
        e
        for e in await stack.events_of("matching.connections", "nudge.due")
        if e.payload["user_id"] == ana.id
    ]
    assert len(nudges) == 1
    assert nudges[0].payload["friend_id"] == ben.id
    assert nudges[0].payload["starter"]
    for _ in range(10):  # ten more quiet weeks within the same calendar month at most 3
        stack.clock.advance(timedelta(days=3))
        await matching.run_job("nudges")
    await stack.settle()
    per_month: dict[str, int] = {}
    for e in await stack.events_of("matching.connections", "nudge.due"):
        if e.payload["user_id"] == ana.id and e.payload["friend_id"] == ben.id:
            month = e.occurred_at.strftime("%Y-%m")
            per_month[month] = per_month.get(month, 0) + 1
    assert max(per_month.values()) <= 3


async def test_8_blocking_hides_people_everywhere_and_deleting_erases_them(stack: Stack) -> None:
    ana, ben = await stack.join("Ana"), await stack.join("Ben")
    for person in (ana, ben):
        await profile(
            stack,
            person,
            profession="ux-designer",
            neighbourhood="Kreuzberg",
            location=KREUZBERG,
            skills=["figma"],
            open_to=["new_friends"],
        )
    await stack.call("POST", "/v1/posts", ben, json={"text": "Ben's public tip #DesignHour"})
    assert (await stack.call("POST", f"/v1/users/{ben.id}/block", ana)).status_code == 204
    await stack.settle()

    async def gone_everywhere() -> bool:
        await stack.settle()
        matches = await matches_of(stack, ana)
        tagged = (await stack.call("GET", "/v1/hashtags/designhour/posts", ana)).json()
        profile_view = await stack.call("GET", f"/v1/users/{ben.id}", ana)
        return (
            ben.id not in [m["user_id"] for m in matches]
            and ben.id not in [p["author"]["id"] for p in tagged["items"]]
            and profile_view.status_code == 404
        )

    assert await wait_for(gone_everywhere)

    assert (await stack.call("DELETE", "/v1/me", ben)).status_code == 204
    await stack.settle()

    async def erased() -> bool:
        await stack.settle()
        from jobfriends_shared.mongo import mongo_client

        client = mongo_client(stack.settings["identity"].infra.mongodb_url, "journey")
        try:
            for service in ("feed", "events", "matching", "notifications"):
                db = client[stack.settings[service].database]
                for name in await db.list_collection_names():
                    if name.startswith(("outbox", "processed_events")):
                        continue
                    if await db[name].find_one(
                        {"$or": [{"user_id": ben.id}, {"author_id": ben.id}]}
                    ):
                        return False
        finally:
            await client.close()
        return True

    assert await wait_for(erased, timeout=30)
