"""Scenarios: documents as the store keeps them, unique ids and indexes, bulk inserts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from jobfriends_shared.fakes.contract.registry import Db, ids_of, raises, scenario


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
    assert sorted(await ids_of(db["c"].find({"owner": "a"}))) == [1, 2]


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
    assert sorted(await ids_of(db["c"].find({}))) == [1, 2, 4, 5]
