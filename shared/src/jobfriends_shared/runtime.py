"""What one service instance holds open, and the FastAPI app around it.

Each service's `main.py` builds a `Runtime`, registers its consumers and routers, and hands the
result to uvicorn; nothing connects at import time, so tests build as many isolated instances as
they like.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter, FastAPI
from faststream.specification import AsyncAPI

from jobfriends_shared.clock import Clock, SystemClock
from jobfriends_shared.consumer import PROCESSED, EventConsumer
from jobfriends_shared.contracts import CATALOGUE, Payload, build_event, contract_for
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.expiry import Expiries
from jobfriends_shared.http import Check, health_router, install_error_handlers
from jobfriends_shared.kafka import consumer_lag, ensure_topics, make_broker, send, subscribe
from jobfriends_shared.mongo import mongo_client, ping
from jobfriends_shared.observability import (
    Metrics,
    configure_logging,
    configure_tracing,
    instrument,
)
from jobfriends_shared.outbox import Outbox
from jobfriends_shared.relay import OutboxRelay
from jobfriends_shared.settings import ServiceSettings
from jobfriends_shared.topics import TOPICS, physical_name

log = logging.getLogger(__name__)

EXPIRE_EVERY_SECONDS = 3600.0  # how often expired documents are deleted where the store cannot


class Runtime:
    def __init__(self, name: str, settings: ServiceSettings, clock: Clock | None = None) -> None:
        self.name = name
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        infra = settings.infra
        self.prefix = infra.topic_prefix
        self.instance = settings.instance_id or f"{name}-{os.getpid()}"
        self.client = mongo_client(infra.mongodb_url, app_name=name)
        self.db = self.client[settings.database]
        self.broker = make_broker(
            infra.kafka_bootstrap_servers, client_id=self.instance, linger_ms=infra.kafka_linger_ms
        )
        self.metrics = Metrics()
        self.outbox = Outbox(self.db, self.clock, self.prefix)
        self.relay = OutboxRelay(
            self.outbox,
            partial(send, self.broker),
            batch_size=settings.relay_batch,
            recover_every=settings.relay_recover_every_seconds,
            metrics=self.metrics,
        )
        self.consumer = EventConsumer(
            self.db,
            self.clock,
            self._dead_letter,
            metrics=self.metrics,
            workers=settings.consumer_workers,
        )
        self._consumed_topics: list[str] = []
        self._startup: list[Callable[[], Awaitable[None]]] = []
        self._signals: set[asyncio.Task[None]] = set()
        # Broadcast topics whose start positions are fixed, and the checks under way.
        self._positioned: set[str] = set()
        self._positioning: dict[str, asyncio.Task[None]] = {}
        self.jobs: dict[str, tuple[float, Callable[[], Awaitable[Any]]]] = {}
        self.run_jobs = settings.run_jobs
        self.expiries = Expiries(self.db, self.clock)
        # Processed markers only need to outlive redeliveries.
        self.expire(PROCESSED, "processed_at", after=timedelta(days=14))
        self.fetch_max_wait_ms = settings.fetch_max_wait_ms or infra.kafka_fetch_max_wait_ms

    async def _dead_letter(
        self, topic_name: str, key: bytes | None, value: bytes, headers: dict[str, str]
    ) -> None:
        await (await send(self.broker, topic_name, key, value, headers))

    def consume(self, consumer: EventConsumer | None = None) -> None:
        """Subscribe the consumer (with its handlers already registered) to the topics its
        handlers' events travel on; the service's instances share the partitions through one
        consumer group per topic."""
        consumer = consumer or self.consumer
        topic_names = list(consumer.topics)
        self._consumed_topics += topic_names
        subscribe(
            self.broker,
            consumer,
            topic_names=topic_names,
            group_id=f"{self.prefix}{self.name}",
            prefix=self.prefix,
            batch=self.settings.consumer_batch,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
        )

    def broadcast(self, consumer: EventConsumer) -> None:
        """Every instance receives every new message of the consumer's topics (a consumer group
        of its own), e.g. to push notifications to the clients connected to this instance.
        `consumer` should be a separate `EventConsumer` whose handlers only touch this
        instance's memory (`broadcast_consumer`)."""
        subscribe(
            self.broker,
            consumer,
            topic_names=list(consumer.topics),
            group_id=f"{self.prefix}{self.name}.{self.instance}.{uuid.uuid4().hex[:8]}",
            prefix=self.prefix,
            from_start=False,
            batch=self.settings.consumer_batch,
            fetch_max_wait_ms=self.fetch_max_wait_ms,
        )

    def broadcast_consumer(self) -> EventConsumer:
        """A consumer for `broadcast`: no dedupe (a processed marker in the shared store would
        hide the message from every other instance), one attempt and no dead letters (its
        handlers only touch this instance's memory; a failure there is not the message's)."""
        return EventConsumer(self.db, self.clock, _no_dead_letters, attempts=1, dedupe=False)

    def assigned(self, topic_name: str) -> bool:
        """Whether this instance's subscription to the topic hears from now on: a broadcast
        subscription hears nothing sent before, so what depends on hearing everything waits
        for this (readiness, caches, tests).

        Having partitions is not enough: a subscription that starts at the end fixes where
        that is at its first fetch, and what is sent in between is skipped. So this is true
        only once every assigned partition's position is resolved (checked in the background
        after an assignment; false until then, and again while nothing is assigned)."""
        physical = physical_name(topic_name, self.prefix)
        for subscriber in self.broker.subscribers:
            names = {str(getattr(t, "name", t)) for t in getattr(subscriber, "topics", ())}
            if physical in names:
                consumer = getattr(subscriber, "consumer", None)
                if consumer is None or not consumer.assignment():
                    self._positioned.discard(physical)  # a new assignment starts afresh
                    return False
                if physical in self._positioned:
                    return True
                if physical not in self._positioning:
                    self._positioning[physical] = asyncio.create_task(
                        self._resolve_positions(physical, consumer)
                    )
                return False
        return False

    async def _resolve_positions(self, physical: str, consumer: Any) -> None:
        try:
            for partition in consumer.assignment():
                await consumer.position(partition)
        except Exception:
            log.warning("start positions of %s not resolved; asking again", physical, exc_info=True)
        else:
            self._positioned.add(physical)
        finally:
            self._positioning.pop(physical, None)

    def signal(self, payload: Payload) -> None:
        """Publish an event at once, without the outbox, and without making the caller wait.

        For signals whose loss is harmless because every receiver has a fallback (a cache
        invalidation backed by an expiry), where the outbox's store writes would cost more than
        the signal saves. A send that fails is logged and dropped."""
        envelope = build_event(payload, producer=self.name, occurred_at=self.clock.now())
        spec = contract_for(envelope.type, envelope.version)
        headers = {"jf-type": envelope.type, "jf-version": str(envelope.version)}
        record = (
            physical_name(spec.topic, self.prefix),
            str(getattr(payload, spec.key_field)).encode(),
            envelope.to_bytes(),
            headers,
        )
        task = asyncio.create_task(self._send_signal(*record))
        self._signals.add(task)
        task.add_done_callback(self._signals.discard)

    async def _send_signal(
        self, topic_name: str, key: bytes, value: bytes, headers: dict[str, str]
    ) -> None:
        try:
            await (await send(self.broker, topic_name, key, value, headers))
        except Exception:
            log.warning("signal to %s not sent", topic_name, exc_info=True)

    def expire(self, collection: str, field: str, *, after: timedelta) -> None:
        """Documents of `collection` expire `after` past their date `field`: a TTL index where
        the store has them, else the hourly `expire` job (`expiry.py`)."""
        self.expiries.add(collection, field, after)
        self.every(EXPIRE_EVERY_SECONDS, self.expiries.purge, "expire")

    def every(self, seconds: float, job: Callable[[], Awaitable[Any]], name: str) -> None:
        """Run `job` periodically while the service runs (schedulers: reminders, nudges,
        digests). Jobs must be idempotent: several instances run them, and a restart repeats
        the last run. Tests call `run_job(name)` instead of waiting."""
        self.jobs[name] = (seconds, job)

    async def run_job(self, name: str) -> Any:
        return await self.jobs[name][1]()

    async def _loop(self, name: str, seconds: float, job: Callable[[], Awaitable[Any]]) -> None:
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic job %s failed; next run in %ss", name, seconds)
            await asyncio.sleep(seconds)

    def on_startup(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run after the store is reachable and before traffic (index creation, schedulers)."""
        self._startup.append(hook)

    def checks(self) -> dict[str, Check]:
        async def kafka() -> bool:
            return bool(await self.broker.ping(timeout=2.0))

        async def consumers() -> bool:
            return all(getattr(sub, "running", False) for sub in self.broker.subscribers)

        return {"mongo": partial(ping, self.db), "kafka": kafka, "consumers": consumers}

    async def observe(self) -> None:
        """Refresh the gauges that need a question asked: outbox backlog, consumer lag."""
        waiting, age = await self.outbox.backlog()
        self.metrics.outbox_backlog.set(waiting)
        self.metrics.outbox_age.set(age)
        if self._consumed_topics:
            group = f"{self.prefix}{self.name}"
            lags = await consumer_lag(
                self.settings.infra.kafka_bootstrap_servers,
                {physical_name(t, self.prefix): f"{group}:{t}" for t in self._consumed_topics},
            )
            for topic_name, lag in lags.items():
                self.metrics.lag.labels(topic_name).set(lag)

    async def prepare_store(self) -> None:
        """Indexes, expiries and the service's start-up hooks: what must hold before traffic
        (tests on the in-memory store call this alone)."""
        await self.outbox.ensure_indexes()
        await self.expiries.ensure()
        for hook in self._startup:
            await hook()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        infra = self.settings.infra
        if infra.create_topics:
            created = await ensure_topics(
                infra.kafka_bootstrap_servers, self.prefix, infra.topic_partitions
            )
            if created:
                log.info("created topics %s", created)
        await self.prepare_store()
        await self.broker.start()
        self.relay.start()
        tasks = [
            asyncio.create_task(self._loop(name, seconds, job), name=f"job:{name}")
            for name, (seconds, job) in self.jobs.items()
            if self.run_jobs
        ]
        try:
            yield
        finally:
            tasks += self._positioning.values()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # Order matters on shutdown: first finish and commit the messages in hand (up to
            # the broker's graceful timeout), then publish what they staged, then disconnect.
            # Each step is bounded, so a broker or store that stopped answering cannot keep
            # the process from exiting inside the orchestrator's grace period (45 s).
            subscribers = self.broker.subscribers
            steps: list[tuple[str, float, Callable[[], Awaitable[Any]]]] = [
                (
                    "subscribers",
                    20.0,
                    lambda: asyncio.gather(
                        *(s.stop() for s in subscribers), return_exceptions=True
                    ),
                ),
                ("outbox relay", 8.0, self.relay.stop),
                ("signals", 2.0, lambda: asyncio.gather(*self._signals, return_exceptions=True)),
                ("broker", 8.0, self.broker.stop),
                ("store", 3.0, self.client.close),
            ]
            for what, seconds, step in steps:
                await _bounded(what, seconds, step)

    def app(
        self,
        *,
        title: str,
        routers: Sequence[APIRouter],
        services: object,
        version: str = "1",
    ) -> FastAPI:
        """The service's HTTP app; `services` (what its `wire` built) is `app.state.services`,
        where its endpoints, tests and benchmarks find the use cases."""

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            async with self.running():
                yield

        app = FastAPI(title=title, version=version, lifespan=lifespan)
        app.state.runtime = self
        app.state.services = services
        app.state.gateway_secret = self.settings.infra.gateway_secret.get_secret_value()
        install_error_handlers(app)
        instrument(app, self.metrics)
        app.include_router(health_router(self.checks))
        self.every(15.0, self.observe, "observe")
        self.declare_publications()

        @app.get("/asyncapi.json", tags=["health"], include_in_schema=False)
        async def asyncapi() -> Any:
            return self.asyncapi()

        for router in routers:
            app.include_router(router)
        return app

    def asyncapi(self) -> Any:
        """FastStream's AsyncAPI document: what this service consumes (its subscribers) and
        publishes (declared from the topic catalogue)."""
        spec = AsyncAPI(self.broker, title=f"JobFriends {self.name}", version="1")
        return spec.to_specification().to_jsonable()

    def declare_publications(self) -> None:
        """Document, in AsyncAPI, the topics this service produces (the relay publishes them)."""
        for spec in TOPICS:
            if spec.producer == self.name:
                types = sorted(c.event_type for c in CATALOGUE.values() if c.topic == spec.name)
                self.broker.publisher(
                    physical_name(spec.name, self.prefix),
                    title=f"{self.name}:{spec.name}",
                    description=f"{spec.description} Event types: {', '.join(types)}. "
                    f"Key: {spec.key}.",
                    schema=Envelope,
                )


async def _no_dead_letters(*_: object) -> None:
    return None


async def _bounded(what: str, seconds: float, step: Callable[[], Awaitable[Any]]) -> None:
    """One shutdown step: given up (and logged) after `seconds`; its errors are logged too,
    since the next steps must still run."""
    try:
        async with asyncio.timeout(seconds):
            await step()
    except TimeoutError:
        log.error("shutdown: %s did not finish within %.0f s; going on", what, seconds)
    except Exception:
        log.exception("shutdown: %s failed; going on", what)


def serve(app: FastAPI, settings: ServiceSettings, service: str | None = None) -> None:
    """Entry point body shared by every service: one uvicorn worker per process; scale by
    running more processes (compose --scale, Kubernetes replicas)."""
    import uvicorn

    runtime = getattr(app.state, "runtime", None)
    service = service or (runtime.name if runtime is not None else app.title)
    instance = settings.instance_id or f"{service}-{os.getpid()}"
    configure_logging(service, instance, settings.log_level, settings.json_logs)
    configure_tracing(service, settings.infra.otel_exporter, settings.infra.otel_endpoint)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep our JSON handler
        timeout_graceful_shutdown=20,
    )
