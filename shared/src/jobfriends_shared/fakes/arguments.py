"""Arguments as PyMongo takes them, checked the way PyMongo and the server check them; and the
bookkeeping of bulk writes, reported as PyMongo reports them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bson import ObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError
from pymongo.results import UpdateResult

from jobfriends_shared.fakes.values import normalised

Document = dict[str, Any]


def refuse(method: str, options: Mapping[str, Any]) -> None:
    """Options that change nothing here (no session, no comment) pass; any other fails."""
    for name, value in options.items():
        if value is not None and not (name == "bypass_document_validation" and not value):
            raise NotImplementedError(f"the fake store does not support {method}({name}=...)")


def query_of(filter_: Any) -> Document:
    if filter_ is None:
        return {}
    if not isinstance(filter_, Mapping):
        raise TypeError(f"filter must be a mapping, not {type(filter_)!r}")
    query: Document = normalised(dict(filter_))
    return query


def give_id(document: Any) -> None:
    """As PyMongo does: a document without `_id` gets an ObjectId, written into it."""
    if "_id" not in document:
        document["_id"] = ObjectId()


def index_keys(keys: Any) -> list[tuple[str, int]]:
    if isinstance(keys, str):
        pairs = [(keys, 1)]
    elif isinstance(keys, Mapping):
        pairs = list(keys.items())
    else:
        pairs = [(k, 1) if isinstance(k, str) else (k[0], k[1]) for k in keys]
    for field, direction in pairs:
        if direction not in (1, -1):
            raise NotImplementedError(f"the fake store has no {direction!r} index ({field})")
    return pairs


class Bulk:
    """Bookkeeping of a bulk write: counts, and the write errors PyMongo reports in a
    `BulkWriteError` (an ordered bulk stops at its first error, an unordered one goes on)."""

    def __init__(self, ordered: bool) -> None:
        self.ordered = ordered
        self.counts = {"nInserted": 0, "nUpserted": 0, "nMatched": 0, "nModified": 0, "nRemoved": 0}
        self.upserted: list[Document] = []
        self.errors: list[Document] = []
        self.last: Any = None

    def run(self, index: int, op: Any, step: Callable[[], Any]) -> bool:
        if self.errors and self.ordered:
            return False
        try:
            self.last = step()
        except (DuplicateKeyError, WriteError) as exc:
            error = dict(exc.details or {})
            error.update({"index": index, "code": exc.code, "errmsg": str(exc), "op": op})
            self.errors.append(error)
            return False
        return True

    def updated(self, index: int, result: UpdateResult) -> None:
        self.counts["nMatched"] += result.matched_count
        self.counts["nModified"] += result.modified_count
        if result.upserted_id is not None:
            self.counts["nUpserted"] += 1
            self.upserted.append({"index": index, "_id": result.upserted_id})

    def finish(self) -> Document:
        result: Document = {
            "writeErrors": self.errors,
            "writeConcernErrors": [],
            **self.counts,
            "upserted": self.upserted,
        }
        if self.errors:
            raise BulkWriteError(result)
        return result
