"""The tribe: up to 30 connections, progress toward 15-30, and reciprocity from feed events."""

from __future__ import annotations

import asyncio
from typing import Any

from jobfriends_shared.contracts.feed import (
    CommentAdded,
    Emoji,
    HelpRequested,
    PostCreated,
    PostKind,
    PostVisibility,
    ReactionChanged,
)
from jobfriends_shared.contracts.matching import pair_id

from .conftest import KREUZBERG, START, Matching

UX = {"profession": "ux-designer", "city": "Berlin", "location": KREUZBERG}


async def tribe(matching: Matching, owner: str) -> dict[str, Any]:
    response = await matching.call("GET", "/v1/tribe", owner)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_connections_join_and_leave_the_tribe(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", **UX)
    ben = await matching.person("ben", "Ben", **UX)
    cleo = await matching.person("cleo", "Cleo", **UX)
    await matching.connect(ana, ben)

    empty = await tribe(matching, ana)
    assert empty["members"] == []
    assert empty["progress"]["status"] == "building"

    added = await matching.call("PUT", f"/v1/tribe/{ben}", ana)
    assert added.status_code == 200, added.text
    body = added.json()
    assert [m["user_id"] for m in body["members"]] == [ben]
    assert body["members"][0]["display_name"] == "Ben"
    assert body["progress"]["count"] == 1 and body["progress"]["percent"] == 7
    again = await matching.call("PUT", f"/v1/tribe/{ben}", ana)
    assert again.status_code == 200 and len(again.json()["members"]) == 1

    stranger = await matching.call("PUT", f"/v1/tribe/{cleo}", ana)
    assert (stranger.status_code, stranger.json()["code"]) == (409, "not_connected")
    me = await matching.call("PUT", f"/v1/tribe/{ana}", ana)
    assert me.status_code == 422

    assert (await matching.call("DELETE", f"/v1/tribe/{ben}", ana)).status_code == 204
    missing = await matching.call("DELETE", f"/v1/tribe/{ben}", ana)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_in_tribe")
    types = [e.type for e in await matching.published("matching.connections")]
    assert types.count("tribe.member_added") == 1
    assert types.count("tribe.member_removed") == 1


async def test_disconnecting_removes_each_from_the_others_tribe(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", **UX)
    ben = await matching.person("ben", "Ben", **UX)
    await matching.connect(ana, ben)
    await matching.call("PUT", f"/v1/tribe/{ben}", ana)
    await matching.call("PUT", f"/v1/tribe/{ana}", ben)
    assert (await matching.call("DELETE", f"/v1/connections/{ben}", ana)).status_code == 204
    assert (await tribe(matching, ana))["members"] == []
    assert (await tribe(matching, ben))["members"] == []
    types = [e.type for e in await matching.published("matching.connections")]
    assert types.count("tribe.member_removed") == 2


async def test_a_tribe_holds_at_most_30_even_when_adds_race(matching: Matching) -> None:
    owner = await matching.person("owner", "Owen", **UX)
    friends = [f"f{i:02}" for i in range(32)]
    # Connections as accepting requests would have stored them (faster than 32 handshakes).
    await matching.db["connections"].insert_many(
        [
            {"_id": pair_id(owner, f), "users": sorted((owner, f)), "since": START, "request_id": f}
            for f in friends
        ]
    )
    for friend in friends[:28]:
        response = await matching.call("PUT", f"/v1/tribe/{friend}", owner)
        assert response.status_code == 200
    racing = await asyncio.gather(
        *(matching.call("PUT", f"/v1/tribe/{f}", owner) for f in friends[28:])
    )
    codes = sorted(r.status_code for r in racing)
    assert codes == [200, 200, 409, 409]
    assert all(r.json()["code"] == "tribe_full" for r in racing if r.status_code == 409)
    body = await tribe(matching, owner)
    assert len(body["members"]) == 30
    assert body["progress"]["status"] == "full"
    added = await matching.published("matching.connections", "tribe.member_added")
    assert len(added) == 30


async def test_reciprocity_counts_support_on_help_requests_and_milestones(
    matching: Matching,
) -> None:
    ana = await matching.person("ana", "Ana", **UX)
    ben = await matching.person("ben", "Ben", **UX)
    await matching.connect(ana, ben)
    await matching.call("PUT", f"/v1/tribe/{ben}", ana)
    # Ben asks for help; Ana reacts and comments: support given (twice).
    await matching.feed(HelpRequested(post_id="help1", author_id=ben, text="Need a tester"))
    await matching.feed(
        ReactionChanged(post_id="help1", post_author_id=ben, user_id=ana, emoji=Emoji.support)
    )
    await matching.feed(
        CommentAdded(
            comment_id="c1", post_id="help1", post_author_id=ben, author_id=ana, text="Me!"
        )
    )
    # Ana announces a new job; Ben celebrates it: support received.
    await matching.feed(
        PostCreated(
            post_id="ms1",
            author_id=ana,
            kind=PostKind.milestone,
            text="New job!",
            visibility=PostVisibility.connections,
        )
    )
    await matching.feed(
        ReactionChanged(post_id="ms1", post_author_id=ana, user_id=ben, emoji=Emoji.celebrate)
    )
    # An ordinary post is contact, not support.
    await matching.feed(
        PostCreated(
            post_id="p1",
            author_id=ben,
            kind=PostKind.update,
            text="Coffee?",
            visibility=PostVisibility.public,
        )
    )
    await matching.feed(
        ReactionChanged(post_id="p1", post_author_id=ben, user_id=ana, emoji=Emoji.like)
    )

    body = await tribe(matching, ana)
    (member,) = body["members"]
    assert (member["support_given"], member["support_received"]) == (2, 1)
    assert body["reciprocity"] == {"support_given": 2, "support_received": 1, "balance": "balanced"}

    # Taking a reaction back takes the support back.
    await matching.feed(
        ReactionChanged(
            post_id="ms1", post_author_id=ana, user_id=ben, emoji=None, previous=Emoji.celebrate
        )
    )
    (member,) = (await tribe(matching, ana))["members"]
    assert member["support_received"] == 0
