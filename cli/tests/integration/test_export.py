"""`jobfriends export` against the real broker: the right records of a range, in both formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from jobfriends_cli.export import PARQUET_SCHEMA, Format, export_range

from .conftest import Cluster, Produced, invoke, produce_raw

pytestmark = pytest.mark.integration


def in_range(samples: list[Produced], cluster: Cluster, start: int, stop: int) -> list[Produced]:
    return [p for p in samples if cluster.at(start) <= p.time < cluster.at(stop)]


def key_of(row: dict[str, object]) -> tuple[object, object]:
    return row["partition"], row["offset"]


async def test_export_writes_the_time_range_to_json_lines(
    cluster: Cluster, samples: list[Produced], tmp_path: Path
) -> None:
    out = tmp_path / "users.jsonl"
    since, until = cluster.at(2), cluster.at(8)
    result = await invoke(
        [
            "export",
            "identity.users",
            "--since",
            since.isoformat(),
            "--until",
            until.isoformat(),
            "--out",
            str(out),
            "-t",
            "user.registered",
            "-t",
            "endorsement.added",
            *cluster.cli(),
        ]
    )
    assert result.exit_code == 0, result.output
    wanted = [
        p
        for p in in_range(samples, cluster, 2, 8)
        if p.envelope.type in ("user.registered", "endorsement.added")
    ]
    assert f"wrote {len(wanted)} events to {out} as jsonl" in result.stdout
    assert not out.with_name(out.name + ".part").exists()

    rows = sorted((json.loads(line) for line in out.read_text().splitlines()), key=key_of)
    expected = sorted(
        (
            {
                **p.envelope.to_document(),
                "topic": cluster.name("identity.users"),
                "partition": p.partition,
                "offset": p.offset,
                "kafka_timestamp": p.time.isoformat(),
            }
            for p in wanted
        ),
        key=key_of,
    )
    assert rows == expected


async def test_export_writes_the_time_range_to_parquet(
    cluster: Cluster, samples: list[Produced], tmp_path: Path
) -> None:
    out = tmp_path / "users.parquet"  # the format follows the suffix
    result = await invoke(
        [
            "export",
            "identity.users",
            "--since",
            cluster.at(4).isoformat(),
            "--until",
            cluster.at(11).isoformat(),
            "--out",
            str(out),
            *cluster.cli(),
        ]
    )
    assert result.exit_code == 0, result.output

    table = pq.read_table(out)
    assert table.schema.equals(PARQUET_SCHEMA)
    assert table.schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    rows = sorted(table.to_pylist(), key=key_of)
    wanted = sorted(in_range(samples, cluster, 4, 11), key=lambda p: (p.partition, p.offset))
    assert len(rows) == len(wanted) == 7
    for row, p in zip(rows, wanted, strict=True):
        envelope = p.envelope
        assert row == {
            "id": str(envelope.id),
            "type": envelope.type,
            "version": envelope.version,
            "occurred_at": envelope.occurred_at,
            "producer": "probe",
            "key": envelope.key,
            "correlation_id": envelope.correlation_id,
            "payload": row["payload"],
            "partition": p.partition,
            "offset": p.offset,
            "kafka_timestamp": p.time,
        }
        assert json.loads(row["payload"]) == envelope.payload


async def test_export_reports_progress_and_leaves_out_non_envelopes(
    cluster: Cluster, samples: list[Produced], tmp_path: Path
) -> None:
    users = cluster.name("identity.users")
    await produce_raw(cluster, users, b"not an envelope", b"alice", {})
    totals: list[int] = []
    ticks: list[None] = []
    result = await export_range(
        cluster.bootstrap,
        users,
        cluster.at(0),
        datetime.now(UTC) + timedelta(minutes=1),
        tmp_path / "all.parquet",
        Format.parquet,
        on_plan=lambda plan: totals.append(plan.total),
        on_record=lambda: ticks.append(None),
    )
    assert totals == [13]  # the progress bar's total: every record of the range, by offsets
    assert len(ticks) == 13
    assert (result.written, result.not_envelopes) == (12, 1)
    assert pq.read_table(tmp_path / "all.parquet").num_rows == 12


async def test_export_of_an_empty_range_writes_an_empty_file(
    cluster: Cluster, samples: list[Produced], tmp_path: Path
) -> None:
    out = tmp_path / "none.parquet"
    result = await export_range(
        cluster.bootstrap,
        cluster.name("identity.users"),
        cluster.at(100),
        cluster.at(200),
        out,
        Format.parquet,
    )
    assert result.plan.total == 0 and result.written == 0
    assert pq.read_table(out).num_rows == 0
