"""An in-memory stand-in for PyMongo's `AsyncCollection`: the methods our repositories, the
outbox, the relay and the consumer call, with PyMongo's arguments, results and errors.

Each operation runs to its end without yielding to the event loop, so one operation is atomic,
as a single-document write is on MongoDB. FerretDB 1.24's unlocked read-modify-write updates,
interleavings of concurrent requests, and everything time-related on the server are not
modelled: the integration tests on the real store remain the judge of those. A method or an
option the fake does not know raises `NotImplementedError` naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, NoReturn

from pymongo.common import validate_ok_for_replace
from pymongo.errors import OperationFailure
from pymongo.operations import DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.results import (
    BulkWriteResult,
    DeleteResult,
    InsertManyResult,
    InsertOneResult,
    UpdateResult,
)

from jobfriends_shared.fakes.aggregate import run_pipeline
from jobfriends_shared.fakes.arguments import Bulk, give_id, index_keys, query_of, refuse
from jobfriends_shared.fakes.cursor import FakeCommandCursor, FakeCursor, projection_of
from jobfriends_shared.fakes.state import CollectionState, Index, Stored
from jobfriends_shared.fakes.updates import apply_update, check_update, replaced, upsert_seed
from jobfriends_shared.fakes.values import normalised

if TYPE_CHECKING:
    from jobfriends_shared.fakes.database import FakeDatabase

Document = dict[str, Any]
_CURSOR_OPTIONS = ("sort", "skip", "limit", "batch_size")
_INDEX_OPTIONS = ("unique", "name", "background")
NOT_IMPLEMENTED = 238  # the code a server gives an option it does not implement


class FakeCollection:
    """A handle on a named collection of a `FakeDatabase` (handles are cheap, as PyMongo's are;
    the documents live in the database)."""

    def __init__(self, database: FakeDatabase, name: str) -> None:
        self._database = database
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def full_name(self) -> str:
        return f"{self._database.name}.{self._name}"

    @property
    def database(self) -> FakeDatabase:
        return self._database

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("_"):
            raise AttributeError(name)
        raise NotImplementedError(f"the fake store has no Collection.{name}")

    def __bool__(self) -> NoReturn:
        raise NotImplementedError("Collection objects do not implement truth value testing")

    def _state(self) -> CollectionState:
        return self._database.collection_state(self._name)

    def _existing(self) -> list[Stored]:
        state = self._database.existing_state(self._name)
        return list(state.docs.values()) if state is not None else []

    def _found(self, query: Document) -> list[Stored]:
        state = self._database.existing_state(self._name)
        return state.find(query) if state is not None else []

    # --- reading ----------------------------------------------------------------------------

    def find(self, filter: Any = None, projection: Any = None, **options: Any) -> FakeCursor:
        cursor_options = {k: options.pop(k) for k in _CURSOR_OPTIONS if k in options}
        refuse("find", options)
        query = query_of(filter)
        cursor = FakeCursor(lambda: self._found(query), projection_of(projection))
        if cursor_options.get("sort") is not None:
            cursor.sort(cursor_options["sort"])
        if cursor_options.get("skip"):
            cursor.skip(cursor_options["skip"])
        if cursor_options.get("limit"):
            cursor.limit(cursor_options["limit"])
        return cursor

    async def find_one(self, filter: Any = None, *args: Any, **options: Any) -> Document | None:
        if filter is not None and not isinstance(filter, Mapping):
            filter = {"_id": filter}  # PyMongo's shorthand for {'_id': value}
        found = await self.find(filter, *args, **{**options, "limit": 1}).to_list(1)
        return found[0] if found else None

    async def count_documents(self, filter: Mapping[str, Any], **options: Any) -> int:
        refuse("count_documents", options)
        return len(self._found(query_of(filter)))

    async def aggregate(self, pipeline: Sequence[Document], **options: Any) -> FakeCommandCursor:
        refuse("aggregate", options)
        stages = normalised(list(pipeline))
        return FakeCommandCursor(run_pipeline((doc for _, doc in self._existing()), stages))

    # --- inserting --------------------------------------------------------------------------

    async def insert_one(self, document: Any, **options: Any) -> InsertOneResult:
        refuse("insert_one", options)
        if not isinstance(document, Mapping):
            raise TypeError("document must be a mapping")
        give_id(document)
        self._state().insert(dict(document))
        return InsertOneResult(document["_id"], True)

    async def insert_many(
        self, documents: Any, ordered: bool = True, **options: Any
    ) -> InsertManyResult:
        refuse("insert_many", options)
        docs = list(documents) if not isinstance(documents, Mapping) else []
        if not docs:
            raise TypeError("documents must be a non-empty list")
        for doc in docs:
            if not isinstance(doc, Mapping):
                raise TypeError("document must be a mapping")
            give_id(doc)
        state = self._state()
        bulk = Bulk(ordered)
        for i, doc in enumerate(docs):
            if bulk.run(i, doc, partial(state.insert, dict(doc))):
                bulk.counts["nInserted"] += 1
        bulk.finish()
        return InsertManyResult([d["_id"] for d in docs], True)

    # --- updating ---------------------------------------------------------------------------

    async def update_one(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        upsert: bool = False,
        **options: Any,
    ) -> UpdateResult:
        refuse("update_one", options)
        return self._update(query_of(filter), update, many=False, upsert=upsert)

    async def update_many(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        upsert: bool = False,
        **options: Any,
    ) -> UpdateResult:
        refuse("update_many", options)
        return self._update(query_of(filter), update, many=True, upsert=upsert)

    async def replace_one(
        self,
        filter: Mapping[str, Any],
        replacement: Mapping[str, Any],
        upsert: bool = False,
        **options: Any,
    ) -> UpdateResult:
        refuse("replace_one", options)
        return self._replace(query_of(filter), replacement, upsert)

    def _update(
        self, query: Document, update: Mapping[str, Any], *, many: bool, upsert: bool
    ) -> UpdateResult:
        check_update(update)
        change = normalised(dict(update))
        return self._write(
            query,
            lambda doc: apply_update(doc, change, inserting=False),
            lambda: apply_update(upsert_seed(query), change, inserting=True),
            many=many,
            upsert=upsert,
        )

    def _replace(
        self, query: Document, replacement: Mapping[str, Any], upsert: bool
    ) -> UpdateResult:
        validate_ok_for_replace(replacement)
        new = normalised(dict(replacement))

        def inserted() -> Document:
            doc = replaced(None, new)
            seed_id = upsert_seed(query).get("_id")
            if "_id" not in doc and seed_id is not None:
                doc = {"_id": seed_id, **doc}
            return doc

        return self._write(
            query, lambda doc: replaced(doc, new), inserted, many=False, upsert=upsert
        )

    def _write(
        self,
        query: Document,
        change: Callable[[Document], Document],
        insert: Callable[[], Document],
        *,
        many: bool,
        upsert: bool,
    ) -> UpdateResult:
        state = self._state()
        found = state.find(query)
        if not many:
            found = found[:1]
        modified = sum(state.replace(doc, change(doc)) for _, doc in found)
        if found or not upsert:
            return UpdateResult({"n": len(found), "nModified": modified, "ok": 1.0}, True)
        doc = insert()
        give_id(doc)
        state.insert(doc)
        return UpdateResult({"n": 1, "nModified": 0, "upserted": doc["_id"], "ok": 1.0}, True)

    # --- deleting ---------------------------------------------------------------------------

    async def delete_one(self, filter: Mapping[str, Any], **options: Any) -> DeleteResult:
        refuse("delete_one", options)
        return self._delete(query_of(filter), many=False)

    async def delete_many(self, filter: Mapping[str, Any], **options: Any) -> DeleteResult:
        refuse("delete_many", options)
        return self._delete(query_of(filter), many=True)

    def _delete(self, query: Document, *, many: bool) -> DeleteResult:
        state = self._database.existing_state(self._name)
        found = state.find(query) if state is not None else []
        if not many:
            found = found[:1]
        for _, doc in found:
            assert state is not None
            state.delete(doc)
        return DeleteResult({"n": len(found), "ok": 1.0}, True)

    # --- bulk -------------------------------------------------------------------------------

    async def bulk_write(
        self, requests: Sequence[Any], ordered: bool = True, **options: Any
    ) -> BulkWriteResult:
        """`InsertOne`, `UpdateOne`, `ReplaceOne` and `DeleteOne`, as our code sends them;
        other requests, and options such as collations or array filters, are refused."""
        refuse("bulk_write", options)
        if not requests:
            raise TypeError("requests must be a non-empty list")
        for request in requests:
            if not isinstance(request, InsertOne | UpdateOne | ReplaceOne | DeleteOne):
                raise NotImplementedError(f"the fake store does not bulk-write {request!r}")
            for option in ("_collation", "_hint", "_sort", "_array_filters"):
                if getattr(request, option, None) is not None:
                    raise NotImplementedError(f"the fake store has no {option[1:]} in bulk")
        bulk = Bulk(ordered)
        for i, request in enumerate(requests):
            if isinstance(request, InsertOne):
                give_id(request._doc)
                if bulk.run(i, request._doc, partial(self._state().insert, dict(request._doc))):
                    bulk.counts["nInserted"] += 1
                continue
            query = query_of(request._filter)
            if isinstance(request, DeleteOne):
                if bulk.run(i, request._filter, partial(self._delete, query, many=False)):
                    bulk.counts["nRemoved"] += bulk.last.deleted_count
                continue
            upsert = bool(request._upsert)
            if isinstance(request, UpdateOne):
                if not isinstance(request._doc, Mapping):
                    raise NotImplementedError("the fake store has no update pipelines")
                write = partial(self._update, query, request._doc, many=False, upsert=upsert)
            else:
                write = partial(self._replace, query, request._doc, upsert)
            if bulk.run(i, request._doc, write):
                bulk.updated(i, bulk.last)
        return BulkWriteResult(bulk.finish(), True)

    # --- indexes and the collection itself -------------------------------------------------

    async def create_index(self, keys: Any, **options: Any) -> str:
        if "expireAfterSeconds" in options:
            # No TTL index, answered as FerretDB 1.24 answers (NotImplemented): the code then
            # expires documents itself (`jobfriends_shared.expiry`), which a controlled clock
            # can drive; a server's background deletion could not be.
            raise OperationFailure("TTL indexes are not implemented", NOT_IMPLEMENTED)
        index_options = {k: options.pop(k) for k in _INDEX_OPTIONS if k in options}
        refuse("create_index", options)
        pairs = index_keys(keys)
        name = index_options.get("name") or "_".join(f"{k}_{d}" for k, d in pairs)
        index = Index(tuple(pairs), unique=bool(index_options.get("unique")))
        return self._state().create_index(name, index)

    async def drop(self, **options: Any) -> None:
        refuse("drop", options)
        await self._database.drop_collection(self._name)
