"""Scenarios: updates, replacements, upserts, deletes and bulk writes."""

from __future__ import annotations

from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, WriteError

from jobfriends_shared.fakes.contract.registry import Db, raises, scenario


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
