"""What the feed does with other services' events (cards, milestones, erasure, connections),
idempotently; follows and settings; trending hashtags."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from feed.domain.posts import milestone_post_id
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.identity import (
    MilestoneKind,
    MilestoneRecorded,
    ProfileSnapshot,
    ProfileUpdated,
    UserDeleted,
    UserRegistered,
)
from jobfriends_shared.contracts.matching import ConnectionAccepted
from jobfriends_shared.testing import wait_for

from .conftest import Feed


def milestone(user_id: str, milestone_id: str, announce: bool = True) -> MilestoneRecorded:
    return MilestoneRecorded(
        user_id=user_id,
        milestone_id=milestone_id,
        kind=MilestoneKind.promotion,
        title="Lead designer",
        organisation="Acme",
        on=date(2026, 11, 1),
        announce=announce,
    )


async def test_author_cards_follow_profile_updates(feed: Feed) -> None:
    ana = await feed.person("Ana")
    post_id = await feed.post(ana, "hello")
    profile = ProfileSnapshot(
        display_name="Ana López", headline="UX lead", profession="ux-designer", city="Berlin"
    )
    await feed.deliver(ProfileUpdated(user_id=ana, changed=("display_name",), profile=profile))
    author = (await feed.ok("GET", f"/v1/posts/{post_id}", ana))["author"]
    assert author == {
        "id": ana,
        "display_name": "Ana López",
        "headline": "UX lead",
        "profession": "ux-designer",
        "city": "Berlin",
    }


async def test_cards_changed_in_one_batch_show_the_latest_and_spare_the_erased(
    feed: Feed,
) -> None:
    ana, ben = await feed.person("Ana"), await feed.person("Ben")
    post_id = await feed.post(ana, "hello")
    await feed.deliver(UserDeleted(user_id=ben))

    def profile(user_id: str, name: str) -> ProfileUpdated:
        return ProfileUpdated(
            user_id=user_id, changed=("display_name",), profile=ProfileSnapshot(display_name=name)
        )

    outcomes = await feed.deliver_together(
        feed.envelope(profile(ana, "Ana draft")),
        feed.envelope(profile(ben, "Ben again")),
        feed.envelope(profile(ana, "Ana López")),
    )
    assert outcomes == [Outcome.applied] * 3
    author = (await feed.ok("GET", f"/v1/posts/{post_id}", ana))["author"]
    assert author["display_name"] == "Ana López"
    assert (await feed.db["authors"].find_one({"_id": ben}) or {}).get("deleted") is True


async def test_events_arrive_from_kafka(feed: Feed) -> None:
    """The consumer is wired to the real topics (not only called directly)."""
    user_id = uuid.uuid4().hex
    envelope = feed.envelope(UserRegistered(user_id=user_id, email="a@x.org", display_name="Kim"))
    runtime = feed.app.state.runtime
    await runtime.broker.publish(
        envelope.to_bytes(), f"{runtime.prefix}identity.users", key=user_id.encode()
    )

    async def card() -> object:
        return await feed.service.repo.social.author(user_id)

    assert (await wait_for(card, timeout=30))["display_name"] == "Kim"  # type: ignore[index]


async def test_the_same_event_delivered_twice_is_applied_once(feed: Feed) -> None:
    me, friend = await feed.person("Me"), await feed.person("Friend")
    await feed.post(friend, "old post")
    envelope = feed.envelope(
        ConnectionAccepted(pair_id="p", from_user_id=me, to_user_id=friend, request_id="r")
    )
    assert await feed.deliver(envelope) == Outcome.applied
    assert await feed.deliver(envelope) == Outcome.duplicate
    await feed.connect(me, friend)  # the same fact again, as a new event
    assert len(await feed.home(me)) == 1


async def test_an_announced_milestone_becomes_one_connections_post(feed: Feed) -> None:
    ana, friend, stranger = [await feed.person(n) for n in ("Ana", "Fi", "S")]
    await feed.connect(ana, friend)
    mid = uuid.uuid4().hex
    await feed.deliver(milestone(ana, mid))
    await feed.deliver(milestone(ana, mid))  # redelivered with a new event id
    post_id = milestone_post_id(mid)
    await feed.settled(post_id)  # fanned out by the consumer of its post.created
    home = await feed.ok("GET", "/v1/feed", friend)
    assert [p["id"] for p in home["items"]] == [post_id]
    post = home["items"][0]
    assert post["kind"] == "milestone" and post["visibility"] == "connections"
    assert "Lead designer" in post["text"] and "Acme" in post["text"]
    assert (await feed.call("GET", f"/v1/posts/{post_id}", stranger)).status_code == 404
    created = await feed.events_of("post.created")
    assert [e.payload["post_id"] for e in created] == [post_id]
    # deleted by its author, a late redelivery does not bring it back
    await feed.ok("DELETE", f"/v1/posts/{post_id}", ana)
    await feed.deliver(milestone(ana, mid))
    assert await feed.home(friend) == []


async def test_milestones_are_not_posted_when_unannounced_or_switched_off(feed: Feed) -> None:
    ana = await feed.person("Ana")
    await feed.deliver(milestone(ana, uuid.uuid4().hex, announce=False))
    assert (await feed.ok("GET", "/v1/feed/settings", ana)) == {"auto_milestone_posts": True}
    off = await feed.ok("PUT", "/v1/feed/settings", ana, json={"auto_milestone_posts": False})
    assert off == {"auto_milestone_posts": False}
    await feed.deliver(milestone(ana, uuid.uuid4().hex))
    assert await feed.home(ana) == []
    bad = await feed.call("PUT", "/v1/feed/settings", ana, json={"auto_milestone_posts": "nah"})
    assert bad.status_code == 422


async def test_a_deleted_account_is_erased_everywhere(feed: Feed) -> None:
    gone, ana, ben = await feed.person("Gone"), await feed.person("Ana"), await feed.person("Ben")
    await feed.connect(gone, ana)
    group = await feed.ok("POST", "/v1/groups", gone, json={"name": "G"})
    await feed.ok("PUT", f"/v1/groups/{group['id']}/membership", ben)
    await feed.ok("PUT", f"/v1/users/{ana}/follow", gone)
    await feed.ok("PUT", "/v1/hashtags/ux/follow", gone)
    their_post = await feed.post(gone, "hello friends")
    anas_post = await feed.post(ana, "hello from ana")
    await feed.ok("PUT", f"/v1/posts/{anas_post}/reaction", gone, json={"emoji": "love"})
    comment = await feed.ok("POST", f"/v1/posts/{anas_post}/comments", gone, json={"text": "hi"})
    await feed.ok(
        "POST",
        f"/v1/posts/{anas_post}/comments",
        ben,
        json={"text": "reply", "parent_id": comment["id"]},
    )
    await feed.ok("PUT", f"/v1/posts/{their_post}/reaction", ana, json={"emoji": "like"})

    for _ in range(2):  # erasure is safe to repeat
        await feed.deliver(UserDeleted(user_id=gone))

    assert await feed.home(ana) == [anas_post]
    post = await feed.ok("GET", f"/v1/posts/{anas_post}", ana)
    assert post["reactions"] == {} and post["comment_count"] == 0
    db = feed.db
    for coll, query in (
        ("posts", {"author_id": gone}),
        ("reactions", {"user_id": gone}),
        ("reactions", {"post_id": their_post}),
        ("comments", {"author_id": gone}),
        ("follows", {"follower_id": gone}),
        ("hashtag_follows", {"user_id": gone}),
        ("memberships", {"user_id": gone}),
        ("connections", {"users": gone}),
    ):
        assert await db[coll].count_documents(query) == 0, coll
    tl = feed.service.repo.timeline
    assert await tl.entries(gone, None, 10) == []
    # the group keeps a moderator
    assert (await feed.ok("GET", f"/v1/groups/{group['id']}", ben))["my_role"] == "moderator"
    # a late profile update does not bring the person back
    await feed.deliver(
        ProfileUpdated(user_id=gone, changed=("city",), profile=ProfileSnapshot(display_name="G"))
    )
    assert await feed.service.repo.social.author(gone) is None
    assert (await feed.call("GET", f"/v1/users/{gone}/posts", ana)).status_code == 404
    deleted = await feed.events_of("post.deleted")
    assert [e.payload for e in deleted] == [{"post_id": their_post, "author_id": gone}]


async def test_follows_are_announced_once_and_refused_when_they_make_no_sense(
    feed: Feed,
) -> None:
    ana, ben = await feed.person("Ana"), await feed.person("Ben")
    for _ in range(2):
        assert (await feed.call("PUT", f"/v1/users/{ben}/follow", ana)).status_code == 204
        assert (await feed.call("PUT", "/v1/hashtags/DesignHour/follow", ana)).status_code == 204
    for _ in range(2):
        assert (await feed.call("DELETE", f"/v1/users/{ben}/follow", ana)).status_code == 204
        assert (await feed.call("DELETE", "/v1/hashtags/designhour/follow", ana)).status_code == 204
    types = [e.type for e in await feed.events("feed.social")]
    assert sorted(types) == sorted(
        ["user.followed", "hashtag.followed", "user.unfollowed", "hashtag.unfollowed"]
    )
    (followed,) = [e for e in await feed.events("feed.social") if e.type == "hashtag.followed"]
    assert followed.payload == {"user_id": ana, "hashtag": "designhour"}

    self_follow = await feed.call("PUT", f"/v1/users/{ana}/follow", ana)
    assert self_follow.status_code == 422 and self_follow.json()["code"] == "cannot_follow_self"
    assert (await feed.call("PUT", "/v1/users/nobody/follow", ana)).status_code == 404
    for tag in ("123", "no-dashes", "x" * 61):
        assert (await feed.call("PUT", f"/v1/hashtags/{tag}/follow", ana)).status_code == 422


async def test_trending_counts_public_hashtags_in_the_callers_city_over_a_day(feed: Feed) -> None:
    berliner = await feed.person("B", city="Berlin")
    other = await feed.person("B2", city=" berlin")
    parisian = await feed.person("P", city="Paris")
    await feed.post(berliner, "old #stale")
    feed.clock.advance(timedelta(hours=25))
    await feed.post(berliner, "#TeachChat tonight #ux")
    await feed.post(other, "loving #teachchat")
    await feed.post(other, "private #secret", visibility="connections")
    await feed.post(parisian, "#paris #ux")

    trending = await feed.ok("GET", "/v1/hashtags/trending", berliner)
    assert trending["city"] == "Berlin"
    assert trending["items"] == [
        {"hashtag": "teachchat", "posts": 2},
        {"hashtag": "ux", "posts": 1},
    ]
    paris = await feed.ok("GET", "/v1/hashtags/trending", berliner, params={"city": "Paris"})
    assert [i["hashtag"] for i in paris["items"]] == ["paris", "ux"]
    nowhere = await feed.person("N")
    everywhere = await feed.ok("GET", "/v1/hashtags/trending", nowhere, params={"limit": 2})
    assert everywhere["city"] is None
    assert everywhere["items"] == [
        {"hashtag": "teachchat", "posts": 2},
        {"hashtag": "ux", "posts": 2},
    ]
