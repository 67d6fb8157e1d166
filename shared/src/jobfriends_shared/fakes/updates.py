"""Update documents, replacements and upserts, by MongoDB's rules.

The operators are those our repositories use: `$set`, `$unset`, `$setOnInsert`, `$min`, `$max`,
and `$pull` of a value. Others (`$inc`, `$push`, `$addToSet`, ...) raise `NotImplementedError`;
our code avoids them anyway, because FerretDB 1.24 applies them without a lock.

What the server refuses, the fake refuses the same way: two operators on one path (code 40),
changing `_id` (code 66), a field inside a value that is not a document (code 28), and an
update that is a replacement or a replacement with operators (PyMongo's own client-side checks,
`ValueError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.common import validate_ok_for_replace, validate_ok_for_update
from pymongo.errors import WriteError

from jobfriends_shared.fakes.query import is_operator_object
from jobfriends_shared.fakes.values import MISSING, compare, equal, resolve

Document = dict[str, Any]
_SUPPORTED = ("$set", "$unset", "$setOnInsert", "$min", "$max", "$pull")


def check_update(update: Mapping[str, Any]) -> None:
    """Refuse a malformed or unsupported update before looking for documents, as the client
    and the server do (an update that matches nothing is refused all the same)."""
    validate_ok_for_update(update)
    if not isinstance(update, Mapping):
        raise NotImplementedError("the fake store has no update pipelines")
    for op, fields in update.items():
        if op not in _SUPPORTED:
            raise NotImplementedError(f"the fake store does not support the update operator {op}")
        if not isinstance(fields, Mapping):
            raise WriteError(f"Modifiers operate on fields but we found {fields!r}", code=9)
    _refuse_conflicts([path for fields in update.values() for path in fields])


def apply_update(doc: Document, update: Mapping[str, Any], *, inserting: bool) -> Document:
    """A copy of `doc` with `update` applied (`$setOnInsert` only when `inserting`)."""
    check_update(update)
    out = _copy(doc)
    for op, fields in update.items():
        for path, value in fields.items():
            _apply(out, op, path, value, inserting)
    if "_id" in doc and not equal(out.get("_id", MISSING), doc["_id"]):
        raise WriteError(
            "Performing an update on the path '_id' would modify the immutable field '_id'",
            code=66,
        )
    return out


def replaced(current: Document | None, replacement: Mapping[str, Any]) -> Document:
    """The document that replaces `current` (which keeps its `_id`)."""
    validate_ok_for_replace(replacement)
    new = dict(replacement)
    if current is not None:
        if "_id" in new and not equal(new["_id"], current["_id"]):
            raise WriteError(
                "After applying the update, the (immutable) field '_id' was found to have "
                "been altered",
                code=66,
            )
        new["_id"] = current["_id"]
    return new


def upsert_seed(filter_: Mapping[str, Any]) -> Document:
    """The document an upsert starts from: the filter's equality conditions (also inside
    `$and`); range and other conditions add nothing, as on the server."""
    seed: Document = {}
    for key, condition in filter_.items():
        if key == "$and":
            for clause in condition:
                for path, value in upsert_seed(clause).items():
                    _set(seed, path, value)
        elif key.startswith("$"):
            raise NotImplementedError(f"the fake store does not upsert with {key} in the filter")
        elif not is_operator_object(condition):
            _set(seed, key, condition)
        elif "$eq" in condition:
            _set(seed, key, condition["$eq"])
    return seed


def _copy(doc: Document) -> Document:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in doc.items()}


def _refuse_conflicts(paths: list[str]) -> None:
    split = [p.split(".") for p in paths]
    for i, a in enumerate(split):
        for b in split[i + 1 :]:
            if a[: len(b)] == b or b[: len(a)] == a:
                joined = ".".join(a)
                raise WriteError(
                    f"Updating the path '{joined}' would create a conflict at '{'.'.join(b)}'",
                    code=40,
                )


def _apply(doc: Document, op: str, path: str, value: Any, inserting: bool) -> None:
    if op == "$set" or (op == "$setOnInsert" and inserting):
        _set(doc, path, value)
    elif op == "$unset":
        _unset(doc, path)
    elif op in ("$min", "$max"):
        current = resolve(doc, path)
        if len(current) != 1:
            raise NotImplementedError(f"the fake store does not apply {op} across arrays")
        order = compare(value, current[0]) if current[0] is not MISSING else 0
        if current[0] is MISSING or (order < 0 if op == "$min" else order > 0):
            _set(doc, path, value)
    elif op == "$pull":
        _pull(doc, path, value)


def _parent(doc: Document, path: str, *, create: bool) -> tuple[Document | None, str]:
    """The document holding the last segment of `path` (created on the way when asked)."""
    parts = path.split(".")
    node: Any = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            raise NotImplementedError(f"the fake store does not update inside arrays ({path})")
        child = node.get(part, MISSING)
        if child is MISSING:
            if not create:
                return None, parts[-1]
            child = node[part] = {}
        elif not isinstance(child, dict | list):
            raise WriteError(f"Cannot create field '{parts[-1]}' in element {{{part}: ...}}", 28)
        node = child
    if isinstance(node, list):
        raise NotImplementedError(f"the fake store does not update inside arrays ({path})")
    return node, parts[-1]


def _set(doc: Document, path: str, value: Any) -> None:
    parent, name = _parent(doc, path, create=True)
    assert parent is not None
    parent[name] = value


def _unset(doc: Document, path: str) -> None:
    parent, name = _parent(doc, path, create=False)
    if parent is not None:
        parent.pop(name, None)


def _pull(doc: Document, path: str, value: Any) -> None:
    if is_operator_object(value) or isinstance(value, dict):
        raise NotImplementedError("the fake store pulls plain values only, not conditions")
    parent, name = _parent(doc, path, create=False)
    if parent is None or name not in parent:
        return
    current = parent[name]
    if not isinstance(current, list):
        raise WriteError("Cannot apply $pull to a non-array value", code=2)
    parent[name] = [item for item in current if not equal(item, value)]
