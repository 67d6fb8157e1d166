"""Reactions and comments: one reaction per person, counts that add up, one level of replies,
and blocked people kept apart."""

import pytest
from jobfriends_shared.contracts.feed import CommentAdded, Emoji, ReactionChanged
from jobfriends_shared.contracts.identity import UserBlocked
from jobfriends_shared.errors import Forbidden, Invalid, NotFound
from jobfriends_shared.fakes import recorded

from .conftest import Feed


async def test_each_person_has_one_reaction_and_counts_follow(feed: Feed) -> None:
    for person in ("ana", "bo", "cy"):
        await feed.person(person)
    post_id = await feed.post("ana", "Shipped the redesign")
    await feed.svc.reactions.react("bo", post_id, Emoji.like)
    await feed.svc.reactions.react("cy", post_id, Emoji.like)
    changed = await feed.svc.reactions.react("bo", post_id, Emoji.celebrate)
    assert changed == {
        "post_id": post_id,
        "my_reaction": "celebrate",
        "reactions": {"like": 1, "celebrate": 1},
    }
    await feed.svc.reactions.react("bo", post_id, Emoji.celebrate)  # the same again: nothing
    cleared = await feed.svc.reactions.react("cy", post_id, None)
    assert cleared["reactions"] == {"celebrate": 1}
    shown = await feed.svc.reading.get("bo", post_id)
    assert (shown["reactions"], shown["my_reaction"]) == ({"celebrate": 1}, "celebrate")
    history = [(r.user_id, r.emoji, r.previous) for r in await recorded(feed.db, ReactionChanged)]
    assert history == [
        ("bo", Emoji.like, None),
        ("cy", Emoji.like, None),
        ("bo", Emoji.celebrate, Emoji.like),
        ("cy", None, Emoji.like),
    ]


async def test_comments_and_one_level_of_replies(feed: Feed) -> None:
    for person in ("ana", "bo", "cy"):
        await feed.person(person)
    post_id = await feed.post("ana", "What tools do you use for research?")
    first = await feed.svc.reactions.add_comment("bo", post_id, "Dovetail", None)
    reply = await feed.svc.reactions.add_comment("cy", post_id, "Same here", first["id"])
    with pytest.raises(Invalid) as deep:
        await feed.svc.reactions.add_comment("ana", post_id, "Too deep", reply["id"])
    assert deep.value.code == "reply_too_deep"
    top, _ = await feed.svc.reactions.comments("ana", post_id, None, None, 10)
    assert [c["text"] for c in top] == ["Dovetail"]
    replies, _ = await feed.svc.reactions.comments("ana", post_id, first["id"], None, 10)
    assert [c["text"] for c in replies] == ["Same here"]
    assert (await feed.svc.reading.get("ana", post_id))["comment_count"] == 2
    added = await recorded(feed.db, CommentAdded)
    assert [(c.author_id, c.parent_author_id) for c in added] == [("bo", None), ("cy", "bo")]


async def test_a_comment_is_edited_by_its_author_and_deleted_with_its_replies(
    feed: Feed,
) -> None:
    for person in ("ana", "bo", "cy"):
        await feed.person(person)
    post_id = await feed.post("ana", "Feedback welcome")
    first = await feed.svc.reactions.add_comment("bo", post_id, "Nice", None)
    await feed.svc.reactions.add_comment("cy", post_id, "Agreed", first["id"])
    edited = await feed.svc.reactions.edit_comment("bo", post_id, first["id"], "Very nice")
    assert edited["text"] == "Very nice"
    with pytest.raises(Forbidden):
        await feed.svc.reactions.edit_comment("cy", post_id, first["id"], "Mine")
    await feed.svc.reactions.delete_comment("bo", post_id, first["id"])
    top, _ = await feed.svc.reactions.comments("ana", post_id, None, None, 10)
    assert top == []
    assert (await feed.svc.reading.get("ana", post_id))["comment_count"] == 0


async def test_blocked_people_cannot_see_or_touch_each_others_posts(feed: Feed) -> None:
    for person in ("ana", "bo"):
        await feed.person(person)
    await feed.connect("ana", "bo")
    post_id = await feed.post("ana", "Hello network")
    await feed.hear(UserBlocked(blocker_id="ana", blocked_id="bo"))
    with pytest.raises(NotFound):
        await feed.svc.reading.get("bo", post_id)
    with pytest.raises(NotFound):
        await feed.svc.reactions.react("bo", post_id, Emoji.like)
    with pytest.raises(NotFound):
        await feed.svc.reactions.add_comment("bo", post_id, "Hi", None)
    assert await feed.home("bo") == []
