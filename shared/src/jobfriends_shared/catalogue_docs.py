"""The event catalogue for analysts, generated from the code: `docs/events.md` (every topic and
every event type and version, with its JSON Schema, an example, the service that produces it and
the services whose handlers consume it) and `docs/schemas/*.json`
(one JSON Schema per type and version — the committed snapshots that the compatibility test
holds new code to).

    python -m jobfriends_shared.catalogue_docs          # write docs/
    python -m jobfriends_shared.catalogue_docs --check  # exit 1 if docs/ is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobfriends_shared.contracts import CATALOGUE, EventContract
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.subscriptions import consumers_by_event
from jobfriends_shared.topics import TOPICS, TopicSpec

EXAMPLE_TIME = datetime(2026, 11, 19, 18, 30, tzinfo=UTC)
_SAMPLES: dict[str, Any] = {
    "user_id": "7f3c2a9e5b1d4c6f8a0e2b4d6f8a1c3e",
    "email": "ana.lopez@example.org",
    "display_name": "Ana López",
    "title": "Design systems meetup",
    "text": "Looking for a UX research partner in Kreuzberg! #DesignHour",
    "note": "We are both UX designers in Kreuzberg and going to Thursday's #DesignHour.",
    "skill": "figma",
    "hashtag": "designhour",
    "city": "Berlin",
    "neighbourhood": "Kreuzberg",
    "time_zone": "Europe/Berlin",
    "profession": "ux-designer",
    "name": "Berlin UX designers",
    "topic": "design",
    "starter": "Ana just became lead designer at Acme — congratulate her?",
    "reason": "30 days since you last talked",
    "lead": "24h",
    "period": "weekly",
    "type": "reaction.changed",
    "channel": "in_app",
}


def schema_of(spec: EventContract) -> dict[str, Any]:
    schema: dict[str, Any] = spec.model.model_json_schema(mode="serialization")
    schema["title"] = f"{spec.event_type} v{spec.version}"
    schema["description"] = spec.description
    return schema


def schema_file(spec: EventContract) -> str:
    return f"{spec.event_type}.v{spec.version}.json"


def _sample(name: str, prop: dict[str, Any], defs: dict[str, Any]) -> Any:
    if "$ref" in prop:
        return _sample(name, defs[prop["$ref"].split("/")[-1]], defs)
    if "enum" in prop:
        return prop["enum"][0]
    if "anyOf" in prop:
        options = [p for p in prop["anyOf"] if p.get("type") != "null"]
        return _sample(name, options[0], defs) if options else None
    kind = prop.get("type")
    if kind == "array":
        return [_sample(name.rstrip("s"), prop.get("items", {}), defs)]
    if kind == "object":
        return _object(prop, defs)
    if kind == "integer":
        return 30 if "capacity" in name else 1
    if kind == "number":
        return 52.4986 if "lat" in name else 13.4030
    if kind == "boolean":
        return True
    if prop.get("format") == "date-time":
        return EXAMPLE_TIME.isoformat()
    if prop.get("format") == "date":
        return EXAMPLE_TIME.date().isoformat()
    if name in _SAMPLES:
        return _SAMPLES[name]
    if name.endswith("_id") or name.endswith("_ids") or name in ("key", "mention", "top", "new"):
        return f"{name.removesuffix('_id')[:1] or 'x'}_{zlib.crc32(name.encode()) % 10_000:04d}"
    return f"example {name}"


def _object(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    return {n: _sample(n, p, defs) for n, p in schema.get("properties", {}).items()}


def example_of(spec: EventContract) -> dict[str, Any]:
    """A valid envelope for the type, with plausible values (checked against the model)."""
    schema = spec.model.model_json_schema(mode="serialization")
    payload = spec.model.model_validate(_object(schema, schema.get("$defs", {})))
    envelope = Envelope(
        id=uuid.UUID("3b0c8f4e-6a51-4d2e-9a7b-1f2e3d4c5b6a"),
        type=spec.event_type,
        version=spec.version,
        occurred_at=EXAMPLE_TIME,
        producer=spec.topic.split(".", 1)[0],
        key=str(getattr(payload, spec.key_field)),
        correlation_id="c0ffee0123456789",
        payload=payload.model_dump(mode="json"),
    )
    return envelope.to_document()


def _names(services: list[str]) -> str:
    return ", ".join(f"**{name}**" for name in services) or "no service (analysts only)"


def _duration(ms: int) -> str:
    day, hour = 86_400_000, 3_600_000
    return f"{ms // day} days" if ms >= day else f"{ms // hour} hours"


def _topic_section(topic: TopicSpec, consumers: dict[tuple[str, int], list[str]]) -> list[str]:
    retention = "compacted" if topic.compacted else _duration(topic.retention_ms)
    specs = sorted(
        (s for s in CATALOGUE.values() if s.topic == topic.name),
        key=lambda s: (s.event_type, s.version),
    )
    lines = [
        f"## `{topic.name}`",
        "",
        topic.description,
        "",
        "| key | partitions | retention | producer | consumers | dead letters |",
        "|---|---|---|---|---|---|",
        f"| {topic.key} | {topic.partitions} | {retention} | {topic.producer} | "
        f"{', '.join(topic.consumers) or '—'} | `{topic.dead_letter}` |",
        "",
    ]
    for spec in specs:
        lines += [
            f"### `{spec.event_type}` v{spec.version}",
            "",
            f"{spec.description} Key: `{spec.key_field}`. "
            f"Schema: [`schemas/{schema_file(spec)}`](schemas/{schema_file(spec)}).",
            "",
            f"Produced by **{topic.producer}**; consumed by "
            f"{_names(consumers.get((spec.event_type, spec.version), []))}.",
            "",
            "<details><summary>JSON Schema</summary>",
            "",
            "```json",
            json.dumps(schema_of(spec), indent=2, sort_keys=True),
            "```",
            "",
            "</details>",
            "",
            "Example:",
            "",
            "```json",
            json.dumps(example_of(spec), indent=2),
            "```",
            "",
        ]
    return lines


def render_markdown() -> str:
    envelope_schema = Envelope.model_json_schema()
    lines = [
        "# JobFriends event catalogue",
        "",
        "Generated from the code by `python -m jobfriends_shared.catalogue_docs`; do not edit.",
        "A test fails when this file and the code disagree.",
        "",
        "Every message is a JSON envelope; `payload` follows the schema of its `type` and",
        "`version`. Within a version, fields are only ever added (optional); removing or",
        "retyping a field makes a new version. Headers carry `jf-type`, `jf-version` and",
        "`correlation_id`. Messages that keep failing land in the topic's `.dlt` twin with",
        "`jf-dlt-reason`, `jf-dlt-error` and `jf-dlt-original-topic` headers.",
        "",
        "| topic | key | producer | consumers | event types |",
        "|---|---|---|---|---|",
    ]
    for topic in TOPICS:
        types = sorted({s.event_type for s in CATALOGUE.values() if s.topic == topic.name})
        lines.append(
            f"| `{topic.name}` | {topic.key} | {topic.producer} | "
            f"{', '.join(topic.consumers) or '—'} | {', '.join(types)} |"
        )
    lines += [
        "",
        "## The envelope",
        "",
        "```json",
        json.dumps(envelope_schema, indent=2, sort_keys=True),
        "```",
        "",
    ]
    consumers = consumers_by_event()
    for topic in TOPICS:
        lines += _topic_section(topic, consumers)
    return "\n".join(lines).rstrip() + "\n"


def expected_files() -> dict[str, str]:
    """Path (relative to docs/) -> content, for everything the catalogue generates."""
    files = {"events.md": render_markdown()}
    for spec in CATALOGUE.values():
        files[f"schemas/{schema_file(spec)}"] = (
            json.dumps(schema_of(spec), indent=2, sort_keys=True) + "\n"
        )
    files["schemas/envelope.json"] = (
        json.dumps(Envelope.model_json_schema(), indent=2, sort_keys=True) + "\n"
    )
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=Path, default=Path("docs"))
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for relative, content in expected_files().items():
        path = args.docs / relative
        if args.check:
            if not path.exists() or path.read_text() != content:
                stale.append(relative)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    if stale:
        print("out of date:", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
