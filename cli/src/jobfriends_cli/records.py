"""What the CLI reads off a topic, independent of the Kafka client.

A `Record` is a plain, immutable copy of one Kafka record with its envelope parsed once (or
`None` when the value is not an envelope, as in a dead-letter topic). Filtering, JSON output and
time parsing live here as pure functions so they are unit-tested without a broker.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobfriends_shared.envelope import Envelope
from pydantic import ValidationError

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    envelope: Envelope | None

    @classmethod
    def parse(
        cls,
        *,
        topic: str,
        partition: int,
        offset: int,
        timestamp_ms: int,
        key: bytes | None,
        value: bytes | None,
        headers: Headers = (),
    ) -> Record:
        """Build a record, parsing the value as an envelope when it is one."""
        envelope: Envelope | None = None
        if value is not None:
            try:
                envelope = Envelope.from_bytes(value)
            except ValidationError:
                envelope = None
        return cls(topic, partition, offset, timestamp_ms, key, value, headers, envelope)

    @property
    def kafka_time(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, tz=UTC)

    @property
    def key_text(self) -> str | None:
        return None if self.key is None else self.key.decode("utf-8", errors="replace")

    @property
    def value_text(self) -> str | None:
        return None if self.value is None else self.value.decode("utf-8", errors="replace")

    def header_texts(self) -> dict[str, str]:
        """Headers as text; a repeated header keeps its last value (ours are never repeated)."""
        return {k: v.decode("utf-8", errors="replace") for k, v in self.headers}


def matches(record: Record, types: Collection[str] = (), key: str | None = None) -> bool:
    """True when the record passes the analyst's filters.

    A type filter only lets envelopes through (a raw message has no type); the key filter accepts
    the Kafka record key or the envelope's key, so dead-lettered copies sent without a key are
    still found by aggregate id.
    """
    if types and (record.envelope is None or record.envelope.type not in types):
        return False
    if key is not None:
        envelope_key = record.envelope.key if record.envelope is not None else None
        if key not in (record.key_text, envelope_key):
            return False
    return True


def to_json(record: Record) -> dict[str, Any]:
    """One JSON object per record: the envelope's own fields plus where Kafka kept it.

    The Kafka fields sit beside the envelope's (not nested) so a line loads straight into a
    dataframe with the same column names as the Parquet export. A record that is not an
    envelope comes out raw, with its headers, marked `"envelope": false`.
    """
    where: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "kafka_timestamp": record.kafka_time.isoformat(),
    }
    if record.envelope is not None:
        return {**record.envelope.to_document(), **where}
    return {
        **where,
        "envelope": False,
        "key": record.key_text,
        "value": record.value_text,
        "headers": record.header_texts(),
    }


def to_json_line(record: Record) -> str:
    return json.dumps(to_json(record), ensure_ascii=False, separators=(",", ":"))


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime.

    Analysts type `2025-03-01` or `2025-03-01T12:00`; a value without a zone is taken as UTC
    because every `occurred_at` and Kafka timestamp is UTC, so a local reading would shift the
    range silently.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
