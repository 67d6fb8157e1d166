"""`jobfriends topics` against the real broker: partitions, offsets, groups and lag."""

from __future__ import annotations

import json

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from jobfriends_cli.kafka_ops import GroupOnTopic, describe_topics
from jobfriends_shared.testing import wait_for

from .conftest import Cluster, Produced, invoke, produce, sample_payload

pytestmark = pytest.mark.integration


async def consume_and_commit(cluster: Cluster, group: str, topic: str, expected: int) -> None:
    """Join `group` like a service does, read `expected` records, commit, leave."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=cluster.bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        seen: list[object] = []

        async def read_all() -> bool:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                seen.extend(records)
            return len(seen) >= expected

        await wait_for(read_all, timeout=30)
        assert len(seen) == expected
        await consumer.commit()
    finally:
        await consumer.stop()


def ends_by_partition(produced: list[Produced]) -> dict[int, int]:
    ends: dict[int, int] = {}
    for p in produced:
        ends[p.partition] = max(ends.get(p.partition, 0), p.offset + 1)
    return ends


async def test_topics_shows_partitions_offsets_and_the_lag_of_a_group(
    cluster: Cluster, samples: list[Produced]
) -> None:
    users = cluster.name("identity.users")
    group = f"{cluster.prefix}probe:identity.users"  # the services' naming
    await consume_and_commit(cluster, group, users, len(samples))
    committed = ends_by_partition(samples)
    later = await produce(
        cluster, "identity.users", [(20 + i, sample_payload(i)) for i in range(3)]
    )
    ends = ends_by_partition(samples + later)

    reports = {r.logical: r for r in await describe_topics(cluster.bootstrap, cluster.prefix)}

    report = reports["identity.users"]
    assert report.exists and report.name == users
    assert [(p.partition, p.begin, p.end) for p in report.partitions] == [
        (p, 0, ends.get(p, 0)) for p in (0, 1)
    ]
    assert report.messages == 15
    [seen] = report.groups
    assert seen.group == group and seen.state == "Empty" and seen.members == 0
    assert {p.partition: p.committed for p in seen.partitions} == {
        p: committed.get(p) for p in (0, 1)
    }
    assert {p.partition: p.lag for p in seen.partitions} == {
        p: ends.get(p, 0) - committed.get(p, 0) for p in (0, 1)
    }
    assert seen.lag == 3
    # the dead-letter twin is listed too, with its single partition and no readers
    dlt = reports["identity.users.dlt"]
    assert dlt.exists and len(dlt.partitions) == 1 and dlt.groups == ()
    assert reports["feed.posts"].messages == 0

    # the same through the command: JSON for machines, a table for people
    result = await invoke(["topics", "--json", *cluster.cli()])
    assert result.exit_code == 0, result.output
    as_json = {t["logical"]: t for t in json.loads(result.stdout)}
    assert as_json["identity.users"]["groups"][0]["group"] == group
    assert sum(p["lag"] for p in as_json["identity.users"]["groups"][0]["partitions"]) == 3
    pretty = await invoke(["topics", *cluster.cli()])
    assert pretty.exit_code == 0
    assert users in pretty.stdout and group in pretty.stdout and "lag 3" in pretty.stdout


async def test_topics_shows_a_group_outside_the_naming_only_when_asked(
    cluster: Cluster, samples: list[Produced]
) -> None:
    users = cluster.name("identity.users")
    adhoc = f"{cluster.prefix}notebook"
    consumer = AIOKafkaConsumer(
        bootstrap_servers=cluster.bootstrap, group_id=adhoc, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(users, 0), TopicPartition(users, 1)]
        consumer.assign(partitions)
        await consumer.commit({partitions[0]: 1})
    finally:
        await consumer.stop()

    plain = await describe_topics(cluster.bootstrap, cluster.prefix)
    assert all(r.groups == () for r in plain)
    asked = await describe_topics(cluster.bootstrap, cluster.prefix, groups=[adhoc])
    [report] = [r for r in asked if r.groups]
    assert report.name == users
    [seen] = report.groups
    total = {p.partition: p.end for p in report.partitions}
    assert [(p.partition, p.committed, p.lag) for p in seen.partitions] == [
        (0, 1, total[0] - 1),
        (1, None, total[1]),  # no commit: a consumer would start at the earliest offset
    ]


async def test_topics_shows_a_live_group_before_its_first_commit(
    cluster: Cluster, samples: list[Produced]
) -> None:
    users = cluster.name("identity.users")
    group = f"{cluster.prefix}matching:identity.users"
    consumer = AIOKafkaConsumer(
        users, bootstrap_servers=cluster.bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        await wait_for(lambda: _assigned(consumer), timeout=30)

        async def seen_live() -> list[GroupOnTopic]:
            reports = await describe_topics(cluster.bootstrap, cluster.prefix)
            return [g for r in reports if r.name == users for g in r.groups]

        [live] = await wait_for(seen_live, timeout=15)
        assert live.group == group and live.state == "Stable" and live.members == 1
        assert [p.committed for p in live.partitions] == [None, None]
        assert live.lag == len(samples)  # it would start from the earliest offset
    finally:
        await consumer.stop()


async def _assigned(consumer: AIOKafkaConsumer) -> bool:
    await consumer.getmany(timeout_ms=100)  # drives the group join
    return bool(consumer.assignment())
