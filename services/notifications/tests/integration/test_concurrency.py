"""Concurrent writes on the real store: sequences stay dense, groups count everyone, caps hold
exactly, and a twin delivery never doubles a notification."""

import asyncio
from datetime import timedelta

from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.feed import (
    Emoji,
    PostCreated,
    PostKind,
    PostVisibility,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import EndorsementAdded

from .conftest import Instance, new_id


async def test_concurrent_notifications_for_one_person_take_dense_unique_seqs(
    notif: Instance,
) -> None:
    ana = await notif.person("Ana")
    endorsers = [new_id() for _ in range(12)]
    envelopes = [
        notif.event(EndorsementAdded(user_id=ana, endorser_id=e, skill="figma")) for e in endorsers
    ]
    outcomes = await asyncio.gather(*(notif.deliver(e) for e in envelopes))
    assert set(outcomes) == {Outcome.applied}
    docs = await notif.db["notifications"].find({"recipient_id": ana}).to_list(None)
    assert sorted(d["seq"] for d in docs) == list(range(1, 13))
    assert (await notif.inbox(ana))["unread_count"] == 12


async def _posts(notif: Instance, author: str, count: int) -> list[str]:
    ids = [new_id("p") for _ in range(count)]
    for post_id in ids:
        await notif.feed(
            PostCreated(
                post_id=post_id,
                author_id=author,
                kind=PostKind.update,
                text="Launch day",
                visibility=PostVisibility.public,
            )
        )
    return ids


async def test_concurrent_reactions_on_different_posts_make_one_group_per_post(
    notif: Instance,
) -> None:
    # Reactions to one post share its partition and arrive in order; those to different
    # posts arrive concurrently, and all of them land in one person's inbox.
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    posts = await _posts(notif, ana, 8)
    envelopes = [
        notif.event(
            ReactionChanged(post_id=p, post_author_id=ana, user_id=ben, emoji=Emoji.celebrate)
        )
        for p in posts
    ]
    await asyncio.gather(*(notif.deliver(e) for e in envelopes))
    items = await notif.items(ana)
    assert sorted(i["data"]["post_id"] for i in items) == sorted(posts)
    assert {i["title"] for i in items} == {"Ben reacted 🎉 to your post"}
    assert sorted(i["seq"] for i in items) == list(range(1, 9))


async def test_twin_deliveries_of_one_reaction_count_it_once(notif: Instance) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    (post_id,) = await _posts(notif, ana, 1)
    await notif.feed(
        ReactionChanged(post_id=post_id, post_author_id=ana, user_id=ben, emoji=Emoji.like)
    )
    notif.clock.advance(timedelta(seconds=1))
    twin = notif.event(
        ReactionChanged(post_id=post_id, post_author_id=ana, user_id=cara, emoji=Emoji.love)
    )
    await asyncio.gather(*(notif.deliver(twin) for _ in range(4)))
    (item,) = await notif.items(ana)
    assert item["title"] == "Cara and 1 other reacted ❤️ to your post"
    assert item["actor_count"] == 2


async def test_a_frequency_cap_holds_exactly_under_concurrent_deliveries(notif: Instance) -> None:
    ana = await notif.person("Ana")
    response = await notif.call(
        "PUT",
        "/v1/me/notification-settings",
        ana,
        json={"caps": {"endorsement_received": {"max": 3, "per": "day"}}},
    )
    assert response.status_code == 200
    envelopes = [
        notif.event(EndorsementAdded(user_id=ana, endorser_id=new_id(), skill="x"))
        for _ in range(10)
    ]
    await asyncio.gather(*(notif.deliver(e) for e in envelopes))
    assert len(await notif.items(ana)) == 3
    notif.clock.advance(timedelta(days=1, seconds=1))
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=new_id(), skill="y"))
    assert len(await notif.items(ana)) == 4


async def test_twin_deliveries_of_one_event_store_one_notification(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    envelope = notif.event(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))
    outcomes = await asyncio.gather(*(notif.deliver(envelope) for _ in range(5)))
    assert Outcome.applied in outcomes
    assert len(await notif.items(ana)) == 1
    assert await notif.db["notifications"].count_documents({"recipient_id": ana}) == 1
