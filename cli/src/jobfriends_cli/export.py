"""Export a time range of a topic to JSON Lines or Parquet.

Analysts load exports into notebooks and warehouses, so both formats carry the same fields:
the envelope plus where Kafka kept the record. Parquet gets a fixed schema (payload as a JSON
string, since each event type has its own payload shape) so files of different days concatenate.
A file is written under a `.part` name and renamed when complete: an interrupted export never
leaves a file that looks finished.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from jobfriends_cli.kafka_ops import RangePlan, open_range
from jobfriends_cli.records import Record, matches, to_json_line


class Format(StrEnum):
    jsonl = "jsonl"
    parquet = "parquet"


PARQUET_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("version", pa.int32(), nullable=False),
        pa.field("occurred_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("producer", pa.string(), nullable=False),
        pa.field("key", pa.string(), nullable=False),
        pa.field("correlation_id", pa.string()),
        pa.field("payload", pa.string(), nullable=False),
        pa.field("partition", pa.int32(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("kafka_timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
    ]
)
# Rows buffered per Parquet row group: large enough for good compression, small in memory.
ROW_GROUP = 10_000


class Sink(Protocol):
    def write(self, record: Record) -> None: ...

    def close(self) -> None: ...


class JsonLinesSink:
    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def write(self, record: Record) -> None:
        self._file.write(to_json_line(record) + "\n")

    def close(self) -> None:
        self._file.close()


def parquet_row(record: Record) -> dict[str, Any]:
    """One row of `PARQUET_SCHEMA`; only envelopes have one."""
    envelope = record.envelope
    if envelope is None:
        raise ValueError("only envelopes can be written to Parquet")
    return {
        "id": str(envelope.id),
        "type": envelope.type,
        "version": envelope.version,
        "occurred_at": envelope.occurred_at,
        "producer": envelope.producer,
        "key": envelope.key,
        "correlation_id": envelope.correlation_id,
        "payload": json.dumps(envelope.payload, ensure_ascii=False, separators=(",", ":")),
        "partition": record.partition,
        "offset": record.offset,
        "kafka_timestamp": record.timestamp_ms,
    }


class ParquetSink:
    def __init__(self, path: Path) -> None:
        self._writer = pq.ParquetWriter(str(path), PARQUET_SCHEMA)
        self._rows: list[dict[str, Any]] = []

    def write(self, record: Record) -> None:
        self._rows.append(parquet_row(record))
        if len(self._rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=PARQUET_SCHEMA))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


def open_sink(path: Path, fmt: Format) -> Sink:
    if fmt is Format.parquet:
        return ParquetSink(path)
    return JsonLinesSink(path)


@dataclass(frozen=True)
class ExportResult:
    plan: RangePlan
    written: int
    not_envelopes: int
    path: Path


async def export_range(
    bootstrap: str,
    topic: str,
    since: datetime,
    until: datetime,
    out: Path,
    fmt: Format = Format.jsonl,
    *,
    types: Collection[str] = (),
    on_plan: Callable[[RangePlan], None] | None = None,
    on_record: Callable[[], None] | None = None,
) -> ExportResult:
    """Write the envelopes of [since, until) of `topic` (optionally only some types) to `out`.

    Records that are not envelopes (a dead-letter topic's malformed messages) have no row in
    either format and are counted instead; `tail --json` shows them raw. `on_plan` receives the
    plan (its `total` sizes a progress bar) and `on_record` is called per record read.
    """
    partial = out.with_name(out.name + ".part")
    written = not_envelopes = 0
    async with open_range(bootstrap, topic, since, until) as reader:
        if on_plan is not None:
            on_plan(reader.plan)
        sink = open_sink(partial, fmt)
        try:
            async for record in reader.records():
                if on_record is not None:
                    on_record()
                if record.envelope is None:
                    not_envelopes += 1
                elif matches(record, types):
                    sink.write(record)
                    written += 1
        except BaseException:
            sink.close()
            partial.unlink(missing_ok=True)
            raise
        sink.close()
    os.replace(partial, out)
    return ExportResult(reader.plan, written, not_envelopes, out)
