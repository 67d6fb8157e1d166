"""What the fake store promises, written once and checked against both stores.

Each scenario takes an empty database and asserts one behaviour our code relies on. The unit
tests run them on `FakeDatabase`; an integration test runs the same scenarios on the real store,
so where the fake and the store disagree, a test says so, and the store is right. Where
MongoDB and FerretDB 1.24 disagree with each other (a null or missing field in a unique key:
one key on MongoDB, distinct keys on FerretDB), the fake picks neither and raises
`NotImplementedError`, since our code must hold on both.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

Db = Any  # a FakeDatabase or PyMongo's AsyncDatabase: the scenarios use what both offer
Scenario = Callable[[Db], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {}


E = TypeVar("E", bound=BaseException)


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


@dataclass
class Caught(Generic[E]):
    """The exception `raises` caught, once its block is over."""

    caught: E | None = None

    @property
    def value(self) -> E:
        assert self.caught is not None
        return self.caught


@contextmanager
def raises(kind: type[E], match: str = "") -> Iterator[Caught[E]]:
    """`pytest.raises`, without making this library depend on pytest."""
    result: Caught[E] = Caught()
    try:
        yield result
    except kind as exc:
        if not re.search(match, str(exc)):
            raise AssertionError(f"{exc!r} does not match {match!r}") from exc
        result.caught = exc
    else:
        raise AssertionError(f"{kind.__name__} not raised")


async def _ids(cursor: Any) -> list[Any]:
    return [d["_id"] for d in await cursor.to_list()]


# --- documents as stored ---------------------------------------------------------------------


@scenario
async def insert_gives_an_object_id_to_the_callers_document(db: Db) -> None:
    doc: dict[str, Any] = {"a": 1}
    result = await db["c"].insert_one(doc)
    assert isinstance(doc["_id"], ObjectId)
    assert result.inserted_id == doc["_id"]
    assert await db["c"].find_one({"_id": doc["_id"]}) == doc


@scenario
async def reads_and_writes_are_copies(db: Db) -> None:
    doc: dict[str, Any] = {"_id": "x", "tags": ["a"], "inner": {"n": 1}}
    await db["c"].insert_one(doc)
    doc["tags"].append("b")
    read = await db["c"].find_one({"_id": "x"})
    assert read == {"_id": "x", "tags": ["a"], "inner": {"n": 1}}
    read["inner"]["n"] = 2
    assert (await db["c"].find_one({"_id": "x"}))["inner"] == {"n": 1}


@scenario
async def values_come_back_as_bson_keeps_them(db: Db) -> None:
    at = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    await db["c"].insert_one({"_id": "x", "pair": (1, 2), "at": at})
    read = await db["c"].find_one({"_id": "x"})
    assert read["pair"] == [1, 2]
    assert read["at"] == at.replace(microsecond=123000)
    assert read["at"].utcoffset() == timedelta(0)


@scenario
async def an_id_is_unique(db: Db) -> None:
    await db["c"].insert_one({"_id": "x"})
    with raises(DuplicateKeyError) as caught:
        await db["c"].insert_one({"_id": "x", "other": True})
    assert caught.value.code == 11000
    assert await db["c"].find_one({"_id": "x"}) == {"_id": "x"}


@scenario
async def a_unique_index_holds_for_pairs(db: Db) -> None:
    await db["c"].create_index([("owner", ASCENDING), ("member", ASCENDING)], unique=True)
    await db["c"].insert_one({"_id": 1, "owner": "a", "member": "b"})
    await db["c"].insert_one({"_id": 2, "owner": "a", "member": "c"})
    with raises(DuplicateKeyError):
        await db["c"].insert_one({"_id": 3, "owner": "a", "member": "b"})
    assert sorted(await _ids(db["c"].find({"owner": "a"}))) == [1, 2]


@scenario
async def insert_many_stops_at_a_duplicate_only_when_ordered(db: Db) -> None:
    await db["c"].insert_one({"_id": 2})
    docs = [{"_id": 1}, {"_id": 2}, {"_id": 3}]
    with raises(BulkWriteError) as ordered:
        await db["c"].insert_many(docs, ordered=True)
    assert ordered.value.details["nInserted"] == 1
    assert [e["code"] for e in ordered.value.details["writeErrors"]] == [11000]
    with raises(BulkWriteError) as unordered:
        await db["c"].insert_many([{"_id": 4}, {"_id": 2}, {"_id": 5}], ordered=False)
    assert unordered.value.details["nInserted"] == 2
    assert [e["index"] for e in unordered.value.details["writeErrors"]] == [1]
    assert sorted(await _ids(db["c"].find({}))) == [1, 2, 4, 5]


# --- queries ---------------------------------------------------------------------------------


@scenario
async def a_condition_on_an_array_matches_any_element_or_the_whole(db: Db) -> None:
    await db["c"].insert_many([{"_id": 1, "users": ["a", "b"]}, {"_id": 2, "users": ["c"]}])
    assert await _ids(db["c"].find({"users": "a"})) == [1]
    assert await _ids(db["c"].find({"users": ["a", "b"]})) == [1]
    assert await _ids(db["c"].find({"users": {"$in": ["c", "x"]}})) == [2]
    assert await _ids(db["c"].find({"users": {"$all": ["b", "a"]}})) == [1]
    assert await _ids(db["c"].find({"users": {"$ne": "a"}})) == [2]


@scenario
async def a_missing_field_is_null_for_equality_and_ne(db: Db) -> None:
    await db["c"].insert_many([{"_id": 1, "f": True}, {"_id": 2, "f": None}, {"_id": 3}])
    assert sorted(await _ids(db["c"].find({"f": None}))) == [2, 3]
    assert sorted(await _ids(db["c"].find({"f": {"$ne": True}}))) == [2, 3]
    assert sorted(await _ids(db["c"].find({"f": {"$in": [None]}}))) == [2, 3]
    assert await _ids(db["c"].find({"f": {"$nin": [None]}})) == [1]


@scenario
async def ranges_compare_only_values_of_one_type(db: Db) -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    await db["c"].insert_many(
        [
            {"_id": 1, "v": at},
            {"_id": 2, "v": "2023"},
            {"_id": 3, "v": 5},
            {"_id": 4, "v": 2.5},
            {"_id": 5},
        ]
    )
    assert await _ids(db["c"].find({"v": {"$lt": at + timedelta(days=1)}})) == [1]
    assert await _ids(db["c"].find({"v": {"$gt": "2000"}})) == [2]
    assert sorted(await _ids(db["c"].find({"v": {"$gte": 2, "$lte": 5}}))) == [3, 4]


@scenario
async def booleans_are_not_numbers(db: Db) -> None:
    await db["c"].insert_many([{"_id": 1, "v": True}, {"_id": 2, "v": 1}, {"_id": 3, "v": 1.0}])
    assert await _ids(db["c"].find({"v": True})) == [1]
    assert sorted(await _ids(db["c"].find({"v": 1}))) == [2, 3]


@scenario
async def and_or_combine_conditions(db: Db) -> None:
    await db["c"].insert_many(
        [{"_id": 1, "a": 1, "b": 1}, {"_id": 2, "a": 1, "b": 2}, {"_id": 3, "a": 2, "b": 2}]
    )
    query = {"$and": [{"a": 1}, {"$or": [{"b": 2}, {"_id": {"$gt": 2}}]}]}
    assert await _ids(db["c"].find(query)) == [2]


@scenario
async def embedded_documents_match_field_by_field_in_order(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "d": {"x": 1, "y": 2}, "n": {"deep": {"v": 3}}})
    assert await _ids(db["c"].find({"d": {"x": 1, "y": 2}})) == [1]
    assert await _ids(db["c"].find({"d": {"y": 2, "x": 1}})) == []
    assert await _ids(db["c"].find({"n.deep.v": 3})) == [1]


# --- cursors ---------------------------------------------------------------------------------


@scenario
async def sort_skip_limit(db: Db) -> None:
    await db["c"].insert_many(
        [{"_id": i, "k": k, "r": r} for i, (k, r) in enumerate([(1, "b"), (2, "a"), (1, "a")])]
        + [{"_id": 9}]
    )
    by_k = db["c"].find({}).sort([("k", ASCENDING), ("r", DESCENDING)])
    assert await _ids(by_k) == [9, 0, 2, 1]
    assert await _ids(db["c"].find({}).sort("_id", DESCENDING).skip(1).limit(2)) == [2, 1]
    first_two = await db["c"].find({}).sort("_id").to_list(2)
    assert first_two == [{"_id": 0, "k": 1, "r": "b"}, {"_id": 1, "k": 2, "r": "a"}]
    first = await db["c"].find_one({"k": 1}, sort=[("r", ASCENDING)])
    assert first["_id"] == 2
    assert [d["_id"] async for d in db["c"].find({"k": 2})] == [1]


@scenario
async def projections_include_or_exclude(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "a": 1, "b": 2, "c": 3})
    assert await db["c"].find_one({}, {"a": 1}) == {"_id": 1, "a": 1}
    assert await db["c"].find_one({}, {"a": 0, "b": 0}) == {"_id": 1, "c": 3}
    assert await db["c"].find_one({}, {"_id": 1}) == {"_id": 1}
    assert await db["c"].find_one({}, {"_id": 0, "c": 1}) == {"c": 3}


# --- updates ---------------------------------------------------------------------------------


@scenario
async def set_and_unset_count_what_changed(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "a": 1, "gone": True})
    same = await db["c"].update_one({"_id": 1}, {"$set": {"a": 1}})
    assert (same.matched_count, same.modified_count) == (1, 0)
    changed = await db["c"].update_one({"_id": 1}, {"$set": {"s.t": 2}, "$unset": {"gone": ""}})
    assert (changed.matched_count, changed.modified_count) == (1, 1)
    assert await db["c"].find_one({"_id": 1}) == {"_id": 1, "a": 1, "s": {"t": 2}}
    nothing = await db["c"].update_many({"a": 5}, {"$set": {"b": 1}})
    assert (nothing.matched_count, nothing.upserted_id) == (0, None)


@scenario
async def an_upsert_starts_from_the_filters_equalities(db: Db) -> None:
    result = await db["c"].update_one(
        {"_id": "x", "kind": "k", "n": {"$gt": 1}},
        {"$set": {"v": 1}, "$setOnInsert": {"first": True}},
        upsert=True,
    )
    assert result.upserted_id == "x"
    assert await db["c"].find_one({"_id": "x"}) == {"_id": "x", "kind": "k", "v": 1, "first": True}
    again = await db["c"].update_one(
        {"_id": "x"}, {"$set": {"v": 2}, "$setOnInsert": {"first": False}}, upsert=True
    )
    assert (again.matched_count, again.upserted_id) == (1, None)
    assert (await db["c"].find_one({"_id": "x"}))["first"] is True


@scenario
async def max_min_and_pull(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "n": 5, "top": ["a", "b", "a"]})
    await db["c"].update_one({"_id": 1}, {"$max": {"n": 3, "hi": 1}, "$min": {"lo": 4}})
    await db["c"].update_one({"_id": 1}, {"$max": {"hi": 7}, "$min": {"lo": 9}})
    await db["c"].update_many({"top": "a"}, {"$pull": {"top": "a"}})
    assert await db["c"].find_one({"_id": 1}) == {"_id": 1, "n": 5, "top": ["b"], "hi": 7, "lo": 4}


@scenario
async def two_operators_on_one_path_are_refused(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "a": {"b": 1}})
    with raises(WriteError) as caught:
        await db["c"].update_one({"_id": 1}, {"$set": {"a.b": 2}, "$unset": {"a": ""}})
    assert caught.value.code == 40


@scenario
async def the_id_cannot_change(db: Db) -> None:
    await db["c"].insert_one({"_id": 1})
    with raises(WriteError) as caught:
        await db["c"].update_one({"_id": 1}, {"$set": {"_id": 2}})
    assert caught.value.code == 66
    with raises(WriteError):
        await db["c"].replace_one({"_id": 1}, {"_id": 3, "v": 1})


@scenario
async def replace_keeps_the_id_and_upserts_with_the_filters_id(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "old": True})
    await db["c"].replace_one({"_id": 1}, {"new": True})
    assert await db["c"].find_one({"_id": 1}) == {"_id": 1, "new": True}
    result = await db["c"].replace_one({"_id": 2, "ignored": "x"}, {"v": 1}, upsert=True)
    assert result.upserted_id == 2
    assert await db["c"].find_one({"_id": 2}) == {"_id": 2, "v": 1}


@scenario
async def the_client_refuses_updates_without_operators_and_replacements_with(db: Db) -> None:
    with raises(ValueError, match=r"\$ operators"):
        await db["c"].update_one({"_id": 1}, {"v": 1})
    with raises(ValueError, match=r"\$ operators"):
        await db["c"].replace_one({"_id": 1}, {"$set": {"v": 1}})


@scenario
async def deletes_count_what_they_removed(db: Db) -> None:
    await db["c"].insert_many([{"_id": i, "even": i % 2 == 0} for i in range(5)])
    assert (await db["c"].delete_one({"even": True})).deleted_count == 1
    assert (await db["c"].delete_many({"even": True})).deleted_count == 2
    assert (await db["c"].delete_many({"even": True})).deleted_count == 0
    assert await db["c"].count_documents({}) == 2


@scenario
async def bulk_inserts_updates_and_an_unordered_duplicate(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "v": 1})
    ops = [
        UpdateOne({"_id": 1}, {"$set": {"v": 2}}),
        UpdateOne({"_id": 2}, {"$setOnInsert": {"v": 0}}, upsert=True),
        InsertOne({"_id": 1}),
        InsertOne({"_id": 3}),
    ]
    with raises(BulkWriteError) as caught:
        await db["c"].bulk_write(ops, ordered=False)
    details = caught.value.details
    assert (details["nMatched"], details["nUpserted"], details["nInserted"]) == (1, 1, 1)
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(2, 11000)]
    assert await db["c"].find({}).sort("_id").to_list() == [
        {"_id": 1, "v": 2},
        {"_id": 2, "v": 0},
        {"_id": 3},
    ]


@scenario
async def bulk_replace_and_delete(db: Db) -> None:
    await db["c"].insert_many([{"_id": 1, "v": 1}, {"_id": 2, "v": 2}])
    ops = [ReplaceOne({"_id": 1}, {"v": 10}), ReplaceOne({"_id": 3}, {"v": 3}, upsert=True)]
    result = await db["c"].bulk_write([*ops, DeleteOne({"_id": 2})], ordered=True)
    assert (result.matched_count, result.upserted_count, result.deleted_count) == (1, 1, 1)
    assert await db["c"].find({}).sort("_id").to_list() == [
        {"_id": 1, "v": 10},
        {"_id": 3, "v": 3},
    ]


# --- aggregation, counts, collections --------------------------------------------------------


@scenario
async def group_counts_by_a_field_or_a_document_of_fields(db: Db) -> None:
    await db["c"].insert_many(
        [
            {"_id": 1, "p": "x", "e": "+1"},
            {"_id": 2, "p": "x", "e": "+1"},
            {"_id": 3, "p": "x", "e": "ok"},
            {"_id": 4, "p": "y", "e": "+1"},
        ]
    )
    rows = await db["c"].aggregate(
        [
            {"$match": {"p": "x"}},
            {"$group": {"_id": {"p": "$p", "e": "$e"}, "n": {"$sum": 1}}},
        ]
    )
    counted = {(r["_id"]["p"], r["_id"]["e"]): r["n"] async for r in rows}
    assert counted == {("x", "+1"): 2, ("x", "ok"): 1}
    by_p = await db["c"].aggregate([{"$group": {"_id": "$p", "n": {"$sum": 1}}}])
    assert sorted([(r["_id"], r["n"]) async for r in by_p]) == [("x", 3), ("y", 1)]


@scenario
async def counts_by_command_and_by_query(db: Db) -> None:
    await db["c"].insert_many([{"_id": i, "left": i > 2} for i in range(5)])
    reply = await db.command("count", "c", query={"left": False})
    assert int(reply["n"]) == 3
    assert await db["c"].count_documents({"left": True}) == 2


@scenario
async def collections_exist_once_written_and_go_when_dropped(db: Db) -> None:
    assert await db["c"].find_one({}) is None
    assert "c" not in await db.list_collection_names()
    await db["c"].insert_one({"_id": 1})
    await db["d"].create_index("f")
    assert {"c", "d"} <= set(await db.list_collection_names())
    await db["c"].drop()
    await db.drop_collection("d")
    assert not {"c", "d"} & set(await db.list_collection_names())
    assert await db["c"].find_one({}) is None
