"""The stream generator and the hub, with a fake store."""

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from jobfriends_shared.errors import TooMany
from notifications.stream import KEEPALIVE, Hub, event_stream


class FakeStore:
    def __init__(self) -> None:
        self.items: list[tuple[int, dict[str, Any] | None]] = []

    async def fetch(
        self, after: int, _known: Mapping[int, Any] | None = None
    ) -> Sequence[tuple[int, dict[str, Any] | None]]:
        return [i for i in self.items if i[0] > after][:2]


async def _next(stream: Any) -> bytes:
    return bytes(await asyncio.wait_for(stream.__anext__(), 2))


async def test_the_stream_replays_after_the_given_id_then_delivers_when_woken() -> None:
    hub, store = Hub(per_person=3), FakeStore()
    store.items = [(1, {"n": 1}), (2, {"n": 2}), (3, None), (4, {"n": 4})]
    stream = event_stream(hub, "ana", 1, store.fetch, batch=2, keepalive=5, max_seconds=60)
    assert (await _next(stream)).startswith(b"retry:")
    assert await _next(stream) == b'id: 2\nevent: notification\ndata: {"n":2}\n\n'
    assert (await _next(stream)).startswith(b"id: 4\n")  # 3 had nothing to show
    pending = asyncio.ensure_future(_next(stream))
    await asyncio.sleep(0.05)
    assert not pending.done()
    store.items.append((5, {"n": 5}))
    hub.wake("ana")
    assert (await pending).startswith(b"id: 5\n")
    await stream.aclose()
    assert hub.connections == 0


async def test_an_idle_stream_sends_keep_alive_comments_and_ends_at_its_time_limit() -> None:
    hub, store = Hub(per_person=3), FakeStore()
    stream = event_stream(hub, "ana", 0, store.fetch, batch=2, keepalive=0.05, max_seconds=0.2)
    chunks = [chunk async for chunk in stream]
    assert chunks[0].startswith(b"retry:")
    assert chunks.count(KEEPALIVE) >= 2
    assert hub.connections == 0


async def test_a_person_may_hold_only_so_many_streams() -> None:
    hub = Hub(per_person=2)
    hub.open("ana")
    hub.open("ana")
    with pytest.raises(TooMany):
        hub.check_capacity("ana")
    hub.check_capacity("ben")


def test_waking_touches_only_that_persons_streams() -> None:
    hub = Hub(per_person=2)
    ana, ben = hub.open("ana"), hub.open("ben")
    hub.wake("ana")
    assert ana.signal.is_set() and not ben.signal.is_set()
    hub.close(ana)
    assert not hub.listening("ana") and hub.listening("ben")


async def test_a_stream_sends_what_this_instance_stored_without_reading_it_back() -> None:
    hub, reads = Hub(per_person=2), []

    async def fetch(
        after: int, known: Mapping[int, Any] | None
    ) -> Sequence[tuple[int, dict[str, Any] | None]]:
        reads.append(None if known is None else dict(known))
        return [(s, {"n": s}) for s in sorted(known or {}) if s > after]

    stream = event_stream(hub, "ana", 0, fetch, batch=5, keepalive=5, max_seconds=60)
    assert (await _next(stream)).startswith(b"retry:")
    pending = asyncio.ensure_future(_next(stream))
    await asyncio.sleep(0.05)
    assert reads == [None]  # a new stream reads the store
    hub.wake("ana", (1, {"_id": "n1"}))
    assert (await pending).startswith(b"id: 1\n")
    assert reads[1] == {1: {"_id": "n1"}}
    assert hub.handed("n1") and not hub.handed("n2")
    pending = asyncio.ensure_future(_next(stream))
    await asyncio.sleep(0.05)
    hub.wake("ana")  # stored elsewhere: only the store knows what
    await asyncio.sleep(0.05)
    assert reads[-1] is None
    pending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await pending
    await stream.aclose()
