"""Unread messages announced once per conversation, and the live stream's hub."""

import asyncio
from datetime import timedelta

from jobfriends_shared.contracts.messaging import MessagesWaiting
from jobfriends_shared.fakes import recorded
from messaging.stream import event_stream

from .conftest import ANA, BO, CEM, Messaging


async def _announce(messaging: Messaging) -> list[MessagesWaiting]:
    await messaging.consume_own()
    await messaging.bus.runtime.run_job("announce-waiting")
    return await recorded(messaging.db, MessagesWaiting)


async def test_unread_messages_are_announced_once_per_conversation(friends: Messaging) -> None:
    group = await friends.app.conversations.start_group(ANA, [BO, CEM], "Tribe")
    for text in ("Got the offer!!", "Starting in May", "Drinks on me"):
        await friends.send(ANA, group["id"], text)
    assert await _announce(friends) == []  # not yet: they may be reading along
    friends.clock.advance(timedelta(seconds=61))
    await friends.app.messages.mark_read(CEM, group["id"], None)  # Cem read in time
    waiting = await _announce(friends)
    assert [(w.recipient_id, w.unread, w.sender_ids) for w in waiting] == [(BO, 3, (ANA,))]
    for text in ("Also: thanks all", "You helped so much"):
        await friends.send(ANA, group["id"], text)
    friends.clock.advance(timedelta(minutes=5))
    assert len(await _announce(friends)) == 1 + 1  # Cem's new wait; Bo hears nothing more
    await friends.app.messages.mark_read(BO, group["id"], None)
    await friends.send(CEM, group["id"], "Congrats!")
    friends.clock.advance(timedelta(minutes=5))
    latest = (await _announce(friends))[-2:]
    assert sorted((w.recipient_id, w.unread) for w in latest) == [(ANA, 1), (BO, 1)]


async def test_a_twin_job_run_announces_nothing_twice(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    await friends.send(ANA, cid, "ping")
    await friends.consume_own()
    friends.clock.advance(timedelta(minutes=2))
    await friends.db["waiting"].update_many({}, {"$set": {"announced": False}})
    await friends.bus.runtime.run_job("announce-waiting")
    await friends.db["waiting"].update_many({}, {"$set": {"announced": False}})
    await friends.bus.runtime.run_job("announce-waiting")
    assert len(await recorded(friends.db, MessagesWaiting)) == 1


async def _frames(
    friends: Messaging, user_id: str, count: int
) -> tuple[list[str], asyncio.Task[None]]:
    """A stream opened for `user_id`, and a task collecting its next `count` frames."""
    app = friends.app

    async def load(ids: list[str]) -> dict[str, dict[str, object]]:
        return await app.messages.as_shown(ids)

    stream = event_stream(app.hub, user_id, load, keepalive=5, max_seconds=5)
    frames: list[str] = []
    frames.append((await anext(stream)).decode())  # connected: the listener is open

    async def collect() -> None:
        async for frame in stream:
            frames.append(frame.decode())
            if len(frames) > count:
                return

    return frames, asyncio.create_task(collect())


async def test_a_stream_hears_messages_edits_and_read_marks_with_their_text(
    friends: Messaging,
) -> None:
    cid = await friends.direct(ANA, BO)
    frames, done = await _frames(friends, BO, 3)
    await friends.send(ANA, cid, "Are you at the meetup?")
    await friends.app.messages.edit(ANA, cid, 1, "Are you at the #DesignHour meetup?")
    await friends.app.messages.mark_read(ANA, cid, None)  # nothing new: no event
    await friends.send(BO, cid, "Yes, second row")
    await asyncio.wait_for(done, 2)
    assert [f.split("\n")[0] for f in frames[1:]] == ["event: message"] * 3
    assert "#DesignHour" in frames[2] and "second row" in frames[3]


async def test_a_stream_hears_nothing_of_conversations_it_is_not_in(friends: Messaging) -> None:
    cid = await friends.direct(ANA, BO)
    frames, done = await _frames(friends, CEM, 1)
    await friends.send(ANA, cid, "private")
    await asyncio.sleep(0.05)
    assert frames[1:] == []
    done.cancel()
    assert friends.app.hub.delivered == 0
