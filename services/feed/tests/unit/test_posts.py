"""Posting, editing and deleting, who finds a post in their home timeline, and milestone posts
made from identity's events."""

from datetime import date

import pytest
from jobfriends_shared.contracts.feed import (
    Emoji,
    HelpRequested,
    MentionCreated,
    PostCreated,
    PostDeleted,
    PostUpdated,
)
from jobfriends_shared.contracts.identity import MilestoneKind, MilestoneRecorded
from jobfriends_shared.errors import Forbidden, Invalid, NotFound
from jobfriends_shared.fakes import recorded

from .conftest import Feed


async def test_a_post_is_stored_announced_and_reaches_connections(feed: Feed) -> None:
    for person in ("ana", "bo", "stranger"):
        await feed.person(person)
    await feed.connect("ana", "bo")
    post_id = await feed.post("ana", "Looking for #UXResearch partners, @bo?")
    shown = await feed.svc.reading.get("bo", post_id)
    assert (shown["author"]["display_name"], shown["hashtags"], shown["mentions"]) == (
        "Ana",
        ["uxresearch"],
        ["bo"],
    )
    (created,) = await recorded(feed.db, PostCreated)
    assert (created.post_id, created.author_id, created.mentions) == (post_id, "ana", ("bo",))
    assert [m.mentioned_user_id for m in await recorded(feed.db, MentionCreated)] == ["bo"]
    assert await feed.home("bo") == ["Looking for #UXResearch partners, @bo?"]
    assert await feed.home("ana") == ["Looking for #UXResearch partners, @bo?"]
    assert await feed.home("stranger") == []


async def test_connections_only_posts_stay_with_connections(feed: Feed) -> None:
    for person in ("ana", "bo", "cy"):
        await feed.person(person)
    await feed.connect("ana", "bo")
    await feed.svc.social.follow("cy", "ana")
    await feed.post("ana", "For my connections", visibility="connections")
    await feed.post("ana", "For everyone")
    assert await feed.home("bo") == ["For everyone", "For my connections"]
    assert await feed.home("cy") == ["For everyone"]
    posts, _ = await feed.svc.reading.by_author("cy", "ana", None, 10)
    assert [p["text"] for p in posts] == ["For everyone"]


async def test_a_help_request_is_announced_to_the_authors_tribe(feed: Feed) -> None:
    await feed.person("ana")
    post_id = await feed.post("ana", "Who can review my portfolio?", kind="help_request")
    assert [h.post_id for h in await recorded(feed.db, HelpRequested)] == [post_id]


async def test_only_the_author_edits_and_the_edit_is_announced(feed: Feed) -> None:
    await feed.person("ana")
    await feed.person("bo")
    post_id = await feed.post("ana", "First draft")
    edited = await feed.svc.posts.edit("ana", post_id, {"text": "Second draft #design"})
    assert (edited["text"], edited["hashtags"]) == ("Second draft #design", ["design"])
    assert edited["edited_at"] == feed.clock.now()
    assert [u.text for u in await recorded(feed.db, PostUpdated)] == ["Second draft #design"]
    await feed.svc.posts.edit("ana", post_id, {"text": "Second draft #design"})  # no change
    assert len(await recorded(feed.db, PostUpdated)) == 1
    with pytest.raises(Forbidden):
        await feed.svc.posts.edit("bo", post_id, {"text": "Mine now"})
    with pytest.raises(Invalid):
        await feed.svc.posts.edit("ana", post_id, {"visibility": "group"})


async def test_a_deleted_post_is_gone_from_every_timeline(feed: Feed) -> None:
    await feed.person("ana")
    await feed.person("bo")
    await feed.connect("ana", "bo")
    post_id = await feed.post("ana", "Soon gone")
    await feed.svc.reactions.react("bo", post_id, Emoji.like)
    await feed.svc.posts.delete("ana", post_id)
    await feed.settle()
    assert [d.post_id for d in await recorded(feed.db, PostDeleted)] == [post_id]
    assert await feed.home("bo") == []
    assert await feed.home("ana") == []
    with pytest.raises(NotFound):
        await feed.svc.reading.get("ana", post_id)
    with pytest.raises(NotFound):
        await feed.svc.reactions.react("bo", post_id, Emoji.love)


async def test_an_announced_milestone_becomes_one_post_for_connections(feed: Feed) -> None:
    await feed.person("ana")
    await feed.person("bo")
    await feed.connect("ana", "bo")
    milestone = MilestoneRecorded(
        user_id="ana",
        milestone_id="m1",
        kind=MilestoneKind.new_job,
        title="Product designer",
        organisation="Acme",
        on=date(2025, 6, 1),
    )
    await feed.hear(milestone)
    await feed.hear(milestone.model_copy())  # the same milestone announced twice
    await feed.hear(milestone.model_copy(update={"milestone_id": "m2", "announce": False}))
    await feed.settle()
    home = await feed.home("bo")
    assert len(home) == 1
    assert "Product designer" in home[0]


async def test_pages_of_the_home_timeline_hold_every_post_once(feed: Feed) -> None:
    await feed.person("ana")
    await feed.person("bo")
    await feed.connect("ana", "bo")
    for n in range(7):
        await feed.post("ana", f"Post {n}")
    assert await feed.home("bo", limit=3) == [f"Post {n}" for n in reversed(range(7))]
