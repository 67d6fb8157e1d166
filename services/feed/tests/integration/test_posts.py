"""Publishing, reading, editing and deleting posts; what they announce; bad input."""

from __future__ import annotations

from typing import Any

from .conftest import Feed


async def test_a_post_is_published_parsed_and_announced(feed: Feed) -> None:
    ana = await feed.person("Ana", city="Berlin")
    ben = await feed.person("Ben")
    text = (
        f"Great #TeachChat tonight with @{ben}! Slides: https://example.org/slides#part-2. "
        "Not tags: C# and a#b; not a mention: ana@example.org"
    )
    created = await feed.ok("POST", "/v1/posts", ana, json={"text": text, "kind": "tip"})
    assert created["hashtags"] == ["teachchat"]
    assert created["mentions"] == [ben]
    assert created["links"] == ["https://example.org/slides#part-2"]
    assert created["author"]["display_name"] == "Ana"
    assert created["reactions"] == {} and created["comment_count"] == 0

    (event,) = await feed.events_of("post.created")
    assert event.payload["post_id"] == created["id"]
    assert event.payload["city"] == "Berlin"
    assert event.correlation_id == "test-corr"
    (mention,) = await feed.events_of("mention.created")
    assert mention.payload["mentioned_user_id"] == ben


async def test_a_help_request_announces_help_requested(feed: Feed) -> None:
    ana = await feed.person("Ana")
    body = {"text": "Anyone hiring #ux designers?", "kind": "help_request"}
    post = await feed.ok("POST", "/v1/posts", ana, json=body)
    (event,) = await feed.events_of("help_requested")
    assert event.payload == {
        "post_id": post["id"],
        "author_id": ana,
        "text": body["text"],
        "hashtags": ["ux"],
    }


async def test_mentions_of_people_who_cannot_see_the_post_are_not_made(feed: Feed) -> None:
    ana, friend, stranger = (
        await feed.person("Ana"),
        await feed.person("Fi"),
        await feed.person("S"),
    )
    await feed.connect(ana, friend)
    body = {"text": f"thanks @{friend} and @{stranger} and @nobody", "visibility": "connections"}
    post = await feed.ok("POST", "/v1/posts", ana, json=body)
    assert post["mentions"] == [friend]
    (mention,) = await feed.events_of("mention.created")
    assert mention.payload["mentioned_user_id"] == friend


async def test_only_the_author_edits_and_edits_announce_the_new_content(feed: Feed) -> None:
    ana, ben, cem = await feed.person("Ana"), await feed.person("Ben"), await feed.person("Cem")
    post_id = await feed.post(ana, f"hello @{ben}")
    other = await feed.call("PATCH", f"/v1/posts/{post_id}", ben, json={"text": "mine now"})
    assert other.status_code == 403
    assert other.json()["code"] == "not_author"

    edited = await feed.ok(
        "PATCH", f"/v1/posts/{post_id}", ana, json={"text": f"hello @{ben} and @{cem} #News"}
    )
    assert edited["hashtags"] == ["news"]
    assert edited["edited_at"] is not None
    (updated,) = await feed.events_of("post.updated")
    assert updated.payload["text"] == f"hello @{ben} and @{cem} #News"
    mentions = await feed.events_of("mention.created", 2)
    assert [m.payload["mentioned_user_id"] for m in mentions] == [ben, cem]  # ben told once


async def test_deleting_a_post_makes_it_gone_and_announces_it(feed: Feed) -> None:
    ana, ben = await feed.person("Ana"), await feed.person("Ben")
    post_id = await feed.post(ana, "short-lived")
    assert (await feed.call("DELETE", f"/v1/posts/{post_id}", ben)).status_code == 403
    assert (await feed.call("DELETE", f"/v1/posts/{post_id}", ana)).status_code == 204
    assert (await feed.call("GET", f"/v1/posts/{post_id}", ana)).status_code == 404
    assert (await feed.call("DELETE", f"/v1/posts/{post_id}", ana)).status_code == 404
    (deleted,) = await feed.events_of("post.deleted")
    assert deleted.payload == {"post_id": post_id, "author_id": ana}


BAD_POSTS: list[tuple[dict[str, Any], str]] = [
    ({"text": "x" * 3001}, "text_too_long"),
    ({"text": "   "}, "empty_text"),
    ({"text": "nul\x00byte"}, "invalid_text"),
    ({"text": "see http://user:pw@example.org"}, "invalid_link"),
    ({"text": "hi", "links": ["javascript:alert(1)"]}, "invalid_link"),
    ({"text": "hi", "links": ["https://localhost"]}, "invalid_link"),
    ({"text": "hi", "visibility": "group"}, "group_required"),
    ({"text": "hi", "group_id": "abc"}, "group_not_allowed"),
    ({"text": " ".join(f"#t{i}" for i in range(21))}, "too_many_hashtags"),
    ({"text": "hi", "kind": "advert"}, "invalid_request"),
    ({"text": "hi", "author_id": "someone-else"}, "invalid_request"),
    ({"text": {"$gt": ""}}, "invalid_request"),
    ({"text": "x" * 30_000}, "invalid_request"),
]


async def test_bad_posts_are_refused_with_a_clear_code(feed: Feed) -> None:
    ana = await feed.person("Ana")
    for body, code in BAD_POSTS:
        response = await feed.call("POST", "/v1/posts", ana, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == code, body
        assert response.json()["message"]
    assert await feed.all_pages(ana, f"/v1/users/{ana}/posts") == []


async def test_a_3000_character_post_with_emoji_is_fine(feed: Feed) -> None:
    ana = await feed.person("Ana")
    text = ("Designer 🎨 ŝ 日本 " * 200)[:3000]
    post = await feed.ok("POST", "/v1/posts", ana, json={"text": text})
    assert post["text"] == text.strip()


async def test_requests_must_come_through_the_gateway_and_be_signed_in(feed: Feed) -> None:
    response = await feed.client.post("/v1/posts", json={"text": "hi"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_gateway"
    anonymous = await feed.call("POST", "/v1/posts", None, json={"text": "hi"})
    assert anonymous.status_code == 401


async def test_posting_in_a_group_needs_membership(feed: Feed) -> None:
    ana, ben = await feed.person("Ana"), await feed.person("Ben")
    group = await feed.ok("POST", "/v1/groups", ana, json={"name": "Designers"})
    body = {"text": "hi", "visibility": "group", "group_id": group["id"]}
    assert (await feed.call("POST", "/v1/posts", ben, json=body)).status_code == 403
    missing = {**body, "group_id": "nope"}
    assert (await feed.call("POST", "/v1/posts", ana, json=missing)).status_code == 404
    assert (await feed.call("POST", "/v1/posts", ana, json=body)).status_code == 201
