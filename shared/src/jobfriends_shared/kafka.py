"""Kafka plumbing: the broker every service uses, topic creation from the catalogue, and wiring
an `EventConsumer` to topics with FastStream subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from jobfriends_shared.consumer import EventConsumer
from jobfriends_shared.deliveries import Delivery
from jobfriends_shared.topics import TOPICS, physical_name, topic

log = logging.getLogger(__name__)

POLL_MS = 10


def make_broker(bootstrap_servers: str, client_id: str, linger_ms: int = 2) -> KafkaBroker:
    # Idempotent producer with acks=all: a retried send never duplicates or reorders a record.
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=linger_ms,
        graceful_timeout=15.0,  # on shutdown, finish the messages in hand, then commit
        log_level=logging.DEBUG,  # one line per message is too much at INFO
    )


async def ensure_topics(
    bootstrap_servers: str, prefix: str = "", partitions: int | None = None
) -> list[str]:
    """Create every catalogue topic and its dead-letter twin; existing ones are left alone.
    `partitions` overrides the catalogue's counts (tests keep the broker small with it)."""
    wanted: list[NewTopic] = []
    for spec in TOPICS:
        name = physical_name(spec.name, prefix)
        count = partitions or spec.partitions
        wanted.append(NewTopic(name, count, 1, topic_configs=spec.config()))
        wanted.append(
            NewTopic(
                physical_name(spec.dead_letter, prefix),
                1,
                1,
                topic_configs={"cleanup.policy": "delete", "retention.ms": str(spec.retention_ms)},
            )
        )
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another instance was first
                await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()


async def send(
    broker: KafkaBroker, topic_name: str, key: bytes | None, value: bytes, headers: dict[str, str]
) -> asyncio.Future[Any]:
    """Hand a record to the producer; the returned future resolves on the broker's ack."""
    future: asyncio.Future[Any] = await broker.publish(
        value, topic_name, key=key, headers=headers, no_confirm=True
    )
    return future


def subscribe(
    broker: KafkaBroker,
    consumer: EventConsumer,
    *,
    topic_names: list[str],
    group_id: str,
    prefix: str = "",
    from_start: bool = True,
    batch: int = 500,
    fetch_max_wait_ms: int = 100,
) -> None:
    """One batch subscriber per topic: each poll's records (up to `batch`) go to `consumer`
    together, and the offsets are committed only after it is done with all of them; a batch
    it could not finish is rewound (NACK_ON_ERROR) and comes again.

    `from_start=False` (with a group of its own per instance) makes a broadcast subscription:
    every instance sees every new message, e.g. to push to the clients connected to it.
    `fetch_max_wait_ms` bounds how long new records of one partition can wait behind a fetch
    still parked at the broker for the others (see `InfraSettings.kafka_fetch_max_wait_ms`); a
    poll returns what has arrived as soon as anything has, so batching adds at most `POLL_MS`."""
    for name in topic_names:
        spec = topic(name)
        physical = physical_name(name, prefix)
        broker.subscriber(
            physical,
            # A group per topic: subscriptions of one service do not rebalance each other.
            group_id=f"{group_id}:{name}",
            batch=True,
            max_records=batch,
            # How long a poll waits for the fetcher's buffer, and how long FastStream then
            # sleeps when it found nothing: both are added to an idle subscription's latency,
            # so short. (The broker-side long poll is `fetch_max_wait_ms`, in the background.)
            batch_timeout_ms=POLL_MS,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            decoder=_undecoded,
            auto_offset_reset="earliest" if from_start else "latest",
            fetch_max_wait_ms=fetch_max_wait_ms,
            title=f"{group_id}:{name}",
            description=f"{group_id} applies {', '.join(consumer.event_types) or 'nothing'} "
            f"from {name}: {spec.description}",
        )(_handler(consumer, physical))


async def _undecoded(_: object) -> None:
    """The handler reads the raw records (`message.raw_message`) and parses each envelope
    itself; FastStream's own decoding of a batch (a message object and a JSON parse per record)
    would only be thrown away, and cost more CPU than the handling."""


def _handler(consumer: EventConsumer, physical: str) -> Callable[[KafkaMessage], Awaitable[None]]:
    # FastStream injects every parameter of a handler from the message, so the topic is bound
    # by closure rather than as a default argument.
    async def on_batch(message: KafkaMessage) -> None:
        records: tuple[ConsumerRecord[bytes, bytes], ...] = message.raw_message
        deliveries = [
            Delivery(
                raw=record.value or b"",
                topic=physical,
                key=record.key,
                partition=record.partition,
                where=f"{record.topic}/{record.partition}@{record.offset}",
                headers={k: v.decode(errors="replace") for k, v in record.headers},
            )
            for record in records
        ]
        if deliveries:
            await consumer.handle_batch(deliveries)

    return on_batch


async def consumer_lag(bootstrap_servers: str, groups: dict[str, str]) -> dict[str, int]:
    """Lag per topic ({topic: group}): end offsets minus the group's committed offsets."""
    from aiokafka import AIOKafkaConsumer

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await admin.start()
    await probe.start()
    try:
        lags: dict[str, int] = {}
        for topic_name, group in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            mine = {tp: meta.offset for tp, meta in committed.items() if tp.topic == topic_name}
            if not mine:
                continue
            ends = await probe.end_offsets(list(mine))
            lags[topic_name] = sum(max(0, ends[tp] - max(off, 0)) for tp, off in mine.items())
        return lags
    finally:
        await probe.stop()
        await admin.close()
