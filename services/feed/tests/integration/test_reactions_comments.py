"""Emoji reactions (one per person, changeable, exact counts under concurrency) and comments
(one level of replies, edited and deleted by their authors)."""

from __future__ import annotations

import asyncio
from collections import Counter

from feed.domain.posts import EMOJIS

from .conftest import Feed


async def test_thirty_people_reacting_at_once_are_all_counted(feed: Feed) -> None:
    author = await feed.person("Author")
    post_id = await feed.post(author, "promoted today!", kind="milestone")
    people = [await feed.person(f"P{i}") for i in range(30)]
    chosen = {p: EMOJIS[i % len(EMOJIS)] for i, p in enumerate(people)}
    path = f"/v1/posts/{post_id}/reaction"
    responses = await asyncio.gather(
        *(feed.call("PUT", path, p, json={"emoji": e}) for p, e in chosen.items())
    )
    assert all(r.status_code == 200 for r in responses)
    post = await feed.ok("GET", f"/v1/posts/{post_id}", author)
    assert post["reactions"] == dict(Counter(chosen.values()))
    assert sum(post["reactions"].values()) == 30
    changed = await feed.events_of("reaction.changed", 30)
    assert len(changed) == 30


async def test_one_reaction_per_person_even_when_they_change_it_concurrently(feed: Feed) -> None:
    author, fan = await feed.person("Author"), await feed.person("Fan")
    post_id = await feed.post(author, "a tip")
    path = f"/v1/posts/{post_id}/reaction"
    await asyncio.gather(*(feed.call("PUT", path, fan, json={"emoji": e}) for e in EMOJIS * 3))
    post = await feed.ok("GET", f"/v1/posts/{post_id}", fan)
    assert sum(post["reactions"].values()) == 1
    assert post["my_reaction"] in EMOJIS


async def test_a_reaction_can_be_changed_and_removed_and_each_change_is_announced(
    feed: Feed,
) -> None:
    author, fan = await feed.person("Author"), await feed.person("Fan")
    post_id = await feed.post(author, "a tip")
    path = f"/v1/posts/{post_id}/reaction"
    first = await feed.ok("PUT", path, fan, json={"emoji": "like"})
    assert first == {"post_id": post_id, "my_reaction": "like", "reactions": {"like": 1}}
    await feed.ok("PUT", path, fan, json={"emoji": "like"})  # same again: nothing changes
    changed = await feed.ok("PUT", path, fan, json={"emoji": "celebrate"})
    assert changed["reactions"] == {"celebrate": 1}
    removed = await feed.ok("DELETE", path, fan)
    assert removed == {"post_id": post_id, "my_reaction": None, "reactions": {}}
    events = await feed.events_of("reaction.changed", 3)
    assert [(e.payload["emoji"], e.payload["previous"]) for e in events] == [
        ("like", None),
        ("celebrate", "like"),
        (None, "celebrate"),
    ]
    assert events[0].payload["post_author_id"] == author


async def test_unknown_emoji_is_refused(feed: Feed) -> None:
    author = await feed.person("Author")
    post_id = await feed.post(author, "hi")
    for body in ({"emoji": "thumbsdown"}, {"emoji": {"$ne": None}}, {}):
        response = await feed.call("PUT", f"/v1/posts/{post_id}/reaction", author, json=body)
        assert response.status_code == 422


async def test_comments_have_one_level_of_replies_and_counts(feed: Feed) -> None:
    author, ana, ben = await feed.person("Author"), await feed.person("Ana"), await feed.person("B")
    post_id = await feed.post(author, "I need advice", kind="question")
    path = f"/v1/posts/{post_id}/comments"
    top = await feed.ok("POST", path, ana, json={"text": f"ask @{ben}"})
    feed.clock.advance_seconds(1)
    reply = await feed.ok("POST", path, ben, json={"text": "sure", "parent_id": top["id"]})
    deeper = await feed.call("POST", path, author, json={"text": "x", "parent_id": reply["id"]})
    assert deeper.status_code == 422
    assert deeper.json()["code"] == "reply_too_deep"
    elsewhere = await feed.post(author, "another post")
    wrong_post = await feed.call(
        "POST", f"/v1/posts/{elsewhere}/comments", ana, json={"text": "x", "parent_id": top["id"]}
    )
    assert wrong_post.status_code == 404

    listed = await feed.ok("GET", path, author)
    assert [(c["id"], c["reply_count"]) for c in listed["items"]] == [(top["id"], 1)]
    replies = await feed.ok("GET", path, author, params={"parent_id": top["id"]})
    assert [c["id"] for c in replies["items"]] == [reply["id"]]
    post = await feed.ok("GET", f"/v1/posts/{post_id}", author)
    assert post["comment_count"] == 2

    added = await feed.events_of("comment.added", 2)
    assert added[1].payload["parent_author_id"] == ana
    assert added[1].payload["post_author_id"] == author
    (mention,) = await feed.events_of("mention.created")
    assert mention.payload["comment_id"] == top["id"]


async def test_comments_are_edited_by_their_author_and_deleted_with_their_replies(
    feed: Feed,
) -> None:
    author, ana, ben = await feed.person("Author"), await feed.person("Ana"), await feed.person("B")
    post_id = await feed.post(author, "thoughts?")
    path = f"/v1/posts/{post_id}/comments"
    top = await feed.ok("POST", path, ana, json={"text": "first"})
    await feed.ok("POST", path, ben, json={"text": "reply", "parent_id": top["id"]})
    one = f"{path}/{top['id']}"
    assert (await feed.call("PATCH", one, ben, json={"text": "hijack"})).status_code == 403
    edited = await feed.ok("PATCH", one, ana, json={"text": "first, edited"})
    assert edited["text"] == "first, edited" and edited["edited_at"] is not None
    assert (await feed.call("DELETE", one, ben)).status_code == 403
    assert (await feed.call("DELETE", one, author)).status_code == 204  # the post's author may
    assert (await feed.ok("GET", path, ana))["items"] == []
    assert (await feed.ok("GET", f"/v1/posts/{post_id}", ana))["comment_count"] == 0
    assert (await feed.call("PATCH", one, ana, json={"text": "again"})).status_code == 404


async def test_comment_pages_follow_each_other_oldest_first(feed: Feed) -> None:
    author = await feed.person("Author")
    post_id = await feed.post(author, "count with me")
    ids = []
    for i in range(5):
        feed.clock.advance_seconds(1)
        ids.append(
            (await feed.ok("POST", f"/v1/posts/{post_id}/comments", author, json={"text": str(i)}))[
                "id"
            ]
        )
    assert await feed.all_pages(author, f"/v1/posts/{post_id}/comments", limit=2) == ids
    bad = await feed.call("GET", f"/v1/posts/{post_id}/comments", author, params={"cursor": "!!"})
    assert bad.status_code == 422
