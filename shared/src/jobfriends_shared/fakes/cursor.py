"""Cursors: sort, skip, limit and projection over a query's matches, read with `async for` or
`to_list`, as PyMongo's asynchronous cursors are.

A cursor runs its query when first read, and cannot be changed after that
(`InvalidOperation`, as PyMongo says). Without a sort, documents come in the order they were
inserted; MongoDB promises no order then, so a test that depends on it proves nothing about the
real store.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Self

from pymongo.errors import InvalidOperation, OperationFailure

from jobfriends_shared.fakes.values import MISSING, compare, decode, resolve

Document = dict[str, Any]
SortSpec = list[tuple[str, int]]


def sort_spec(key: Any, direction: int | None = None) -> SortSpec:
    """`sort("f")`, `sort("f", -1)` or `sort([("f", 1), ("g", -1)])`, as PyMongo takes them."""
    pairs = [(key, 1 if direction is None else direction)] if isinstance(key, str) else list(key)
    for _, way in pairs:
        if way not in (1, -1):
            raise NotImplementedError(f"the fake store sorts by 1 or -1, not {way!r}")
    return pairs


def sorted_pairs(pairs: Sequence[tuple[bytes, Document]], spec: SortSpec) -> list[bytes]:
    """The raw documents of (raw, decoded) pairs, in the order `spec` sorts the decoded ones.
    Ties keep their stored order; MongoDB promises no order among ties."""

    def order(a: tuple[bytes, Document], b: tuple[bytes, Document]) -> int:
        for path, way in spec:
            result = compare(_sort_value(a[1], path), _sort_value(b[1], path)) * way
            if result:
                return result
        return 0

    return [raw for raw, _ in sorted(pairs, key=functools.cmp_to_key(order))]


def _sort_value(doc: Document, path: str) -> Any:
    found = resolve(doc, path)
    if len(found) != 1 or isinstance(found[0], list):
        raise NotImplementedError(f"the fake store does not sort by array values ({path})")
    return None if found[0] is MISSING else found[0]


def projection_of(projection: Any) -> Document | None:
    """PyMongo's forms (a mapping, or a list of included fields) as one mapping."""
    if projection is None:
        return None
    if isinstance(projection, Mapping):
        return dict(projection)
    return dict.fromkeys(projection, 1)


def project(doc: Document, projection: Document | None) -> Document:
    """Inclusion (`{"a": 1}`, `_id` kept unless excluded) or exclusion (`{"a": 0}`)."""
    if not projection:
        return doc
    fields = {k: bool(v) for k, v in projection.items()}
    for name, value in projection.items():
        if "." in name or isinstance(value, Mapping) or not isinstance(value, bool | int):
            raise NotImplementedError(f"the fake store does not project {name}: {value!r}")
    keep_id = fields.pop("_id", True)
    if any(fields.values()) and not all(fields.values()):
        raise OperationFailure("Cannot do exclusion on a field in an inclusion projection", 31254)
    including = all(fields.values()) if fields else keep_id
    if including:
        out = {k: v for k, v in doc.items() if k in fields}
    else:
        out = {k: v for k, v in doc.items() if k not in fields}
    if keep_id and "_id" in doc:
        return {"_id": doc["_id"], **out}
    out.pop("_id", None)
    return out


class FakeCursor:
    """What `find` returns: built lazily from `run`, which yields the stored documents that
    match (in raw BSON form, so every read is a fresh copy)."""

    def __init__(
        self,
        run: Callable[[], Sequence[tuple[bytes, Document]]],
        projection: Document | None,
    ) -> None:
        self._run = run
        self._projection = projection
        self._sort: SortSpec | None = None
        self._skip = 0
        self._limit = 0
        self._results: Iterator[Document] | None = None

    def _chain(self) -> None:
        if self._results is not None:
            raise InvalidOperation("cannot set options after executing query")

    def sort(self, key: Any, direction: int | None = None) -> Self:
        self._chain()
        self._sort = sort_spec(key, direction)
        return self

    def skip(self, skip: int) -> Self:
        self._chain()
        if skip < 0:
            raise ValueError("skip must be >= 0")
        self._skip = skip
        return self

    def limit(self, limit: int) -> Self:
        self._chain()
        if limit < 0:
            raise NotImplementedError("the fake store does not model negative limits")
        self._limit = limit
        return self

    def batch_size(self, batch_size: int) -> Self:
        """Accepted and ignored: batching changes round trips, not results."""
        self._chain()
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        return self

    def _start(self) -> Iterator[Document]:
        if self._results is None:
            found = self._run()
            raws = sorted_pairs(found, self._sort) if self._sort else [raw for raw, _ in found]
            raws = raws[self._skip :]
            if self._limit:
                raws = raws[: self._limit]
            self._results = (project(decode(raw), self._projection) for raw in raws)
        return self._results

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Document:
        try:
            return next(self._start())
        except StopIteration:
            raise StopAsyncIteration from None

    async def to_list(self, length: int | None = None) -> list[Document]:
        if length is not None and length < 1:
            raise ValueError("to_list() length must be greater than 0")
        results = self._start()
        out: list[Document] = []
        for doc in results:
            out.append(doc)
            if length is not None and len(out) >= length:
                break
        return out

    async def close(self) -> None:
        self._results = iter(())


class FakeCommandCursor:
    """What `aggregate` returns: its rows, read with `async for` or `to_list`."""

    def __init__(self, rows: list[Document]) -> None:
        self._rows = iter(rows)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Document:
        try:
            return next(self._rows)
        except StopIteration:
            raise StopAsyncIteration from None

    async def to_list(self, length: int | None = None) -> list[Document]:
        if length is not None and length < 1:
            raise ValueError("to_list() length must be greater than 0")
        out: list[Document] = []
        for row in self._rows:
            out.append(row)
            if length is not None and len(out) >= length:
                break
        return out
