"""Publishes committed outbox entries to Kafka, at least once, in commit order.

Fast path: units committed in this process arrive through `Outbox.ready` and are published at
once (no store read), then marked published per unit and their entries deleted (so the
recovery pass scans only what is left over, not every second's published entries). Recovery
path (its own task, so its scans never delay the fast path): every `recover_every` seconds,
committed entries older than `recover_after` (left by a crashed process, a failed publish or a
full hand-over queue) are read back and published. Two relays may publish the same entry;
consumers dedupe by event id, so that costs a message, never a double effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from jobfriends_shared.mongo import Document
from jobfriends_shared.observability import Metrics
from jobfriends_shared.outbox import COMMITTED, Outbox

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
        recover_every: float = 5.0,
        recover_after: timedelta = timedelta(seconds=10),
        stale_after: timedelta = timedelta(seconds=30),
        keep_published: timedelta = timedelta(days=3),
        housekeeping_every: float = 10.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics
        self._outbox = outbox
        self._send = send
        self._batch_size = batch_size
        self._recover_every = recover_every
        self._recover_after = recover_after
        self._stale_after = stale_after
        self._keep_published = keep_published
        self._housekeeping_every = housekeeping_every
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.failures = 0

    async def _publish(self, docs: Sequence[Document]) -> None:
        pending = []
        for doc in docs:
            headers = {
                **(doc.get("trace") or {}),
                "jf-type": doc["type"],
                "jf-version": str(doc["version"]),
            }
            if doc.get("correlation_id"):
                headers["correlation_id"] = doc["correlation_id"]
            pending.append(
                await self._send(doc["topic"], doc["key"].encode(), bytes(doc["value"]), headers)
            )
        await asyncio.gather(*pending)
        self.published += len(docs)
        if self._metrics is not None:
            for doc in docs:
                self._metrics.produced.labels(doc["topic"]).inc()

    def _take_ready(self) -> list[list[Document]]:
        units: list[list[Document]] = []
        size = 0
        while size < self._batch_size and not self._outbox.ready.empty():
            unit = self._outbox.ready.get_nowait()
            units.append(unit)
            size += len(unit)
        return units

    async def publish_ready(self, first: list[Document] | None = None) -> int:
        """The fast path: publish what this process committed; returns how many entries."""
        units = ([first] if first else []) + self._take_ready()
        if not units:
            return 0
        ids = [str(unit[0]["unit"]) for unit in units]
        try:
            await self._publish([doc for unit in units for doc in unit])
            # Both only follow the publish: either one done is enough for the recovery pass
            # not to publish them again (deleted, or recorded and then deleted by it).
            recorded, deleted = await asyncio.gather(
                self._outbox.record_published(ids),
                self._outbox.forget([str(doc["_id"]) for unit in units for doc in unit]),
                return_exceptions=True,
            )
        finally:
            # Failed: the recovery pass publishes them again.
            self._outbox.in_flight.difference_update(ids)
        if isinstance(deleted, BaseException):
            if isinstance(recorded, BaseException):
                raise recorded
            log.warning("outbox entries published but not deleted; recovery will", exc_info=deleted)
        return sum(len(unit) for unit in units)

    async def recover(self, older_than: timedelta | None = None) -> int:
        """The recovery pass over old committed entries: units recorded as published are
        deleted; the others are published whole, recorded, then deleted. Returns how many
        entries it settled."""
        cutoff = self._outbox.now() - (self._recover_after if older_than is None else older_than)
        docs = await self._outbox.committed_before(cutoff, self._batch_size)
        if not docs:
            return 0
        busy = self._outbox.in_flight
        docs = [d for d in docs if d["unit"] not in busy]
        if not docs:
            return 0
        units = list(dict.fromkeys(str(d["unit"]) for d in docs))
        done = await self._outbox.published_units(units)
        todo = [u for u in units if u not in done]
        settled = [str(d["_id"]) for d in docs if d["unit"] in done]
        if todo:
            # Whole units only: the scan's limit may have cut one in two.
            entries = [e for u in todo for e in await self._outbox.entries_of(u)]
            await self._publish([e for e in entries if e["state"] == COMMITTED])
            await self._outbox.record_published(todo)
            settled += [str(e["_id"]) for e in entries]
        await self._outbox.forget(settled)
        return len(docs)

    async def housekeeping(self) -> None:
        await self._outbox.sweep_stale(self._stale_after)
        await self._outbox.purge(self._keep_published)

    async def drain(self, timeout: float = 10.0) -> None:
        """Publish everything committed, in memory and in the store (shutdown, tests, benches)."""
        async with asyncio.timeout(timeout):
            while await self.publish_ready() or self._outbox.in_flight:
                if self._outbox.in_flight:
                    # Units the fast path took and the broker has not yet acknowledged.
                    await asyncio.sleep(0.005)
            while await self.recover(older_than=timedelta(0)):
                pass

    async def _fast_path(self) -> None:
        """Publishes what this process commits, as it commits it; never waits behind the
        store scans of the recovery pass and housekeeping (seconds on a large FerretDB
        collection), which run in their own task."""
        while True:
            try:
                await self.publish_ready(await self._outbox.ready.get())
            except asyncio.CancelledError:
                raise
            except Exception:
                # The entries stay committed in the store; the recovery path publishes them.
                self.failures += 1
                log.exception("outbox relay failed; recovery will retry")
                await asyncio.sleep(1.0)

    async def _slow_path(self) -> None:
        loop = asyncio.get_running_loop()
        next_housekeeping = loop.time()
        while True:
            try:
                now = loop.time()
                if now >= next_housekeeping:
                    await self.housekeeping()
                    next_housekeeping = now + self._housekeeping_every
                while await self.recover():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                self.failures += 1
                log.exception("outbox recovery failed; next pass retries")
            await asyncio.sleep(self._recover_every)

    async def _run(self) -> None:
        tasks = [
            asyncio.create_task(self._fast_path(), name="outbox-relay-fast"),
            asyncio.create_task(self._slow_path(), name="outbox-relay-recovery"),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

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
