"""What one collection holds: its documents (as BSON, in insertion order) and its indexes.

Unique indexes are what our correctness under concurrency rests on (claims, slots, decisions,
sequence numbers are inserts guarded by them), so the fake enforces every unique index the
repositories create, `_id` always, with the server's rules (1 and 1.0 are the same key). A
unique index over an array field (one key per element on MongoDB) is not modelled, and a null
or missing field in a unique key is answered differently by MongoDB and FerretDB: both raise
`NotImplementedError` when a document would need them. Other indexes
only change speed on a real store, so they are recorded and otherwise ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure, WriteError

from jobfriends_shared.fakes.query import is_operator_object, matches
from jobfriends_shared.fakes.values import MISSING, decode, encode, freeze, resolve

Document = dict[str, Any]
Stored = tuple[bytes, Document]  # the raw BSON (handed out as fresh copies) and its decoding
ID_INDEX = "_id_"


@dataclass(frozen=True)
class Index:
    keys: tuple[tuple[str, int], ...]
    unique: bool

    def key_of(self, doc: Document) -> tuple[Any, ...]:
        values = []
        for path, _ in self.keys:
            found = resolve(doc, path)
            if len(found) != 1 or isinstance(found[0], list):
                raise NotImplementedError(f"the fake store has no unique keys over arrays ({path})")
            if found[0] is None or found[0] is MISSING:
                # MongoDB indexes a null or missing field as one value (a second such document
                # is a duplicate); FerretDB 1.24, on PostgreSQL's unique index, as distinct
                # ones. Code that holds on both never depends on it.
                raise NotImplementedError(f"the stores disagree on null keys ({path} of {doc})")
            values.append(found[0])
        return tuple(values)

    def frozen_key(self, doc: Document) -> tuple[Any, ...]:
        """The key as the index compares it (see `values.freeze`)."""
        return tuple(freeze(v) for v in self.key_of(doc))


class CollectionState:
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.docs: dict[Any, Stored] = {}
        self.indexes: dict[str, Index] = {ID_INDEX: Index((("_id", 1),), unique=True)}

    # --- reading ----------------------------------------------------------------------------

    def find(self, filter_: Mapping[str, Any]) -> list[Stored]:
        """The stored documents matching an already normalised filter, in insertion order."""
        wanted = filter_.get("_id", MISSING)
        if wanted is not MISSING and not is_operator_object(wanted):
            hit = self.docs.get(freeze(wanted))  # the one document it can be
            return [hit] if hit is not None and matches(hit[1], filter_) else []
        return [item for item in self.docs.values() if matches(item[1], filter_)]

    # --- writing ----------------------------------------------------------------------------

    def insert(self, doc: Document) -> Stored:
        item = _encoded(doc)
        self._check_unique(item[1], None)
        self.docs[freeze(item[1]["_id"])] = item
        return item

    def replace(self, current: Document, new: Document) -> bool:
        """Store `new` in place of `current` (same `_id`); False when nothing changed."""
        key = freeze(current["_id"])
        item = _encoded(new)
        if item[0] == self.docs[key][0]:
            return False
        self._check_unique(item[1], key)
        self.docs[key] = item
        return True

    def delete(self, doc: Document) -> None:
        del self.docs[freeze(doc["_id"])]

    def _check_unique(self, doc: Document, own_key: Any) -> None:
        for name, index in self.indexes.items():
            if not index.unique:
                continue
            if name == ID_INDEX:
                taken = freeze(doc["_id"])
                clash = taken != own_key and taken in self.docs
            else:
                mine = index.frozen_key(doc)
                clash = any(
                    key != own_key and index.frozen_key(other) == mine
                    for key, (_, other) in self.docs.items()
                )
            if clash:
                raise duplicate_key(self.namespace, name, index, doc)

    # --- indexes ----------------------------------------------------------------------------

    def create_index(self, name: str, index: Index) -> str:
        for other_name, other in self.indexes.items():
            if other.keys == index.keys and other_name != name:
                raise OperationFailure(f"Index already exists with name {other_name}", 85)
        if name in self.indexes:
            if self.indexes[name] != index:
                raise OperationFailure(f"An index named {name} exists with other options", 86)
            return name
        if index.unique:
            seen: dict[Any, Document] = {}
            for _, doc in self.docs.values():
                key = index.frozen_key(doc)
                if key in seen:
                    raise duplicate_key(self.namespace, name, index, doc)
                seen[key] = doc
        self.indexes[name] = index
        return name


def _encoded(doc: Document) -> Stored:
    if "_id" not in doc:
        raise ValueError("a stored document needs an _id")
    if isinstance(doc["_id"], list):
        raise WriteError("The '_id' value cannot be of type array", code=53)
    raw = encode({"_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}})
    return raw, decode(raw)


def duplicate_key(namespace: str, name: str, index: Index, doc: Document) -> DuplicateKeyError:
    """The error the server returns, in PyMongo's form (code 11000, key pattern and value)."""
    pattern = dict(index.keys)
    value = dict(zip(pattern, index.key_of(doc), strict=True))
    message = f"E11000 duplicate key error collection: {namespace} index: {name} dup key: {value!r}"
    details = {
        "index": 0,
        "code": 11000,
        "errmsg": message,
        "keyPattern": pattern,
        "keyValue": value,
    }
    return DuplicateKeyError(message, 11000, details)
