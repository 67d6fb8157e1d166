"""Groups: creating, joining (at once, or on approval), posting for members, leaving."""

import pytest
from feed.domain.groups import Status
from jobfriends_shared.contracts.feed import GroupAccess, GroupCreated, GroupMemberJoined
from jobfriends_shared.errors import Conflict, Forbidden, NotFound
from jobfriends_shared.fakes import recorded

from .conftest import Feed


async def test_a_public_group_is_joined_at_once_and_its_posts_reach_members(feed: Feed) -> None:
    for person in ("ana", "bo", "cy"):
        await feed.person(person)
    group = await feed.svc.groups.create("ana", {"name": "UX Berlin"}, GroupAccess.public)
    assert (group["member_count"], group["my_role"]) == (1, "moderator")
    assert await feed.svc.groups.join("bo", group["id"]) == Status.member
    await feed.post("ana", "Meetup on Friday", visibility="group", group_id=group["id"])
    assert await feed.home("bo") == ["Meetup on Friday"]
    assert await feed.home("cy") == []
    with pytest.raises(Forbidden):
        await feed.svc.groups.posts("cy", group["id"], None, 10)
    with pytest.raises(Forbidden):
        await feed.post("cy", "Let me in", visibility="group", group_id=group["id"])
    posts, _ = await feed.svc.groups.posts("bo", group["id"], None, 10)
    assert [p["text"] for p in posts] == ["Meetup on Friday"]
    assert [g.name for g in await recorded(feed.db, GroupCreated)] == ["UX Berlin"]
    assert [j.user_id for j in await recorded(feed.db, GroupMemberJoined)] == ["bo"]


async def test_an_approval_group_waits_for_a_moderator(feed: Feed) -> None:
    for person in ("ana", "bo"):
        await feed.person(person)
    group = await feed.svc.groups.create("ana", {"name": "Design leads"}, GroupAccess.approval)
    assert await feed.svc.groups.join("bo", group["id"]) == Status.pending
    pending, _ = await feed.svc.groups.members("ana", group["id"], Status.pending, None, 10)
    assert [p["user"]["id"] for p in pending] == ["bo"]
    with pytest.raises(Forbidden):
        await feed.svc.groups.approve("bo", group["id"], "bo")
    await feed.svc.groups.approve("ana", group["id"], "bo")
    members, _ = await feed.svc.groups.members("bo", group["id"], Status.member, None, 10)
    assert sorted(m["user"]["id"] for m in members) == ["ana", "bo"]
    assert (await feed.svc.groups.view("bo", group["id"]))["member_count"] == 2


async def test_members_leave_but_the_last_moderator_cannot(feed: Feed) -> None:
    for person in ("ana", "bo"):
        await feed.person(person)
    group = await feed.svc.groups.create("ana", {"name": "UX Berlin"}, GroupAccess.public)
    await feed.svc.groups.join("bo", group["id"])
    with pytest.raises(Conflict):
        await feed.svc.groups.leave("ana", group["id"])
    await feed.svc.groups.leave("bo", group["id"])
    assert (await feed.svc.groups.view("ana", group["id"]))["member_count"] == 1
    with pytest.raises(NotFound):
        await feed.svc.groups.join("bo", "no-such-group")
