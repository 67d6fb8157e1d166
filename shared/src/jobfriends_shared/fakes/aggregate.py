"""Aggregation pipelines, only as far as our repositories use them: `$match`, then `$group` by
a field (`"$f"`), by a document of fields (`{"p": "$post_id", "e": "$emoji"}`) or by nothing
(`None`), counting with `$sum` of a constant or of a field. That is also about all FerretDB 1.24
offers (`$group` with `$sum`/`$count` only), so a stage beyond it raises `NotImplementedError`.

Groups come out in the order their first document was read; MongoDB promises no order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pymongo.errors import OperationFailure

from jobfriends_shared.fakes.query import matches
from jobfriends_shared.fakes.values import MISSING, freeze, kind, resolve

Document = dict[str, Any]


def run_pipeline(docs: Iterable[Document], pipeline: Sequence[Document]) -> list[Document]:
    rows = list(docs)
    for stage in pipeline:
        if len(stage) != 1:
            raise OperationFailure("A pipeline stage specification must contain one field", 40323)
        ((name, spec),) = stage.items()
        if name == "$match":
            rows = [r for r in rows if matches(r, spec)]
        elif name == "$group":
            rows = _group(rows, spec)
        else:
            raise NotImplementedError(f"the fake store does not support the stage {name}")
    return rows


def _value(doc: Document, expression: Any) -> Any:
    """A field path (`"$f"`), a document of expressions, or a constant."""
    if isinstance(expression, str) and expression.startswith("$"):
        found = resolve(doc, expression[1:])
        if len(found) != 1:
            raise NotImplementedError(f"the fake store does not group across arrays ({expression})")
        return None if found[0] is MISSING else found[0]
    if isinstance(expression, dict):
        if any(k.startswith("$") for k in expression):
            raise NotImplementedError(f"the fake store does not evaluate {expression!r}")
        return {k: _value(doc, v) for k, v in expression.items()}
    return expression


def _group(rows: list[Document], spec: Document) -> list[Document]:
    if "_id" not in spec:
        raise OperationFailure("a group specification must include an _id", 15955)
    accumulators = {k: v for k, v in spec.items() if k != "_id"}
    for field, accumulator in accumulators.items():
        if not isinstance(accumulator, dict) or list(accumulator) != ["$sum"]:
            raise NotImplementedError(f"the fake store only sums in $group ({field})")
    groups: dict[Any, Document] = {}
    for row in rows:
        key = _value(row, spec["_id"])
        out = groups.setdefault(freeze(key), {"_id": key, **dict.fromkeys(accumulators, 0)})
        for field, accumulator in accumulators.items():
            added = _value(row, accumulator["$sum"])
            if kind(added) == "number":  # $sum skips what is not a number
                out[field] += added
    return list(groups.values())
