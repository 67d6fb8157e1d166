"""Backward-compatibility check between two JSON Schemas of one event type and version, in the
spirit of a schema registry's FULL check: within a version a payload may only gain optional
fields. Anything an existing consumer or producer would trip over is reported."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _resolve(node: Schema, root: Schema) -> Schema:
    while "$ref" in node:
        node = root.get("$defs", {})[node["$ref"].split("/")[-1]]
    return node


def _shape(node: Schema, root: Schema) -> Any:
    """A comparable summary of a node's type (object properties are compared separately)."""
    node = _resolve(node, root)
    if "anyOf" in node:
        return ("anyOf", tuple(sorted(repr(_shape(n, root)) for n in node["anyOf"])))
    if "enum" in node:
        return ("enum", node.get("type"))
    if node.get("type") == "array":
        return ("array", repr(_shape(node.get("items", {}), root)))
    return (node.get("type"), node.get("format"))


def breaking_changes(old: Schema, new: Schema, path: str = "payload") -> list[str]:
    return _compare(old, old, new, new, path)


def _compare(old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str) -> list[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    problems: list[str] = []
    if "enum" in old or "enum" in new:
        if set(old.get("enum", [])) != set(new.get("enum", [])):
            problems.append(
                f"{path}: allowed values changed from {sorted(old.get('enum', []))} to "
                f"{sorted(new.get('enum', []))}"
            )
        return problems
    if _shape(old, old_root) != _shape(new, new_root):
        return [f"{path}: type changed"]
    for branch in ("anyOf",):
        for o, n in zip(old.get(branch, []), new.get(branch, []), strict=False):
            problems += _compare(o, old_root, n, new_root, path)
    if old.get("type") == "array":
        problems += _compare(
            old.get("items", {}), old_root, new.get("items", {}), new_root, f"{path}[]"
        )
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, prop in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: removed")
        else:
            problems += _compare(prop, old_root, new_props[name], new_root, f"{path}.{name}")
    added_required = set(new.get("required", [])) - set(old.get("required", []))
    for name in sorted(added_required):
        problems.append(f"{path}.{name}: now required")
    return problems
