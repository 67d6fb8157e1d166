"""Query filters: which stored documents a filter matches, by MongoDB's rules.

The operators are those our repositories use: implicit equality, `$eq`, `$ne`, `$gt`, `$gte`,
`$lt`, `$lte`, `$in`, `$nin`, `$all`, `$and`, `$or`. Any other operator raises
`NotImplementedError`, so a repository that starts using one fails its fast tests until the fake
learns it, instead of passing on a guess.

The rules that matter and are easy to get wrong:
- a condition on a field holding an array matches when any element matches, or the whole array;
- a missing field equals null (`{"f": None}` and `{"f": {"$in": [None]}}` match it), so `$ne`
  and `$nin` match documents without the field;
- range operators compare only values of the same type class (`{"at": {"$lt": date}}` skips a
  string `at`), with missing fields treated as null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pymongo.errors import OperationFailure

from jobfriends_shared.fakes.values import compare, equal, kind, resolve

Document = dict[str, Any]
_RANGE: dict[str, Callable[[int], bool]] = {
    "$gt": lambda order: order > 0,
    "$gte": lambda order: order >= 0,
    "$lt": lambda order: order < 0,
    "$lte": lambda order: order <= 0,
}


def is_operator_object(value: Any) -> bool:
    """A condition such as `{"$gt": 1}` rather than an embedded document to compare with."""
    if not isinstance(value, dict) or not value:
        return False
    dollars = [k.startswith("$") for k in value]
    if any(dollars) and not all(dollars):
        raise OperationFailure(f"unknown operator in {value!r}", code=2)
    return all(dollars)


def matches(doc: Mapping[str, Any], filter_: Mapping[str, Any]) -> bool:
    """Whether `doc` satisfies `filter_` (both already in their stored, BSON form)."""
    for key, condition in filter_.items():
        if key == "$and":
            if not all(matches(doc, c) for c in _clauses(key, condition)):
                return False
        elif key == "$or":
            if not any(matches(doc, c) for c in _clauses(key, condition)):
                return False
        elif key.startswith("$"):
            raise NotImplementedError(f"the fake store does not support the query operator {key}")
        elif not _field_matches(resolve(doc, key), condition):
            return False
    return True


def _clauses(op: str, condition: Any) -> list[Document]:
    if not isinstance(condition, list) or not condition:
        raise OperationFailure(f"{op} must be a nonempty array", code=2)
    return condition


def _field_matches(found: list[Any], condition: Any) -> bool:
    if not is_operator_object(condition):
        return _equals_any(found, condition)
    return all(_operator(found, op, operand) for op, operand in condition.items())


def _candidates(found: list[Any]) -> list[Any]:
    """The values a condition is tried against: each value, and each element of an array."""
    out: list[Any] = []
    for value in found:
        out.append(value)
        if isinstance(value, list):
            out.extend(value)
    return out


def _equals_any(found: list[Any], operand: Any) -> bool:
    # A regular expression (or any type the fake does not model) fails loudly in `equal`.
    return any(equal(c, operand) for c in _candidates(found))


def _operator(found: list[Any], op: str, operand: Any) -> bool:
    if op == "$eq":
        return _equals_any(found, operand)
    if op == "$ne":
        return not _equals_any(found, operand)
    if op in ("$in", "$nin"):
        if not isinstance(operand, list):
            raise OperationFailure(f"{op} needs an array", code=2)
        hit = any(_equals_any(found, value) for value in operand)
        return hit if op == "$in" else not hit
    if op == "$all":
        if not isinstance(operand, list):
            raise OperationFailure("$all needs an array", code=2)
        if any(is_operator_object(v) for v in operand):
            raise NotImplementedError("the fake store does not support $all with operators")
        return bool(operand) and all(_equals_any(found, value) for value in operand)
    if op in _RANGE:
        if kind(operand) in ("array", "object"):
            raise NotImplementedError(f"the fake store does not compare with {op} on {operand!r}")
        test = _RANGE[op]
        return any(
            kind(c) == kind(operand) and test(compare(c, operand)) for c in _candidates(found)
        )
    raise NotImplementedError(f"the fake store does not support the query operator {op}")
