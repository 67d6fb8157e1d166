"""Rich renderings of what `kafka_ops` returns; no I/O beyond building renderables.

Kept apart from the commands so the look can change without touching the logic, and so the
JSON forms (`--json`) and the pretty forms are built from the same data.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from rich import box
from rich.console import Group, RenderableType
from rich.json import JSON
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from jobfriends_cli.kafka_ops import RangePlan, TopicReport
from jobfriends_cli.records import Record

_DLT_PREFIX = "jf-dlt-"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_table(reports: list[TopicReport]) -> Table:
    """One row per topic on the cluster: begin..end offsets of each partition, the retained
    message count, and how many groups read it with their total lag."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("topic", style="bold", no_wrap=True)
    table.add_column("partitions", justify="right")
    table.add_column("begin..end", overflow="fold")
    table.add_column("messages", justify="right")
    table.add_column("groups", justify="right")
    table.add_column("lag", justify="right")
    for report in reports:
        if not report.exists:
            continue
        lag = sum(g.lag for g in report.groups)
        table.add_row(
            report.name,
            str(len(report.partitions)),
            " ".join(f"{p.begin}..{p.end}" for p in report.partitions),
            str(report.messages),
            str(len(report.groups)) if report.groups else "",
            (f"[red]{lag}[/]" if lag else "[green]0[/]") if report.groups else "",
        )
    return table


def topic_table(report: TopicReport) -> RenderableType:
    """A heading, the log's begin..end per partition, then one row per group reading the
    topic with its committed offset and lag on each partition (groups as rows, so long group
    names and many groups stay readable)."""
    heading = Text.assemble(
        (report.name, "bold"),
        f"  {_plural(len(report.partitions), 'partition')}, {_plural(report.messages, 'message')}",
        f", {_plural(len(report.groups), 'group')}, lag {sum(g.lag for g in report.groups)}"
        if report.groups
        else "",
    )
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("group", no_wrap=True)
    table.add_column("state")
    table.add_column("members", justify="right")
    for part in report.partitions:
        table.add_column(f"p{part.partition}", justify="right")
    table.add_column("lag", justify="right")
    table.add_row(
        "[dim]log begin..end[/]",
        "",
        "",
        *(f"[dim]{p.begin}..{p.end}[/]" for p in report.partitions),
        "",
    )
    table.add_section()
    for group in report.groups:
        cells = []
        for row in group.partitions:
            committed = "-" if row.committed is None else str(row.committed)
            cells.append(f"{committed} ([{'red' if row.lag else 'green'}]{row.lag}[/])")
        table.add_row(
            Text(group.group),
            group.state,
            str(group.members),
            *cells,
            f"[bold {'red' if group.lag else 'green'}]{group.lag}[/]",
        )
    return Group(heading, table, Text("cells: committed offset (lag)", style="dim"))


def topics_view(reports: list[TopicReport]) -> RenderableType:
    """The summary of every topic, then a per-partition table for each topic a group reads
    (committed offset and lag per partition and group)."""
    parts: list[RenderableType] = []
    if any(r.exists for r in reports):
        parts.append(summary_table(reports))
    parts += [topic_table(r) for r in reports if r.exists and r.groups]
    missing = [r.name for r in reports if not r.exists]
    if missing:
        parts.append(Text(f"not on the cluster: {', '.join(missing)}", style="yellow"))
    return Group(*parts)


def topics_json(reports: list[TopicReport]) -> str:
    return json.dumps([asdict(r) for r in reports], indent=2)


def _headers_table(headers: dict[str, str]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1))
    table.add_column(style="dim")
    table.add_column()
    for name, value in headers.items():
        table.add_row(Text(name), Text(value))
    return table


def record_view(record: Record) -> RenderableType:
    """An envelope as a panel (type, key, payload); anything else raw, with all its headers.

    Values from the records go in as `Text`, never as markup: a key or header holding
    `[bold]` must print as itself.
    """
    where = (
        f"{record.topic}/{record.partition}@{record.offset}  "
        f"{record.kafka_time.isoformat(timespec='milliseconds')}"
    )
    headers = record.header_texts()
    envelope = record.envelope
    if envelope is None:
        body: list[RenderableType] = [
            Text(f"key: {record.key_text}"),
            Text(record.value_text or "<null value>", style="yellow"),
        ]
        if headers:
            body.append(_headers_table(headers))
        return Panel(
            Group(*body),
            title=Text.assemble(("not an envelope", "yellow"), f"  {where}"),
            title_align="left",
            border_style="yellow",
        )
    meta = Table(box=None, show_header=False, padding=(0, 1))
    meta.add_column(style="dim")
    meta.add_column()
    meta.add_row("occurred_at", envelope.occurred_at.isoformat())
    meta.add_row("producer", Text(envelope.producer))
    meta.add_row("id", str(envelope.id))
    if envelope.correlation_id:
        meta.add_row("correlation_id", Text(envelope.correlation_id))
    body = [meta, JSON.from_data(envelope.payload)]
    dead_letter = {k: v for k, v in headers.items() if k.startswith(_DLT_PREFIX)}
    if dead_letter:  # a dead-lettered envelope: why it failed matters more than the payload
        body.insert(0, _headers_table(dead_letter))
    return Panel(
        Group(*body),
        title=Text.assemble(
            (envelope.type, "bold cyan"), f" v{envelope.version}  key ", (envelope.key, "bold")
        ),
        subtitle=where,
        title_align="left",
        subtitle_align="right",
        border_style="red" if dead_letter else "cyan",
    )


def plan_table(plan: RangePlan, *, title: str) -> RenderableType:
    """Per partition, the offsets where the range starts and ends and how many records lie
    between (estimated from offsets: exact unless the topic is compacted)."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("partition", justify="right")
    table.add_column("range start", justify="right")
    table.add_column("range end", justify="right")
    table.add_column("records", justify="right")
    for part in plan.partitions:
        table.add_row(str(part.partition), str(part.start), str(part.stop), str(part.count))
    table.add_section()
    table.add_row("total", "", "", str(plan.total), style="bold")
    span = f"[{plan.since.isoformat()}, {plan.until.isoformat()})"
    return Group(Text.from_markup(title), Text(span, style="dim"), table)
