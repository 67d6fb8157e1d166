"""A broadcast subscription (every instance hears every new message) on the real broker."""

from typing import Any

import pytest
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime
from jobfriends_shared.testing import wait_for

from .conftest import registered

pytestmark = pytest.mark.integration


async def test_what_is_sent_once_a_broadcast_says_it_hears_is_heard(
    runtime: Runtime, topics: str, raw_producer: Any
) -> None:
    heard: list[str] = []

    consumer = runtime.broadcast_consumer()

    @consumer.on(UserRegistered)
    async def hear(envelope: Envelope, _: Any) -> None:
        heard.append(str(envelope.id))

    runtime.broadcast(consumer)
    async with runtime.running():

        async def hearing() -> bool:
            return runtime.assigned("identity.users")

        await wait_for(hearing, interval=0.001, timeout=30)
        # Sent the moment it says so, on every partition (keys spread them).
        sent = [registered(n) for n in range(12)]
        for event in sent:
            await raw_producer.send(
                f"{topics}identity.users", event.to_bytes(), key=event.key.encode()
            )
        await raw_producer.flush()

        async def all_heard() -> bool:
            return len(heard) >= len(sent)

        await wait_for(all_heard, timeout=15)
    assert sorted(heard) == sorted(str(e.id) for e in sent)
