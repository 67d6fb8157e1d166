"""The `jobfriends` command: typer parsing and rich output over `kafka_ops` and `export`.

Topic names on the command line are catalogue names (`identity.users`, `feed.posts.dlt`); the
prefix (`--prefix`, or `JF_TOPIC_PREFIX` as the services use it) is prepended, so one command
works against production and a test run's prefixed topics alike. Consumer group names are taken
as given. Progress and notices go to stderr, so stdout can be piped (`tail --json | jq`).
Exit codes: 1 for a refusal (missing topic, existing group), 2 for bad arguments (including an
empty time range), 3 when Kafka cannot be reached or fails.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from aiokafka.errors import KafkaError
from jobfriends_shared.topics import physical_name
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from jobfriends_cli import kafka_ops
from jobfriends_cli.export import Format, export_range
from jobfriends_cli.kafka_ops import CliError, RangePlan
from jobfriends_cli.records import parse_instant, to_json_line
from jobfriends_cli.render import plan_table, record_view, topics_json, topics_view

T = TypeVar("T")

app = typer.Typer(
    name="jobfriends",
    help="Read JobFriends' event topics: offsets and lag, tail, replay, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
# soft_wrap: one-line messages stay one line (greppable) whatever the terminal width
err = Console(stderr=True, soft_wrap=True)

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"

Bootstrap = Annotated[
    str,
    typer.Option("--bootstrap", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers."),
]
Prefix = Annotated[
    str,
    typer.Option(
        "--prefix",
        envvar="JF_TOPIC_PREFIX",
        help="Prepended to every topic name, as the services do (test runs, shared clusters).",
    ),
]
Topic = Annotated[str, typer.Argument(help="Catalogue topic name, e.g. identity.users")]
Types = Annotated[
    list[str] | None,
    typer.Option("--type", "-t", help="Only this event type (repeatable), e.g. user.registered"),
]
Since = Annotated[
    datetime,
    typer.Option(
        parser=parse_instant,
        metavar="ISO",
        help="Range start, inclusive (ISO 8601; no zone means UTC).",
    ),
]
Until = Annotated[
    datetime | None,
    typer.Option(
        parser=parse_instant,
        metavar="ISO",
        help="Range end, exclusive (ISO 8601; no zone means UTC). Default: now.",
    ),
]


def _run(coro: Coroutine[Any, Any, T], bootstrap: str) -> T:
    """Run a command's coroutine; operator mistakes and broker trouble become one red line."""
    try:
        return asyncio.run(coro)
    except CliError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except KafkaError as exc:
        err.print(f"[red]error:[/] Kafka at {escape(bootstrap)}: {escape(repr(exc))}")
        raise typer.Exit(3) from None


def _range(since: datetime, until: datetime | None) -> tuple[datetime, datetime]:
    """The [since, until) range with `until` defaulting to now; refused here, before any
    broker call, when it is empty."""
    end = until if until is not None else datetime.now(UTC)
    if since >= end:
        raise typer.BadParameter(
            f"--since ({since.isoformat()}) must be before --until ({end.isoformat()})"
        )
    return since, end


@app.command()
def topics(
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    prefix: Prefix = "",
    group: Annotated[
        list[str] | None,
        typer.Option(help="Also show this group (repeatable), e.g. one made by `replay`."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Catalogue topics and their dead-letter twins: partitions, offsets, groups and lag.

    Groups are found by the services' naming, <prefix><service>:<topic>; a partition a group
    has not committed on counts its whole retained log as lag (services start at the earliest).
    """
    reports = _run(kafka_ops.describe_topics(bootstrap, prefix, group or ()), bootstrap)
    if as_json:
        typer.echo(topics_json(reports))
    else:
        out.print(topics_view(reports))


@app.command()
def tail(
    topic: Topic,
    types: Types = None,
    key: Annotated[str | None, typer.Option(help="Only records with this key.")] = None,
    from_beginning: Annotated[
        bool, typer.Option("--from-beginning", help="Start at the oldest retained record.")
    ] = False,
    follow: Annotated[
        bool,
        typer.Option("--follow/--no-follow", help="Wait for new records, or stop at the end."),
    ] = True,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many matching records.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line instead of panels.")
    ] = False,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    prefix: Prefix = "",
) -> None:
    """Print a topic's records as they arrive (Ctrl-C stops), filtered by type and key.

    Envelopes are pretty-printed; anything else (e.g. a malformed message in a .dlt topic) is
    shown raw with its headers.
    """
    name = physical_name(topic, prefix)
    start = "the oldest record" if from_beginning else "now"
    stop_hint = " (Ctrl-C stops)" if follow else ""

    async def run() -> int:
        shown = 0
        records = kafka_ops.tail(
            bootstrap,
            name,
            types=types or (),
            key=key,
            from_beginning=from_beginning,
            follow=follow,
            limit=limit,
            on_ready=lambda: err.print(f"[dim]{name} from {start}{stop_hint}[/]"),
        )
        async with contextlib.aclosing(records):
            async for record in records:
                if as_json:
                    typer.echo(to_json_line(record))
                else:
                    out.print(record_view(record))
                shown += 1
        return shown

    try:
        shown = _run(run(), bootstrap)
    except KeyboardInterrupt:
        err.print("[dim]stopped[/]")
        return
    err.print(f"[dim]{shown} record{'s' if shown != 1 else ''}[/]")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    )


@app.command()
def replay(
    topic: Topic,
    since: Since,
    until: Until = None,
    group: Annotated[
        str | None,
        typer.Option(help="NEW consumer group to start at --since on every partition."),
    ] = None,
    to_topic: Annotated[
        str | None,
        typer.Option(help="Instead, copy the range's records into this (existing) topic."),
    ] = None,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    prefix: Prefix = "",
) -> None:
    """Replay a time range: seed a new consumer group at its start, or copy it to a topic.

    With --group, a consumer started on that group re-consumes the topic from --since (it
    reads on past --until: the table shows where the range ends). An existing group is refused.
    With --to-topic, records keep their keys, values and headers.
    """
    if (group is None) == (to_topic is None):
        raise typer.BadParameter("give exactly one of --group and --to-topic")
    name = physical_name(topic, prefix)
    since, end = _range(since, until)
    if group is not None:
        plan = _run(kafka_ops.replay_to_group(bootstrap, name, since, end, group), bootstrap)
        out.print(
            plan_table(
                plan,
                title=f"group [bold]{escape(group)}[/] committed at the range start of {name}",
            )
        )
        out.print(
            f"A consumer on group {escape(repr(group))} now reads {name} from {since.isoformat()}.",
            soft_wrap=True,
        )
        return
    assert to_topic is not None
    target = physical_name(to_topic, prefix)
    with _progress() as progress:
        task = progress.add_task(f"copy to {target}", total=None)

        def on_plan(plan: RangePlan) -> None:
            progress.update(task, total=plan.total)

        plan, copied = _run(
            kafka_ops.copy_range(
                bootstrap,
                name,
                since,
                end,
                target,
                on_plan=on_plan,
                on_record=lambda: progress.advance(task),
            ),
            bootstrap,
        )
        progress.update(task, total=plan.total, completed=plan.total)
    out.print(plan_table(plan, title=f"range of {name} copied"))
    out.print(f"copied {copied} records from {name} to {target}", soft_wrap=True)


@app.command()
def export(
    topic: Topic,
    since: Since,
    output: Annotated[Path, typer.Option("--out", help="File to write.", dir_okay=False)],
    until: Until = None,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", help="Default: parquet for *.parquet, else jsonl."),
    ] = None,
    types: Types = None,
    bootstrap: Bootstrap = DEFAULT_BOOTSTRAP,
    prefix: Prefix = "",
) -> None:
    """Export the envelopes of a time range to JSON Lines or Parquet, with a progress bar.

    Each row is the envelope plus partition, offset and kafka_timestamp; Parquet keeps the
    payload as a JSON string so every event type fits one schema.
    """
    name = physical_name(topic, prefix)
    since, end = _range(since, until)
    if fmt is None:
        fmt = Format.parquet if output.suffix in (".parquet", ".pq") else Format.jsonl
    with _progress() as progress:
        task = progress.add_task(f"export {name}", total=None)

        def on_plan(plan: RangePlan) -> None:
            progress.update(task, total=plan.total)

        result = _run(
            export_range(
                bootstrap,
                name,
                since,
                end,
                output,
                fmt,
                types=types or (),
                on_plan=on_plan,
                on_record=lambda: progress.advance(task),
            ),
            bootstrap,
        )
        progress.update(task, total=result.plan.total, completed=result.plan.total)
    note = (
        f" ({result.not_envelopes} non-envelope records left out)" if result.not_envelopes else ""
    )
    out.print(
        f"wrote {result.written} events to {result.path} as {fmt.value}{note}", soft_wrap=True
    )


if __name__ == "__main__":
    app()
