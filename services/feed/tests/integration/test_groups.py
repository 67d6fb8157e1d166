"""Groups: creating and finding them, joining at once or by approval, moderators."""

from __future__ import annotations

from .conftest import Feed


async def test_a_group_is_created_with_its_creator_as_moderator_and_announced(feed: Feed) -> None:
    ana = await feed.person("Ana")
    body = {
        "name": "Berlin UX",
        "topic": "research",
        "profession": "ux-designer",
        "city": "Berlin",
        "access": "approval",
    }
    group = await feed.ok("POST", "/v1/groups", ana, json=body)
    assert group["member_count"] == 1
    assert (group["my_status"], group["my_role"]) == ("member", "moderator")
    (event,) = await feed.events_of("group.created", topic="feed.social")
    assert event.payload["owner_id"] == ana and event.payload["access"] == "approval"
    assert event.key == group["id"]


async def test_groups_are_found_by_city_and_profession(feed: Feed) -> None:
    ana = await feed.person("Ana")
    ux = await feed.ok(
        "POST",
        "/v1/groups",
        ana,
        json={"name": "UX", "city": "Berlin", "profession": "ux-designer"},
    )
    feed.clock.advance_seconds(1)
    await feed.ok("POST", "/v1/groups", ana, json={"name": "Paris", "city": "Paris"})
    found = await feed.ok("GET", "/v1/groups", ana, params={"city": " berlin "})
    assert [g["id"] for g in found["items"]] == [ux["id"]]
    by_job = await feed.ok("GET", "/v1/groups", ana, params={"profession": "ux-designer"})
    assert [g["id"] for g in by_job["items"]] == [ux["id"]]
    assert len(await feed.all_pages(ana, "/v1/groups", limit=1)) == 2


async def test_bad_groups_are_refused(feed: Feed) -> None:
    ana = await feed.person("Ana")
    for body in (
        {"name": ""},
        {"name": "x" * 101},
        {"name": "ok", "profession": "wizard"},
        {"name": "ok", "access": "secret"},
        {"name": "ok", "owner_id": "someone"},
    ):
        response = await feed.call("POST", "/v1/groups", ana, json=body)
        assert response.status_code == 422, body
    assert (await feed.call("GET", "/v1/groups/nope", ana)).status_code == 404


async def test_public_groups_are_joined_at_once_and_left_with_announcements(feed: Feed) -> None:
    ana, ben = await feed.person("Ana"), await feed.person("Ben")
    group = await feed.ok("POST", "/v1/groups", ana, json={"name": "Open"})
    path = f"/v1/groups/{group['id']}/membership"
    assert await feed.ok("PUT", path, ben) == {"group_id": group["id"], "status": "member"}
    assert await feed.ok("PUT", path, ben) == {"group_id": group["id"], "status": "member"}
    assert (await feed.ok("GET", f"/v1/groups/{group['id']}", ben))["member_count"] == 2
    assert (await feed.call("DELETE", path, ben)).status_code == 204
    assert (await feed.call("DELETE", path, ben)).status_code == 204
    joined = await feed.events_of("group.member_joined", topic="feed.social")
    left = await feed.events_of("group.member_left", topic="feed.social")
    assert [e.payload["user_id"] for e in joined + left] == [ben, ben]


async def test_approval_groups_need_a_moderator_to_let_people_in(feed: Feed) -> None:
    mod, ben, cem = await feed.person("Mod"), await feed.person("Ben"), await feed.person("Cem")
    group = await feed.ok("POST", "/v1/groups", mod, json={"name": "Closed", "access": "approval"})
    gid = group["id"]
    asked = await feed.ok("PUT", f"/v1/groups/{gid}/membership", ben)
    assert asked["status"] == "pending"
    assert (await feed.call("GET", f"/v1/groups/{gid}/posts", ben)).status_code == 403
    # only moderators see and decide requests
    assert (
        await feed.call("GET", f"/v1/groups/{gid}/members", ben, params={"status": "pending"})
    ).status_code == 403
    pending = await feed.ok("GET", f"/v1/groups/{gid}/members", mod, params={"status": "pending"})
    assert [m["user"]["id"] for m in pending["items"]] == [ben]
    assert (await feed.call("PUT", f"/v1/groups/{gid}/members/{ben}", cem)).status_code == 403
    assert (await feed.call("PUT", f"/v1/groups/{gid}/members/{cem}", mod)).status_code == 404
    assert (await feed.call("PUT", f"/v1/groups/{gid}/members/{ben}", mod)).status_code == 204
    assert (await feed.ok("GET", f"/v1/groups/{gid}", ben))["my_status"] == "member"
    (joined,) = await feed.events_of("group.member_joined", topic="feed.social")
    assert joined.payload == {"group_id": gid, "user_id": ben}
    # a declined request leaves no member behind
    await feed.ok("PUT", f"/v1/groups/{gid}/membership", cem)
    assert (await feed.call("DELETE", f"/v1/groups/{gid}/members/{cem}", mod)).status_code == 204
    assert (await feed.ok("GET", f"/v1/groups/{gid}", cem))["my_status"] is None


async def test_moderators_promote_remove_and_the_last_one_cannot_leave(feed: Feed) -> None:
    mod, ben, cem = await feed.person("Mod"), await feed.person("Ben"), await feed.person("Cem")
    gid = (await feed.ok("POST", "/v1/groups", mod, json={"name": "G"}))["id"]
    for p in (ben, cem):
        await feed.ok("PUT", f"/v1/groups/{gid}/membership", p)
    leave = await feed.call("DELETE", f"/v1/groups/{gid}/membership", mod)
    assert leave.status_code == 409 and leave.json()["code"] == "last_moderator"
    assert (await feed.call("PUT", f"/v1/groups/{gid}/moderators/{ben}", cem)).status_code == 403
    assert (await feed.call("PUT", f"/v1/groups/{gid}/moderators/{ben}", mod)).status_code == 204
    removing_mod = await feed.call("DELETE", f"/v1/groups/{gid}/members/{ben}", mod)
    assert removing_mod.status_code == 409
    assert (await feed.call("DELETE", f"/v1/groups/{gid}/members/{cem}", ben)).status_code == 204
    assert (await feed.call("DELETE", f"/v1/groups/{gid}/membership", mod)).status_code == 204
    members = await feed.ok("GET", f"/v1/groups/{gid}/members", ben)
    assert [(m["user"]["id"], m["role"]) for m in members["items"]] == [(ben, "moderator")]
    assert (await feed.call("GET", f"/v1/groups/{gid}/members", cem)).status_code == 403


async def test_members_get_group_posts_in_their_timeline_and_lose_them_on_leaving(
    feed: Feed,
) -> None:
    mod, ben = await feed.person("Mod"), await feed.person("Ben")
    gid = (await feed.ok("POST", "/v1/groups", mod, json={"name": "G"}))["id"]
    before = await feed.post(mod, "welcome", visibility="group", group_id=gid)
    await feed.ok("PUT", f"/v1/groups/{gid}/membership", ben)
    after = await feed.post(mod, "agenda", visibility="group", group_id=gid)
    assert await feed.home(ben) == [after, before]
    assert await feed.all_pages(ben, f"/v1/groups/{gid}/posts") == [after, before]
    await feed.ok("DELETE", f"/v1/groups/{gid}/membership", ben)
    assert await feed.home(ben) == []
