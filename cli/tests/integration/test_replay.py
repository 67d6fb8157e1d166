"""`jobfriends replay` against the real broker: seeding a new group, copying to a topic."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import read_topic, wait_for

from .conftest import Cluster, Produced, committed_offsets, create_topic, invoke

pytestmark = pytest.mark.integration


def first_offsets_from(
    samples: list[Produced], since_ms: int, end: dict[int, int]
) -> dict[int, int]:
    """Per partition, the offset of the first record at or after `since_ms` (else the end)."""
    firsts = dict(end)
    for p in samples:
        if p.timestamp_ms >= since_ms:
            firsts[p.partition] = min(firsts[p.partition], p.offset)
    return firsts


async def test_replay_seeds_a_new_group_at_the_range_start_and_refuses_an_existing_one(
    cluster: Cluster, samples: list[Produced]
) -> None:
    users = cluster.name("identity.users")
    group = f"{cluster.prefix}analytics:identity.users"
    since, until = cluster.at(5), cluster.at(9)
    end = {part: 1 + max(p.offset for p in samples if p.partition == part) for part in (0, 1)}
    expected = first_offsets_from(samples, int(since.timestamp() * 1000), end)

    args = ["replay", "identity.users", "--since", since.isoformat(), "--until", until.isoformat()]
    result = await invoke([*args, "--group", group, *cluster.cli()])
    assert result.exit_code == 0, result.output
    assert group in result.stdout

    assert await committed_offsets(cluster.bootstrap, group) == {
        (users, part): offset for part, offset in expected.items()
    }

    again = await invoke([*args, "--group", group, *cluster.cli()])
    assert again.exit_code == 1
    assert "already exists" in again.stderr

    # a consumer that joins the group (as a service would) re-reads from --since on; with
    # "latest" as its reset policy it would read nothing if the commits were not there
    wanted = sorted(str(p.envelope.id) for p in samples if p.time >= since)
    consumer = AIOKafkaConsumer(
        users,
        bootstrap_servers=cluster.bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="latest",
    )
    await consumer.start()
    try:
        seen: list[str] = []

        async def read_all() -> bool:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                seen.extend(r.value.decode() for r in records)
            return len(seen) >= len(wanted)

        await wait_for(read_all, timeout=30)
    finally:
        await consumer.stop()
    assert sorted(str(Envelope.from_bytes(v.encode()).id) for v in seen) == wanted


async def test_replay_copies_a_time_range_into_another_topic(
    cluster: Cluster, samples: list[Produced]
) -> None:
    target = cluster.name("replayed.users")
    since, until = cluster.at(3), cluster.at(8)
    args = ["replay", "identity.users", "--since", since.isoformat(), "--until", until.isoformat()]

    missing = await invoke([*args, "--to-topic", "replayed.users", *cluster.cli()])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr

    await create_topic(cluster, target)
    result = await invoke([*args, "--to-topic", "replayed.users", *cluster.cli()])
    assert result.exit_code == 0, result.output
    assert f"copied 5 records from {cluster.name('identity.users')} to {target}" in result.stdout

    copied = await read_topic(cluster.bootstrap, target)
    wanted = [p for p in samples if since <= p.time < until]
    assert len(wanted) == 5
    assert sorted((r.key, r.value, tuple(r.headers)) for r in copied) == sorted(
        (p.envelope.key.encode(), p.envelope.to_bytes(), p.headers) for p in wanted
    )


async def test_replay_needs_exactly_one_target(cluster: Cluster) -> None:
    args = ["replay", "identity.users", "--since", "2025-01-01", *cluster.cli()]
    neither = await invoke(args)
    assert neither.exit_code == 2 and "exactly one of --group and --to-topic" in neither.output
    both = await invoke([*args, "--group", "g", "--to-topic", "t"])
    assert both.exit_code == 2
