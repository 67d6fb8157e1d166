"""BSON values as the store sees them: round trips, types, order, equality, dotted paths.

Every document and every query passes through a real BSON encode/decode with the codec our
client uses (`tz_aware=True`), so the fake stores exactly what MongoDB would: tuples become
lists, datetimes lose their microseconds below the millisecond and come back in UTC, a set or
an unknown object is refused as `bson.errors.InvalidDocument`, and no caller can change a stored
document by mutating what it wrote or read.

Comparison follows MongoDB's rules where our queries depend on them: values of different BSON
types never compare (`$lt` on a date matches no string) and sort by MongoDB's type order;
numbers compare across int and float; booleans are not numbers; embedded documents are equal
only with the same fields in the same order. Ordering arrays or documents, and types our code
never stores (regular expressions,
decimals, min/max keys, code) raise `NotImplementedError` rather than compare wrongly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import bson
from bson import Binary, ObjectId
from bson.codec_options import CodecOptions
from bson.timestamp import Timestamp
from pymongo.errors import DocumentTooLarge

Document = dict[str, Any]

# The codec `jobfriends_shared.mongo.mongo_client` gives its client.
CODEC: CodecOptions[Document] = CodecOptions(document_class=dict, tz_aware=True)
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


class _Missing:
    """A path that leads nowhere (distinct from a stored null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# MongoDB's sort order of BSON types (null first, then numbers, strings, ...).
_TYPE_ORDER = {
    "null": 1,
    "number": 2,
    "string": 3,
    "object": 4,
    "array": 5,
    "binary": 6,
    "objectid": 7,
    "bool": 8,
    "date": 9,
    "timestamp": 10,
}


def encode(doc: Mapping[str, Any]) -> bytes:
    """A document as the store would receive it; refuses what BSON cannot hold or is too big."""
    raw = bson.encode(doc, codec_options=CODEC)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(f"BSON document too large ({len(raw)} bytes)")
    return raw


def decode(raw: bytes) -> Document:
    return bson.decode(raw, codec_options=CODEC)


def stored(doc: Mapping[str, Any]) -> Document:
    """`doc` as a read would return it, `_id` first (the server moves it to the front)."""
    if "_id" in doc:
        doc = {"_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
    return decode(encode(doc))


def normalised(value: Any) -> Any:
    """A query or update value as the server receives it (BSON round trip)."""
    return decode(encode({"v": value}))["v"]


def kind(value: Any) -> str:
    """The BSON type class of a value, as MongoDB groups them for comparison."""
    if value is None or value is MISSING:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bytes):  # bson.Binary is bytes too
        return "binary"
    if isinstance(value, ObjectId):
        return "objectid"
    if isinstance(value, datetime):
        return "date"
    if isinstance(value, Timestamp):
        return "timestamp"
    raise NotImplementedError(f"the fake store does not model BSON values of {type(value)!r}")


def _binary_key(value: bytes) -> tuple[int, int, bytes]:
    subtype = value.subtype if isinstance(value, Binary) else 0
    return (len(value), subtype, bytes(value))


def equal(a: Any, b: Any) -> bool:
    """MongoDB equality: same type class and same value (documents: same field order too)."""
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return False
    if ka == "object":
        return list(a) == list(b) and all(equal(a[k], b[k]) for k in a)
    if ka == "array":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if ka == "binary":
        return _binary_key(a) == _binary_key(b)
    if ka == "null":
        return True
    return bool(a == b)


def compare(a: Any, b: Any) -> int:
    """MongoDB's total order (-1, 0, 1): by type order first, then by value."""
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return -1 if _TYPE_ORDER[ka] < _TYPE_ORDER[kb] else 1
    if ka == "null":
        return 0
    if ka in ("array", "object"):
        raise NotImplementedError(f"the fake store does not order {ka}s")
    if ka == "binary":
        x, y = _binary_key(a), _binary_key(b)
    elif ka == "objectid":
        x, y = a.binary, b.binary
    else:
        x, y = a, b
    return (x > y) - (x < y)


def freeze(value: Any) -> Any:
    """A hashable key for a value that collides exactly when MongoDB's index would (1 and 1.0
    are one key; True and 1 are two)."""
    k = kind(value)
    if k == "object":
        return (k, tuple((name, freeze(v)) for name, v in value.items()))
    if k == "array":
        return (k, tuple(freeze(v) for v in value))
    if k == "binary":
        return (k, _binary_key(value))
    if k == "null":
        return (k, None)
    return (k, value)


def resolve(value: Any, path: str) -> list[Any]:
    """What a dotted path reaches in a document: several values when it crosses an array of
    documents (MongoDB matches any of them), `[MISSING]` when it reaches nothing."""
    return _resolve(value, path.split("."))


def _resolve(value: Any, parts: list[str]) -> list[Any]:
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        return _resolve(value[head], rest) if head in value else [MISSING]
    if isinstance(value, list):
        if head.isdigit():
            raise NotImplementedError(f"the fake store does not follow array positions ({head})")
        found = [v for item in value if isinstance(item, dict) for v in _resolve(item, parts)]
        return [v for v in found if v is not MISSING] or [MISSING]
    return [MISSING]
