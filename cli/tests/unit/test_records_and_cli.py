"""Pure parts of the CLI, no broker: time parsing, filters, row shapes, argument checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from jobfriends_cli.export import PARQUET_SCHEMA, parquet_row
from jobfriends_cli.kafka_ops import (
    CliError,
    GroupOnTopic,
    GroupPartition,
    PartitionOffsets,
    TopicReport,
    catalogue_topics,
    convention_groups,
    plan_range,
)
from jobfriends_cli.main import app
from jobfriends_cli.records import Record, matches, parse_instant, to_json
from jobfriends_cli.render import record_view, summary_table, topic_table
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.identity import UserRegistered
from rich.console import Console
from typer.testing import CliRunner

WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


def envelope_record(user: str = "alice") -> Record:
    envelope = build_event(
        UserRegistered(user_id=user, email=f"{user}@example.org", display_name=user),
        producer="identity",
        occurred_at=WHEN,
        correlation_id="req-1",
    )
    return Record.parse(
        topic="identity.users",
        partition=1,
        offset=41,
        timestamp_ms=int(WHEN.timestamp() * 1000) + 5,
        key=user.encode(),
        value=envelope.to_bytes(),
        headers=(("jf-type", b"user.registered"),),
    )


def raw_record(key: bytes | None = b"bob") -> Record:
    return Record.parse(
        topic="identity.users.dlt",
        partition=0,
        offset=3,
        timestamp_ms=0,
        key=key,
        value=b"\xff{broken",
        headers=(("jf-dlt-reason", b"malformed envelope"),),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01T12:30", WHEN),
        ("2026-03-01T12:30:00Z", WHEN),
        ("2026-03-01T14:30:00+02:00", WHEN),
    ],
)
def test_parse_instant_reads_iso_and_takes_no_zone_as_utc(text: str, expected: datetime) -> None:
    parsed = parse_instant(text)
    assert parsed == expected and parsed.tzinfo is UTC


def test_parse_instant_refuses_what_is_not_iso() -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_instant("yesterday")


def test_a_record_parses_its_envelope_once_and_tolerates_anything_else() -> None:
    assert envelope_record().envelope is not None
    assert envelope_record().envelope.type == "user.registered"  # type: ignore[union-attr]
    assert raw_record().envelope is None
    assert raw_record().value_text == "\ufffd{broken"


def test_filters_by_type_and_by_record_or_envelope_key() -> None:
    record = envelope_record("alice")
    assert matches(record)
    assert matches(record, {"user.registered", "user.deleted"})
    assert not matches(record, {"user.deleted"})
    assert matches(record, key="alice") and not matches(record, key="bob")
    # dead-lettered without a Kafka key: still found by the envelope's key
    keyless = Record.parse(
        topic="t", partition=0, offset=0, timestamp_ms=0, key=None, value=record.value
    )
    assert matches(keyless, key="alice")
    # a raw message has no type, so a type filter drops it; its Kafka key still matches
    assert not matches(raw_record(), {"user.registered"})
    assert matches(raw_record(b"bob"), key="bob")


def test_json_form_is_the_envelope_plus_kafka_fields() -> None:
    record = envelope_record()
    assert record.envelope is not None
    assert to_json(record) == {
        **record.envelope.to_document(),
        "topic": "identity.users",
        "partition": 1,
        "offset": 41,
        "kafka_timestamp": "2026-03-01T12:30:00.005000+00:00",
    }
    assert to_json(raw_record()) == {
        "topic": "identity.users.dlt",
        "partition": 0,
        "offset": 3,
        "kafka_timestamp": "1970-01-01T00:00:00+00:00",
        "envelope": False,
        "key": "bob",
        "value": "\ufffd{broken",
        "headers": {"jf-dlt-reason": "malformed envelope"},
    }


def test_parquet_row_fits_the_schema() -> None:
    import pyarrow as pa  # type: ignore[import-untyped]

    row = parquet_row(envelope_record())
    table = pa.Table.from_pylist([row], schema=PARQUET_SCHEMA)
    [back] = table.to_pylist()
    assert back["occurred_at"] == WHEN
    assert back["kafka_timestamp"] == WHEN + timedelta(milliseconds=5)
    assert json.loads(back["payload"])["user_id"] == "alice"
    assert back["correlation_id"] == "req-1"
    with pytest.raises(ValueError, match="only envelopes"):
        parquet_row(raw_record())


def test_groups_are_found_by_the_services_naming() -> None:
    groups = [
        "p.feed:identity.users",
        "p.matching:identity.users",
        "p.feed:identity.users.dlt",
        "q.feed:identity.users",
        "p.feed:feed.posts",
        "p.identity.users",
    ]
    assert convention_groups(groups, "p.", "identity.users") == [
        "p.feed:identity.users",
        "p.matching:identity.users",
    ]
    # without a prefix any service name qualifies, but the topic must match exactly
    assert convention_groups(groups, "", "feed.posts") == ["p.feed:feed.posts"]


def test_the_catalogue_and_its_dead_letter_twins_are_listed_with_the_prefix() -> None:
    names = catalogue_topics("p.")
    assert ("identity.users", "p.identity.users") in names
    assert ("identity.users.dlt", "p.identity.users.dlt") in names
    assert len(names) % 2 == 0


def render(renderable: object) -> str:
    console = Console(width=200, record=True)
    console.print(renderable)
    return console.export_text()


def test_topic_table_shows_offsets_committed_and_lag_per_partition() -> None:
    report = TopicReport(
        "identity.users",
        "p.identity.users",
        True,
        (PartitionOffsets(0, 0, 10), PartitionOffsets(1, 2, 7)),
        (
            GroupOnTopic(
                "p.feed:identity.users",
                "Stable",
                1,
                (GroupPartition(0, 8, 2), GroupPartition(1, None, 5)),
            ),
        ),
    )
    text = render(topic_table(report))
    assert "p.identity.users  2 partitions, 15 messages, 1 group, lag 7" in text
    assert "0..10" in text and "2..7" in text
    [row] = [line for line in text.splitlines() if "p.feed:identity.users" in line]
    assert row.split() == ["p.feed:identity.users", "Stable", "1", "8", "(2)", "-", "(5)", "7"]
    summary = render(summary_table([report, TopicReport("x", "p.x", exists=False)]))
    [line] = [line for line in summary.splitlines() if "p.identity.users" in line]
    assert line.split() == ["p.identity.users", "2", "0..10", "2..7", "15", "1", "7"]
    assert "p.x" not in summary


def test_record_view_shows_envelopes_and_raw_messages() -> None:
    envelope = render(record_view(envelope_record()))
    assert "user.registered v1" in envelope and "key alice" in envelope
    assert "alice@example.org" in envelope and "identity.users/1@41" in envelope
    raw = render(record_view(raw_record()))
    assert "not an envelope" in raw and "{broken" in raw and "jf-dlt-reason" in raw
    # values are data, not markup
    assert "key [red]x[/red]" in render(record_view(envelope_record("[red]x[/red]")))


runner = CliRunner()


def test_help_lists_the_four_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("topics", "tail", "replay", "export"):
        assert command in result.stdout


def test_bad_arguments_are_refused_before_any_kafka_call() -> None:
    # port 1 answers nobody: reaching Kafka would hang or fail differently
    unreachable = ["--bootstrap", "127.0.0.1:1"]
    bad_time = runner.invoke(
        app, ["export", "identity.users", "--since", "soon", "--out", "x.jsonl", *unreachable]
    )
    assert bad_time.exit_code == 2 and "ISO 8601" in bad_time.output
    no_target = runner.invoke(app, ["replay", "identity.users", "--since", "2026-01-01"])
    assert no_target.exit_code == 2 and "exactly one of --group and --to-topic" in no_target.output
    bad_format = runner.invoke(
        app,
        ["export", "identity.users", "--since", "2026-01-01", "--out", "x", "--format", "csv"],
    )
    assert bad_format.exit_code == 2


def test_an_empty_or_inverted_range_is_refused_before_any_kafka_call() -> None:
    for command in (["replay", "identity.users", "--group", "g"], ["export", "x", "--out", "f"]):
        result = runner.invoke(
            app,
            [
                *command,
                "--since",
                "2026-03-02",
                "--until",
                "2026-03-01",
                "--bootstrap",
                "127.0.0.1:1",
            ],
        )
        assert result.exit_code == 2 and "must be before" in result.output


async def test_plan_range_refuses_since_not_before_until() -> None:
    with pytest.raises(CliError, match="must be before"):
        await plan_range(None, "t", [], WHEN, WHEN)


def test_an_unreachable_broker_is_one_line_and_exit_code_3() -> None:
    result = runner.invoke(app, ["topics", "--bootstrap", "127.0.0.1:1"])
    assert result.exit_code == 3
    assert "error: Kafka at 127.0.0.1:1" in result.stderr
