"""Scenarios: which documents a filter matches, and how cursors order and shape them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING, DESCENDING

from jobfriends_shared.fakes.contract.registry import Db, ids_of, scenario


@scenario
async def a_condition_on_an_array_matches_any_element_or_the_whole(db: Db) -> None:
    await db["c"].insert_many([{"_id": 1, "users": ["a", "b"]}, {"_id": 2, "users": ["c"]}])
    assert await ids_of(db["c"].find({"users": "a"})) == [1]
    assert await ids_of(db["c"].find({"users": ["a", "b"]})) == [1]
    assert await ids_of(db["c"].find({"users": {"$in": ["c", "x"]}})) == [2]
    assert await ids_of(db["c"].find({"users": {"$all": ["b", "a"]}})) == [1]
    assert await ids_of(db["c"].find({"users": {"$ne": "a"}})) == [2]


@scenario
async def a_missing_field_is_null_for_equality_and_ne(db: Db) -> None:
    await db["c"].insert_many([{"_id": 1, "f": True}, {"_id": 2, "f": None}, {"_id": 3}])
    assert sorted(await ids_of(db["c"].find({"f": None}))) == [2, 3]
    assert sorted(await ids_of(db["c"].find({"f": {"$ne": True}}))) == [2, 3]
    assert sorted(await ids_of(db["c"].find({"f": {"$in": [None]}}))) == [2, 3]
    assert await ids_of(db["c"].find({"f": {"$nin": [None]}})) == [1]


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
    assert await ids_of(db["c"].find({"v": {"$lt": at + timedelta(days=1)}})) == [1]
    assert await ids_of(db["c"].find({"v": {"$gt": "2000"}})) == [2]
    assert sorted(await ids_of(db["c"].find({"v": {"$gte": 2, "$lte": 5}}))) == [3, 4]


@scenario
async def booleans_are_not_numbers(db: Db) -> None:
    await db["c"].insert_many([{"_id": 1, "v": True}, {"_id": 2, "v": 1}, {"_id": 3, "v": 1.0}])
    assert await ids_of(db["c"].find({"v": True})) == [1]
    assert sorted(await ids_of(db["c"].find({"v": 1}))) == [2, 3]


@scenario
async def and_or_combine_conditions(db: Db) -> None:
    await db["c"].insert_many(
        [{"_id": 1, "a": 1, "b": 1}, {"_id": 2, "a": 1, "b": 2}, {"_id": 3, "a": 2, "b": 2}]
    )
    query = {"$and": [{"a": 1}, {"$or": [{"b": 2}, {"_id": {"$gt": 2}}]}]}
    assert await ids_of(db["c"].find(query)) == [2]


@scenario
async def embedded_documents_match_field_by_field_in_order(db: Db) -> None:
    await db["c"].insert_one({"_id": 1, "d": {"x": 1, "y": 2}, "n": {"deep": {"v": 3}}})
    assert await ids_of(db["c"].find({"d": {"x": 1, "y": 2}})) == [1]
    assert await ids_of(db["c"].find({"d": {"y": 2, "x": 1}})) == []
    assert await ids_of(db["c"].find({"n.deep.v": 3})) == [1]


# --- cursors ---------------------------------------------------------------------------------


@scenario
async def sort_skip_limit(db: Db) -> None:
    await db["c"].insert_many(
        [{"_id": i, "k": k, "r": r} for i, (k, r) in enumerate([(1, "b"), (2, "a"), (1, "a")])]
        + [{"_id": 9}]
    )
    by_k = db["c"].find({}).sort([("k", ASCENDING), ("r", DESCENDING)])
    assert await ids_of(by_k) == [9, 0, 2, 1]
    assert await ids_of(db["c"].find({}).sort("_id", DESCENDING).skip(1).limit(2)) == [2, 1]
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
