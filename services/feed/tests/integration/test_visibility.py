"""Visibility on every read: connections-only and group posts never leak, blocked people never
appear — for each list endpoint and for single reads."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from jobfriends_shared.contracts.identity import UserBlocked

from .conftest import Feed


@dataclass
class World:
    author: str
    friend: str  # connected to the author
    member: str  # in the author's group, not connected
    stranger: str
    group_id: str
    public: str
    connections: str
    in_group: str


@pytest.fixture
async def world(feed: Feed) -> World:
    author, friend, member, stranger = [await feed.person(n) for n in ("A", "F", "M", "S")]
    await feed.connect(author, friend)
    group = await feed.ok("POST", "/v1/groups", author, json={"name": "Makers"})
    await feed.ok("PUT", f"/v1/groups/{group['id']}/membership", member)
    for viewer in (friend, member, stranger):  # everyone follows the author and the tag
        await feed.ok("PUT", f"/v1/users/{author}/follow", viewer)
        await feed.ok("PUT", "/v1/hashtags/makers/follow", viewer)
    public = await feed.post(author, "for all #makers")
    connections = await feed.post(author, "friends only #makers", visibility="connections")
    in_group = await feed.post(
        author, "members only #makers", visibility="group", group_id=group["id"]
    )
    return World(author, friend, member, stranger, group["id"], public, connections, in_group)


def expected(w: World, viewer: str) -> list[str]:
    seen = {
        w.author: [w.in_group, w.connections, w.public],
        w.friend: [w.connections, w.public],
        w.member: [w.in_group, w.public],
        w.stranger: [w.public],
    }
    return seen[viewer]


async def test_every_list_shows_each_viewer_only_what_they_may_see(
    feed: Feed, world: World
) -> None:
    """A person's posts, a hashtag's page and the home timeline (all paged two at a time)."""
    lists = (f"/v1/users/{world.author}/posts", "/v1/hashtags/Makers/posts", "/v1/feed")
    for viewer in (world.author, world.friend, world.member, world.stranger):
        for path in lists:
            assert await feed.all_pages(viewer, path) == expected(world, viewer), (viewer, path)


async def test_group_posts_are_for_members_only(feed: Feed, world: World) -> None:
    path = f"/v1/groups/{world.group_id}/posts"
    assert await feed.all_pages(world.member, path) == [world.in_group]
    for outsider in (world.friend, world.stranger):
        response = await feed.call("GET", path, outsider)
        assert response.status_code == 403
        assert response.json()["code"] == "not_a_member"


async def test_single_reads_reactions_and_comments_respect_visibility(
    feed: Feed, world: World
) -> None:
    for viewer in (world.author, world.friend, world.member, world.stranger):
        visible = set(expected(world, viewer))
        for post_id in (world.public, world.connections, world.in_group):
            want = 200 if post_id in visible else 404
            assert (await feed.call("GET", f"/v1/posts/{post_id}", viewer)).status_code == want
            react = await feed.call(
                "PUT", f"/v1/posts/{post_id}/reaction", viewer, json={"emoji": "like"}
            )
            assert react.status_code == want
            comments = await feed.call("GET", f"/v1/posts/{post_id}/comments", viewer)
            assert comments.status_code == want
            comment = await feed.call(
                "POST", f"/v1/posts/{post_id}/comments", viewer, json={"text": "hi"}
            )
            assert comment.status_code == (201 if want == 200 else 404)


async def test_blocked_people_never_appear_either_way(feed: Feed, world: World) -> None:
    await feed.ok("POST", f"/v1/posts/{world.public}/comments", world.stranger, json={"text": "!"})
    await feed.deliver(UserBlocked(blocker_id=world.stranger, blocked_id=world.author))
    author_posts = f"/v1/users/{world.author}/posts"
    assert (await feed.call("GET", author_posts, world.stranger)).status_code == 404
    assert (
        await feed.call("GET", f"/v1/users/{world.stranger}/posts", world.author)
    ).status_code == 404
    assert await feed.all_pages(world.stranger, "/v1/hashtags/makers/posts") == []
    assert await feed.all_pages(world.stranger, "/v1/feed") == []
    assert (await feed.call("GET", f"/v1/posts/{world.public}", world.stranger)).status_code == 404
    comments = await feed.ok("GET", f"/v1/posts/{world.public}/comments", world.author)
    assert comments["items"] == []  # the blocker's comment is hidden from the author
    assert (
        await feed.call("PUT", f"/v1/users/{world.author}/follow", world.stranger)
    ).status_code == 404
