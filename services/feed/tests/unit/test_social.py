"""Following people and hashtags, trending hashtags, feed settings, and a deleted account."""

import pytest
from jobfriends_shared.contracts.feed import (
    HashtagFollowed,
    PostDeleted,
    UserFollowed,
    UserUnfollowed,
)
from jobfriends_shared.contracts.identity import MilestoneKind, MilestoneRecorded, UserDeleted
from jobfriends_shared.errors import Invalid, NotFound
from jobfriends_shared.fakes import recorded

from .conftest import Feed


async def test_following_brings_recent_public_posts_and_unfollowing_takes_them(
    feed: Feed,
) -> None:
    for person in ("ana", "bo"):
        await feed.person(person)
    await feed.post("ana", "Before the follow")
    await feed.post("ana", "Only for connections", visibility="connections")
    assert await feed.svc.social.follow("bo", "ana") is True
    assert await feed.svc.social.follow("bo", "ana") is False  # already following
    await feed.post("ana", "After the follow")
    assert await feed.home("bo") == ["After the follow", "Before the follow"]
    assert await feed.svc.social.unfollow("bo", "ana") is True
    assert await feed.home("bo") == []
    assert [e.followed_id for e in await recorded(feed.db, UserFollowed)] == ["ana"]
    assert [e.followed_id for e in await recorded(feed.db, UserUnfollowed)] == ["ana"]
    with pytest.raises(Invalid):
        await feed.svc.social.follow("bo", "bo")
    with pytest.raises(NotFound):
        await feed.svc.social.follow("bo", "nobody")


async def test_followed_hashtags_bring_public_posts_that_use_them(feed: Feed) -> None:
    for person in ("ana", "bo"):
        await feed.person(person)
    await feed.post("ana", "Old #Figma tip")
    assert await feed.svc.social.follow_hashtag("bo", "#figma") is True
    await feed.post("ana", "Another #figma trick")
    await feed.post("ana", "Untagged news")
    await feed.post("ana", "Private #figma note", visibility="connections")
    assert await feed.home("bo") == ["Another #figma trick", "Old #Figma tip"]
    assert [e.hashtag for e in await recorded(feed.db, HashtagFollowed)] == ["figma"]
    await feed.svc.social.unfollow_hashtag("bo", "figma")
    await feed.post("ana", "Latest #figma news")
    assert "Latest #figma news" not in await feed.home("bo")


async def test_trending_counts_recent_public_hashtags_in_a_city(feed: Feed) -> None:
    await feed.person("ana", city="Berlin")
    await feed.person("bo", city="Hamburg")
    for text in ("#ux and #figma", "#ux again", "more #ux"):
        await feed.post("ana", text)
    await feed.post("bo", "#figma in Hamburg")
    city, tags = await feed.svc.reading.trending("ana", None, 10)
    assert (city, tags) == ("Berlin", [("ux", 3), ("figma", 1)])
    _, everywhere = await feed.svc.reading.trending("ana", "Hamburg", 10)
    assert everywhere == [("figma", 1)]


async def test_milestone_posts_can_be_switched_off(feed: Feed) -> None:
    await feed.person("ana")
    assert await feed.svc.social.settings("ana") == {"auto_milestone_posts": True}
    await feed.svc.social.save_settings("ana", {"auto_milestone_posts": False})
    await feed.hear(
        MilestoneRecorded(
            user_id="ana",
            milestone_id="m1",
            kind=MilestoneKind.promotion,
            title="Lead",
            on=feed.clock.now().date(),
        )
    )
    await feed.settle()
    assert await feed.home("ana") == []


async def test_a_deleted_account_takes_its_posts_and_traces_along(feed: Feed) -> None:
    for person in ("gone", "bo"):
        await feed.person(person)
    await feed.connect("gone", "bo")
    theirs = await feed.post("gone", "Soon erased")
    mine = await feed.post("bo", "Still here")
    await feed.svc.reactions.add_comment("gone", mine, "A comment", None)
    await feed.hear(UserDeleted(user_id="gone"))
    await feed.settle()
    assert await feed.home("bo") == ["Still here"]
    assert (await feed.svc.reading.get("bo", mine))["comment_count"] == 0
    assert [d.post_id for d in await recorded(feed.db, PostDeleted)] == [theirs]
    with pytest.raises(NotFound):
        await feed.svc.reading.by_author("bo", "gone", None, 10)
    await feed.hear(UserDeleted(user_id="gone"))  # erasure again: harmless
