"""The live stream over real HTTP: delivery, resume without gaps or duplicates, keep-alive,
several instances, limits."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from jobfriends_shared.contracts.feed import (
    Emoji,
    PostCreated,
    PostKind,
    PostVisibility,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import EndorsementAdded
from jobfriends_shared.testing import Endpoints, unique_name, wait_for
from jobfriends_shared.testing import test_secret as make_secret

from .conftest import Instance, instance, new_id, served, sse


@pytest.fixture
async def url(notif: Instance) -> AsyncIterator[str]:
    async with served(notif.app) as base:
        yield base


async def endorse(notif: Instance, user: str, endorser: str, skill: str) -> None:
    notif.clock.advance(timedelta(seconds=1))
    await notif.feed(EndorsementAdded(user_id=user, endorser_id=endorser, skill=skill))


async def test_a_connected_stream_receives_a_notification_as_soon_as_it_is_stored(
    notif: Instance, url: str
) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    await endorse(notif, ana, ben, "before")  # already there: not replayed without an id
    async with sse(url, notif.headers(ana)) as stream:
        await endorse(notif, ana, ben, "figma")
        event = await stream.next_event()
        data = json.loads(event["data"])
        assert event["event"] == "notification"
        assert event["id"] == str(data["seq"]) == "2"
        assert data["title"] == "Ben endorsed you for figma"
        assert data["read"] is False and data["alert"] is True


async def test_notifications_stored_at_once_for_one_person_arrive_in_order_each_once(
    notif: Instance, url: str
) -> None:
    """Stored concurrently, numbers can be taken in one order and finished in another; the
    stream still sends every number, in order, once."""
    ana = await notif.person("Ana")
    endorsers = [new_id() for _ in range(8)]
    async with sse(url, notif.headers(ana)) as stream:
        envelopes = [
            notif.event(EndorsementAdded(user_id=ana, endorser_id=e, skill="figma"))
            for e in endorsers
        ]
        await asyncio.gather(*(notif.deliver(e) for e in envelopes))
        events = [await stream.next_event() for _ in range(len(endorsers))]
    assert [e["id"] for e in events] == [str(n) for n in range(1, len(endorsers) + 1)]
    assert len({json.loads(e["data"])["id"] for e in events}) == len(endorsers)


async def test_reconnecting_with_the_last_id_resumes_without_gaps_or_duplicates(
    notif: Instance, url: str
) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    async with sse(url, notif.headers(ana)) as stream:
        for skill in ("a", "b"):
            await endorse(notif, ana, ben, skill)
        first = [await stream.next_event() for _ in range(2)]
    last_seen = first[-1]["id"]
    for skill in ("c", "d", "e"):
        await endorse(notif, ana, ben, skill)  # while disconnected
    headers = {**notif.headers(ana), "Last-Event-ID": last_seen}
    async with sse(url, headers) as stream:
        replayed = [await stream.next_event() for _ in range(3)]
        await endorse(notif, ana, ben, "f")
        live = await stream.next_event()
    skills = [json.loads(e["data"])["data"]["skill"] for e in [*first, *replayed, live]]
    assert skills == ["a", "b", "c", "d", "e", "f"]
    assert [int(e["id"]) for e in [*first, *replayed, live]] == [1, 2, 3, 4, 5, 6]
    async with sse(url, notif.headers(ana), last_event_id="4") as stream:  # query form
        assert [json.loads((await stream.next_event())["data"])["seq"] for _ in range(2)] == [5, 6]


async def test_a_growing_group_arrives_again_under_the_same_group(
    notif: Instance, url: str
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    post_id = new_id("p")
    await notif.feed(
        PostCreated(
            post_id=post_id,
            author_id=ana,
            kind=PostKind.tip,
            text="Tip",
            visibility=PostVisibility.public,
        )
    )
    async with sse(url, notif.headers(ana)) as stream:
        for fan in (ben, cara):
            notif.clock.advance(timedelta(seconds=1))
            await notif.feed(
                ReactionChanged(post_id=post_id, post_author_id=ana, user_id=fan, emoji=Emoji.like)
            )
        one, two = [json.loads((await stream.next_event())["data"]) for _ in range(2)]
    assert one["group"] == two["group"] and one["id"] != two["id"]
    assert two["title"] == "Cara and 1 other reacted 👍 to your post"
    assert [i["id"] for i in await notif.items(ana)] == [two["id"]]


async def test_bad_resume_ids_and_too_many_streams_are_refused(notif: Instance, url: str) -> None:
    ana = await notif.person("Ana")
    async with httpx.AsyncClient(base_url=url) as http:
        for bad in ("abc", "-1", "1" * 30):
            response = await http.get(
                "/v1/notifications/stream", headers={**notif.headers(ana), "Last-Event-ID": bad}
            )
            assert response.status_code == 422, bad
        response = await http.get("/v1/notifications/stream", headers=notif.headers())
        assert response.status_code == 401
    limit = notif.settings.streams_per_person
    listeners = [notif.n.hub.open(ana) for _ in range(limit)]
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.get("/v1/notifications/stream", headers=notif.headers(ana))
        assert response.status_code == 429
        assert response.json()["code"] == "too_many_streams"
    finally:
        for listener in listeners:
            notif.n.hub.close(listener)


async def test_an_idle_stream_sends_keep_alive_comments(infra: Endpoints) -> None:
    async with (
        instance(infra, stream_keepalive_seconds=0.2) as quick,
        served(quick.app) as base,
        sse(base, quick.headers(await quick.person("Ana"))) as stream,
    ):
        await stream.next_comment("keep-alive", timeout=5)


async def test_a_stream_on_one_instance_receives_what_another_instance_stored(
    infra: Endpoints,
) -> None:
    name, secret = unique_name("n"), make_secret()
    async with (
        instance(infra, name=name, secret=secret, drop=False) as a,
        # A long keep-alive: what arrives can only have come through the broadcast.
        instance(infra, name=name, secret=secret, stream_keepalive_seconds=120) as b,
        served(b.app) as url_b,
    ):
        ana, ben = await a.person("Ana"), await a.person("Ben")
        await wait_for(lambda: _true(b.n.broadcast_ready()))
        async with sse(url_b, b.headers(ana)) as stream:
            await a.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))
            assert not a.n.hub.listening(ana)  # A has nobody to tell directly
            event = await stream.next_event(timeout=15)
        assert json.loads(event["data"])["title"] == "Ben endorsed you for figma"
        woken = sum(n for (_, o), n in b.n.wake_consumer.stats.counts.items() if o == "applied")
        assert woken >= 1


async def _true(value: bool) -> bool:
    return value
