"""Publishes committed outbox entries to Kafka, in order, at least once.

One relay runs in every instance of a service. Two relays may publish the same entry if they race;
consumers dedupe by event id, so that costs a message, never a double effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from jobfriends_shared.outbox import Outbox

log = logging.getLogger(__name__)

# (topic, key, value, headers) -> a future that resolves once the broker acknowledged the record
Send = Callable[[str, bytes, bytes, dict[str, str]], Awaitable[Awaitable[Any]]]


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        send: Send,
        *,
        batch_size: int = 500,
        idle_poll: float = 0.5,
        stale_after: timedelta = timedelta(seconds=30),
        keep_published: timedelta = timedelta(days=3),
        housekeeping_every: float = 10.0,
    ) -> None:
        self._outbox = outbox
        self._send = send
        self._batch_size = batch_size
        self._idle_poll = idle_poll
        self._stale_after = stale_after
        self._keep_published = keep_published
        self._housekeeping_every = housekeeping_every
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.failures = 0

    async def publish_once(self) -> int:
        """Publish one batch; returns how many entries it published."""
        batch = await self._outbox.next_batch(self._batch_size)
        if not batch:
            return 0
        pending = []
        for doc in batch:
            headers = {"jf-type": doc["type"], "jf-version": str(doc["version"])}
            if doc.get("correlation_id"):
                headers["correlation_id"] = doc["correlation_id"]
            pending.append(
                await self._send(doc["topic"], doc["key"].encode(), bytes(doc["value"]), headers)
            )
        await asyncio.gather(*pending)
        await self._outbox.mark_published([doc["_id"] for doc in batch])
        self.published += len(batch)
        return len(batch)

    async def housekeeping(self) -> None:
        await self._outbox.sweep_stale(self._stale_after)
        await self._outbox.purge_published(self._keep_published)

    async def drain(self, timeout: float = 10.0) -> None:
        """Publish until nothing committed is left (shutdown, tests, benchmarks)."""
        async with asyncio.timeout(timeout):
            while await self.publish_once():
                pass

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_housekeeping = loop.time()
        while True:
            try:
                if loop.time() >= next_housekeeping:
                    await self.housekeeping()
                    next_housekeeping = loop.time() + self._housekeeping_every
                # Clear before reading, so a commit that lands during the read still wakes us.
                self._outbox.wakeup.clear()
                if await self.publish_once():
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("outbox relay failed; retrying")
                await asyncio.sleep(1.0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wakeup.wait(), self._idle_poll)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.drain(timeout=5.0)
