"""Everything the CLI does to Kafka, as plain async functions with no terminal in sight.

The typer layer (`main.py`) only parses arguments and renders; keeping the broker work here lets
the tests drive it directly and lets a notebook import it. Every reader here is group-less with
manual assignment and never commits, so looking at a topic cannot move a service's offsets; the
only write to a group is `replay_to_group`, and it refuses a group that already exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from jobfriends_shared.topics import TOPICS, physical_name

from jobfriends_cli.records import Record, matches, to_millis

CLIENT_ID = "jobfriends-cli"
# Bounded fan-out for per-group admin requests: a shared cluster can hold hundreds of groups.
_GROUP_REQUESTS = 16
# Acknowledgements awaited together when copying; bounds the memory of in-flight records.
_COPY_WINDOW = 1000


class CliError(Exception):
    """A mistake the operator can fix (a missing topic, a group in use); reported in one line."""


class TopicNotFound(CliError):
    pass


class GroupExists(CliError):
    pass


# --- topics, offsets and lag -------------------------------------------------------------


@dataclass(frozen=True)
class PartitionOffsets:
    partition: int
    begin: int
    end: int

    @property
    def messages(self) -> int:
        """Records still retained (exact unless the topic is compacted)."""
        return self.end - self.begin


@dataclass(frozen=True)
class GroupPartition:
    partition: int
    committed: int | None
    lag: int


@dataclass(frozen=True)
class GroupOnTopic:
    group: str
    state: str
    members: int
    partitions: tuple[GroupPartition, ...]

    @property
    def lag(self) -> int:
        return sum(p.lag for p in self.partitions)


@dataclass(frozen=True)
class TopicReport:
    logical: str
    name: str
    exists: bool
    partitions: tuple[PartitionOffsets, ...] = ()
    groups: tuple[GroupOnTopic, ...] = ()

    @property
    def messages(self) -> int:
        return sum(p.messages for p in self.partitions)


@dataclass(frozen=True)
class _GroupInfo:
    state: str
    members: int
    committed: dict[TopicPartition, int]
    assigned: frozenset[str]


@contextlib.asynccontextmanager
async def _admin(bootstrap: str) -> AsyncIterator[Any]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id=CLIENT_ID)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def _consumer(bootstrap: str, group_id: str | None = None) -> AsyncIterator[Any]:
    # No auto commit: a reader must never move a group; "earliest" so a position that fell off
    # retention while we read resumes at the oldest record instead of failing.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id=CLIENT_ID,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        # A group-less consumer stopped before its background task first ran raises
        # CancelledError from stop() (aiokafka 0.14); one turn of the loop lets it start.
        await asyncio.sleep(0)
        await consumer.stop()


async def _partitions(admin: Any, names: Sequence[str]) -> dict[str, list[int]]:
    """Partition ids of the named topics that exist; missing ones are left out.

    Only topics known to exist are described, because a metadata request for a missing topic
    creates it on a broker with `auto.create.topics.enable` — a typo must not make a topic.
    """
    existing = set(await admin.list_topics())
    present = [n for n in names if n in existing]
    if not present:
        return {}
    described = await admin.describe_topics(present)
    return {
        str(t["topic"]): sorted(int(p["partition"]) for p in t["partitions"])
        for t in described
        if t["error_code"] == 0
    }


async def topic_partitions(admin: Any, name: str) -> list[TopicPartition]:
    found = await _partitions(admin, [name])
    if name not in found:
        raise TopicNotFound(f"topic {name!r} does not exist on the cluster")
    return [TopicPartition(name, p) for p in found[name]]


def catalogue_topics(prefix: str = "") -> list[tuple[str, str]]:
    """(catalogue name, name on the cluster) of every catalogue topic and its dead-letter twin."""
    names: list[tuple[str, str]] = []
    for spec in TOPICS:
        for logical in (spec.name, spec.dead_letter):
            names.append((logical, physical_name(logical, prefix)))
    return names


def convention_groups(group_ids: Iterable[str], prefix: str, logical: str) -> list[str]:
    """Groups named the way the services name them: `<prefix><service>:<catalogue topic>`."""
    pattern = re.compile(rf"{re.escape(prefix)}[^:]+:{re.escape(logical)}")
    return sorted(g for g in group_ids if pattern.fullmatch(g))


def _assigned_topics(members: Sequence[Any]) -> frozenset[str]:
    """Topics the live members of a group hold, from their assignment on the coordinator.

    This finds a service that joined but has not committed yet, which its offsets cannot show.
    """
    topics: set[str] = set()
    for member in members:
        raw = member[4]
        if not raw:
            continue
        with contextlib.suppress(Exception):  # a non-consumer protocol has another layout
            assignment = ConsumerProtocolMemberAssignment.decode(raw)
            topics.update(topic for topic, _ in assignment.assignment)
    return frozenset(topics)


async def _group_info(admin: Any, group: str) -> _GroupInfo:
    offsets = await admin.list_consumer_group_offsets(group)
    committed = {tp: int(meta.offset) for tp, meta in offsets.items() if meta.offset >= 0}
    state, members = "Unknown", ()
    responses = await admin.describe_consumer_groups([group])
    for response in responses:
        for described in response.groups:
            # (error_code, group, state, protocol_type, protocol, members)
            if described[1] == group and described[0] == 0:
                state, members = str(described[2]), tuple(described[5])
    return _GroupInfo(state, len(members), committed, _assigned_topics(members))


def _group_on_topic(
    group: str, info: _GroupInfo, name: str, partitions: Sequence[PartitionOffsets]
) -> GroupOnTopic:
    rows = []
    for p in partitions:
        committed = info.committed.get(TopicPartition(name, p.partition))
        # Without a commit a service starts from the earliest offset (the services' reset
        # policy), so its whole retained log is still ahead of it.
        start = p.begin if committed is None else max(committed, p.begin)
        rows.append(GroupPartition(p.partition, committed, max(p.end - start, 0)))
    return GroupOnTopic(group, info.state, info.members, tuple(rows))


async def describe_topics(
    bootstrap: str, prefix: str = "", groups: Collection[str] = ()
) -> list[TopicReport]:
    """The catalogue's topics as the cluster has them, with the groups that read them.

    A group is shown on a topic when it is named by the services' convention or listed in
    `groups`, and it has committed offsets on that topic or live members assigned to it.
    """
    names = catalogue_topics(prefix)
    async with _admin(bootstrap) as admin:
        found = await _partitions(admin, [name for _, name in names])
        all_groups = [str(g[0]) for g in await admin.list_consumer_groups()]
        candidates: dict[str, set[str]] = {}
        for logical, name in names:
            for group in [*convention_groups(all_groups, prefix, logical), *groups]:
                candidates.setdefault(group, set()).add(name)
        limit = asyncio.Semaphore(_GROUP_REQUESTS)

        async def info(group: str) -> tuple[str, _GroupInfo]:
            async with limit:
                return group, await _group_info(admin, group)

        infos = dict(await asyncio.gather(*(info(g) for g in sorted(candidates))))

    tps = [TopicPartition(name, p) for name, parts in found.items() for p in parts]
    begins: dict[TopicPartition, int] = {}
    ends: dict[TopicPartition, int] = {}
    if tps:
        async with _consumer(bootstrap) as consumer:
            begins = await consumer.beginning_offsets(tps)
            ends = await consumer.end_offsets(tps)

    reports = []
    for logical, name in names:
        if name not in found:
            reports.append(TopicReport(logical, name, exists=False))
            continue
        partitions = tuple(
            PartitionOffsets(p, int(begins[tp]), int(ends[tp]))
            for p in found[name]
            for tp in [TopicPartition(name, p)]
        )
        on_topic = []
        for group, topics in sorted(candidates.items()):
            group_info = infos[group]
            reads_it = any(tp.topic == name for tp in group_info.committed)
            if name in topics and (reads_it or name in group_info.assigned):
                on_topic.append(_group_on_topic(group, group_info, name, partitions))
        reports.append(TopicReport(logical, name, True, partitions, tuple(on_topic)))
    return reports


# --- tail ----------------------------------------------------------------------------------


def _record(raw: Any) -> Record:
    return Record.parse(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        timestamp_ms=raw.timestamp,
        key=raw.key,
        value=raw.value,
        headers=tuple((str(k), bytes(v)) for k, v in (raw.headers or ())),
    )


async def _caught_up(consumer: Any, stop: dict[TopicPartition, int]) -> bool:
    for tp, end in stop.items():
        if await consumer.position(tp) < end:
            return False
    return True


async def tail(
    bootstrap: str,
    topic: str,
    *,
    types: Collection[str] = (),
    key: str | None = None,
    from_beginning: bool = False,
    follow: bool = True,
    limit: int | None = None,
    poll_ms: int = 500,
    on_ready: Callable[[], None] | None = None,
) -> AsyncGenerator[Record, None]:
    """Records of `topic` that pass the filters, oldest first within each partition.

    Starts at the end (only new records) or, with `from_beginning`, at the oldest retained one;
    with `follow=False` it stops at the end offsets seen when it started. Records fetched in one
    poll are ordered by timestamp so several partitions read like one stream. `on_ready` is
    called once the start positions are fixed: "now" means then, not at the first fetch.
    """
    async with _admin(bootstrap) as admin:
        tps = await topic_partitions(admin, topic)
    async with _consumer(bootstrap) as consumer:
        consumer.assign(tps)
        if from_beginning:
            await consumer.seek_to_beginning(*tps)
        else:
            await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # resolves the seek now rather than at the first fetch
        if on_ready is not None:
            on_ready()
        stop: dict[TopicPartition, int] | None = None
        if not follow:
            stop = {tp: int(end) for tp, end in (await consumer.end_offsets(tps)).items()}
        shown = 0
        while limit is None or shown < limit:
            if stop is not None and await _caught_up(consumer, stop):
                return
            batch = await consumer.getmany(timeout_ms=poll_ms)
            fetched = [r for records in batch.values() for r in records]
            fetched.sort(key=lambda r: (r.timestamp, r.partition, r.offset))
            for raw in fetched:
                if stop is not None and raw.offset >= stop[TopicPartition(topic, raw.partition)]:
                    continue  # arrived after we started: not ours to show without --follow
                record = _record(raw)
                if matches(record, types, key):
                    yield record
                    shown += 1
                    if limit is not None and shown >= limit:
                        return


# --- time ranges: replay and export --------------------------------------------------------


@dataclass(frozen=True)
class PartitionRange:
    partition: int
    start: int
    stop: int

    @property
    def count(self) -> int:
        return max(self.stop - self.start, 0)


@dataclass(frozen=True)
class RangePlan:
    """Per partition, the offsets of the first record at or after `since` and at or after
    `until`: records in [start, stop) are the range (the end offset stands in for "none")."""

    topic: str
    since: datetime
    until: datetime
    partitions: tuple[PartitionRange, ...]

    @property
    def total(self) -> int:
        return sum(p.count for p in self.partitions)


async def plan_range(
    consumer: Any, topic: str, tps: Sequence[TopicPartition], since: datetime, until: datetime
) -> RangePlan:
    if since >= until:
        raise CliError(
            f"--since ({since.isoformat()}) must be before --until ({until.isoformat()})"
        )
    ends = await consumer.end_offsets(list(tps))
    firsts = await consumer.offsets_for_times({tp: to_millis(since) for tp in tps})
    lasts = await consumer.offsets_for_times({tp: to_millis(until) for tp in tps})

    def offset(found: Any, tp: TopicPartition) -> int:
        return int(ends[tp]) if found is None else int(found.offset)

    partitions = tuple(
        PartitionRange(tp.partition, offset(firsts[tp], tp), offset(lasts[tp], tp))
        for tp in sorted(tps, key=lambda t: t.partition)
    )
    return RangePlan(topic, since, until, partitions)


class RangeReader:
    """A consumer positioned on a planned time range; `records()` reads it once."""

    def __init__(self, consumer: Any, plan: RangePlan) -> None:
        self._consumer = consumer
        self.plan = plan

    async def records(self) -> AsyncGenerator[Record, None]:
        """Records in [start, stop) of every partition whose timestamp lies in [since, until).

        The timestamp check drops the rare record a producer stamped out of order; the offset
        bound is what ends each partition, so a quiet topic cannot keep the reader waiting.
        """
        since_ms, until_ms = to_millis(self.plan.since), to_millis(self.plan.until)
        active = {
            TopicPartition(self.plan.topic, p.partition): p
            for p in self.plan.partitions
            if p.count > 0
        }
        self._consumer.assign(list(active))
        for tp, part in active.items():
            self._consumer.seek(tp, part.start)
        while active:
            batch = await self._consumer.getmany(*active, timeout_ms=1000)
            for tp, fetched in batch.items():
                planned = active.get(tp)
                if planned is None:
                    continue
                for raw in fetched:
                    if raw.offset >= planned.stop:
                        break
                    if since_ms <= raw.timestamp < until_ms:
                        yield _record(raw)
            for tp in list(active):
                if await self._consumer.position(tp) >= active[tp].stop:
                    self._consumer.pause(tp)
                    del active[tp]


@contextlib.asynccontextmanager
async def open_range(
    bootstrap: str, topic: str, since: datetime, until: datetime
) -> AsyncIterator[RangeReader]:
    """Plan the range (so a progress bar knows its total) and hand back a reader for it."""
    async with _admin(bootstrap) as admin:
        tps = await topic_partitions(admin, topic)
    async with _consumer(bootstrap) as consumer:
        yield RangeReader(consumer, await plan_range(consumer, topic, tps, since, until))


async def _group_exists(admin: Any, group: str) -> bool:
    if group in {str(g[0]) for g in await admin.list_consumer_groups()}:
        return True
    return bool(await admin.list_consumer_group_offsets(group))


async def replay_to_group(
    bootstrap: str, topic: str, since: datetime, until: datetime, group: str
) -> RangePlan:
    """Commit, for a group that does not exist yet, every partition's offset at `since`.

    A service started on that group then re-consumes the topic from that moment on (services
    read on past `until`; the plan's stop offsets say where the range ends). An existing group
    is refused: moving a live service's offsets would skip or repeat work behind its back.
    The commit goes through a group-less assignment, so the group never has a member.
    """
    async with _admin(bootstrap) as admin:
        tps = await topic_partitions(admin, topic)
        if await _group_exists(admin, group):
            raise GroupExists(
                f"consumer group {group!r} already exists; replay only seeds a new group"
            )
    async with _consumer(bootstrap, group_id=group) as consumer:
        plan = await plan_range(consumer, topic, tps, since, until)
        consumer.assign(list(tps))
        note = f"{CLIENT_ID} replay of {topic} from {since.isoformat()}"
        await consumer.commit(
            {TopicPartition(topic, p.partition): (p.start, note) for p in plan.partitions}
        )
    return plan


async def copy_range(
    bootstrap: str,
    topic: str,
    since: datetime,
    until: datetime,
    to_topic: str,
    *,
    on_plan: Callable[[RangePlan], None] | None = None,
    on_record: Callable[[], None] | None = None,
) -> tuple[RangePlan, int]:
    """Copy the records of a time range into `to_topic`, keys, values and headers unchanged.

    The target must already exist (its partitions and retention are the operator's choice).
    Records keep their keys, so with the same partition count each key lands on the same
    partition as before and its order holds; the producer is idempotent so a retried send
    cannot duplicate a record. Timestamps are the copy's own (the envelope keeps `occurred_at`).
    """
    if to_topic == topic:
        raise CliError("--to-topic must differ from the topic being replayed")
    async with _admin(bootstrap) as admin:
        await topic_partitions(admin, to_topic)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=CLIENT_ID,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
    )
    await producer.start()
    copied = 0
    try:
        async with open_range(bootstrap, topic, since, until) as reader:
            if on_plan is not None:
                on_plan(reader.plan)
            pending: list[Any] = []
            async for record in reader.records():
                pending.append(
                    await producer.send(
                        to_topic, record.value, key=record.key, headers=list(record.headers)
                    )
                )
                if len(pending) >= _COPY_WINDOW:
                    await asyncio.gather(*pending)
                    pending.clear()
                copied += 1
                if on_record is not None:
                    on_record()
            await asyncio.gather(*pending)
            return reader.plan, copied
    finally:
        await producer.stop()
