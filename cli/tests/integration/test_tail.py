"""`jobfriends tail` against the real broker: filters, following, raw dead letters."""

from __future__ import annotations

import asyncio
import json

import pytest
from jobfriends_cli.kafka_ops import tail
from jobfriends_cli.records import Record

from .conftest import Cluster, Produced, invoke, list_topics, produce, produce_raw, sample_payload

pytestmark = pytest.mark.integration


def ids(lines: str) -> list[str]:
    return [json.loads(line)["id"] for line in lines.splitlines() if line.strip()]


def in_order(produced: list[Produced]) -> list[str]:
    return [str(p.envelope.id) for p in sorted(produced, key=lambda p: p.timestamp_ms)]


async def test_tail_filters_by_type_and_key(cluster: Cluster, samples: list[Produced]) -> None:
    base = ["tail", "identity.users", "--from-beginning", "--no-follow", "--json", *cluster.cli()]

    registered = await invoke([*base, "--type", "user.registered"])
    assert registered.exit_code == 0, registered.output
    wanted = [p for p in samples if p.envelope.type == "user.registered"]
    assert ids(registered.stdout) == in_order(wanted)

    two_types = await invoke([*base, "-t", "user.registered", "-t", "user.blocked"])
    wanted = [p for p in samples if p.envelope.type in ("user.registered", "user.blocked")]
    assert ids(two_types.stdout) == in_order(wanted)

    by_key = await invoke([*base, "--key", "alice"])
    assert ids(by_key.stdout) == in_order([p for p in samples if p.envelope.key == "alice"])

    both = await invoke([*base, "--key", "bob", "--type", "endorsement.added"])
    wanted = [
        p for p in samples if p.envelope.key == "bob" and p.envelope.type == "endorsement.added"
    ]
    assert wanted and ids(both.stdout) == in_order(wanted)

    limited = await invoke([*base, "--limit", "2"])
    assert len(ids(limited.stdout)) == 2

    # each JSON line is the envelope plus where Kafka kept it
    first = json.loads(registered.stdout.splitlines()[0])
    source = next(p for p in samples if str(p.envelope.id) == first["id"])
    assert first == {
        **source.envelope.to_document(),
        "topic": cluster.name("identity.users"),
        "partition": source.partition,
        "offset": source.offset,
        "kafka_timestamp": source.time.isoformat(),
    }


async def test_tail_pretty_prints_envelopes_and_shows_other_messages_raw(
    cluster: Cluster, samples: list[Produced]
) -> None:
    everything = ["--from-beginning", "--no-follow", *cluster.cli()]
    pretty = await invoke(["tail", "identity.users", "--limit", "1", *everything])
    assert pretty.exit_code == 0
    first = min(samples, key=lambda p: p.timestamp_ms).envelope
    assert first.type in pretty.stdout and first.key in pretty.stdout
    assert str(first.id) in pretty.stdout

    dlt = cluster.name("identity.users.dlt")
    headers = {"jf-dlt-reason": "malformed envelope", "jf-dlt-original-topic": "identity.users"}
    await produce_raw(cluster, dlt, b"{not json", b"alice", headers)
    raw = await invoke(["tail", "identity.users.dlt", *everything])
    assert raw.exit_code == 0
    assert "not an envelope" in raw.stdout
    assert "{not json" in raw.stdout and "malformed envelope" in raw.stdout
    as_json = await invoke(["tail", "identity.users.dlt", "--json", "--key", "alice", *everything])
    [line] = as_json.stdout.splitlines()
    assert json.loads(line) | {"kafka_timestamp": None} == {
        "topic": dlt,
        "partition": 0,
        "offset": 0,
        "kafka_timestamp": None,
        "envelope": False,
        "key": "alice",
        "value": "{not json",
        "headers": headers,
    }
    # a type filter only lets envelopes through
    typed = await invoke(["tail", "identity.users.dlt", "-t", "user.registered", *everything])
    assert typed.stdout.strip() == ""


async def test_tail_follows_records_that_arrive_after_it_started(
    cluster: Cluster, samples: list[Produced]
) -> None:
    ready = asyncio.Event()
    seen: list[Record] = []

    async def follow() -> None:
        records = tail(
            cluster.bootstrap,
            cluster.name("identity.users"),
            types={"user.registered"},
            limit=2,
            on_ready=ready.set,
        )
        async for record in records:
            seen.append(record)

    task = asyncio.create_task(follow())
    await asyncio.wait_for(ready.wait(), 15)
    # from "now": none of the twelve earlier records; two new registrations among other types
    new = await produce(
        cluster, "identity.users", [(30 + i, sample_payload(i)) for i in (1, 0, 2, 3)]
    )
    await asyncio.wait_for(task, 15)
    wanted = [p for p in new if p.envelope.type == "user.registered"]
    assert sorted(str(r.envelope.id) for r in seen if r.envelope) == sorted(
        str(p.envelope.id) for p in wanted
    )
    assert len(seen) == 2


async def test_tail_of_a_missing_topic_is_refused_and_creates_nothing(cluster: Cluster) -> None:
    result = await invoke(["tail", "no.such.topic", "--no-follow", *cluster.cli()])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert cluster.name("no.such.topic") not in await list_topics(cluster.bootstrap)
