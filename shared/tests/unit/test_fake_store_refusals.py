"""What the fake store does not model fails loudly, never silently differs from the store."""

from typing import Any

import pytest
from jobfriends_shared.fakes import FakeClient, FakeDatabase
from pymongo import UpdateMany
from pymongo.errors import InvalidOperation, OperationFailure


@pytest.fixture
async def db() -> FakeDatabase:
    db = FakeDatabase("t")
    await db["c"].insert_one({"_id": 1, "tags": ["a"], "n": 1})
    return db


@pytest.mark.parametrize(
    "query",
    [
        {"n": {"$exists": True}},
        {"$nor": [{"n": 1}]},
        {"$where": "true"},
        {"tags": {"$elemMatch": {"$eq": "a"}}},
        {"tags.0": "a"},
        {"n": {"$not": {"$eq": 1}}},
    ],
)
async def test_an_unknown_query_operator_raises(db: FakeDatabase, query: Any) -> None:
    with pytest.raises(NotImplementedError):
        await db["c"].find(query).to_list()


@pytest.mark.parametrize(
    "update",
    [{"$inc": {"n": 1}}, {"$push": {"tags": "b"}}, {"$addToSet": {"tags": "b"}}],
)
async def test_an_unknown_update_operator_raises_even_when_nothing_matches(
    db: FakeDatabase, update: Any
) -> None:
    with pytest.raises(NotImplementedError):
        await db["c"].update_one({"_id": "none"}, update)
    assert await db["c"].find_one({"_id": 1}) == {"_id": 1, "tags": ["a"], "n": 1}


async def test_unknown_stages_methods_options_and_commands_raise(db: FakeDatabase) -> None:
    with pytest.raises(NotImplementedError):
        await db["c"].aggregate([{"$lookup": {"from": "d"}}])
    with pytest.raises(NotImplementedError):
        await db["c"].aggregate([{"$group": {"_id": "$n", "m": {"$max": "$n"}}}])
    with pytest.raises(NotImplementedError):
        await db["c"].find_one_and_update({"_id": 1}, {"$set": {"n": 2}})
    with pytest.raises(NotImplementedError):
        await db["c"].find({}, collation={"locale": "fr"}).to_list()
    with pytest.raises(NotImplementedError):
        await db["c"].create_index("n", partialFilterExpression={"n": {"$gt": 0}})
    with pytest.raises(NotImplementedError):
        await db["c"].create_index([("place", "2dsphere")])
    with pytest.raises(NotImplementedError):
        await db["c"].bulk_write([UpdateMany({"_id": 1}, {"$set": {"n": 2}})])
    with pytest.raises(NotImplementedError):
        await db.command("buildInfo")
    with pytest.raises(NotImplementedError):
        db.users  # noqa: B018 (attribute access is the refused operation)


async def test_values_and_sorts_it_cannot_order_raise(db: FakeDatabase) -> None:
    await db["c"].insert_one({"_id": 2, "tags": ["b"]})
    with pytest.raises(NotImplementedError):
        await db["c"].find({}).sort("tags").to_list()
    with pytest.raises(NotImplementedError):
        await db["c"].find({"n": {"$gt": [1]}}).to_list()


async def test_a_unique_key_over_an_array_or_a_null_raises(db: FakeDatabase) -> None:
    with pytest.raises(NotImplementedError):
        await db["c"].create_index("tags", unique=True)
    await db["d"].create_index([("owner", 1), ("member", 1)], unique=True)
    await db["d"].insert_one({"owner": "a", "member": "b"})
    with pytest.raises(NotImplementedError):
        await db["d"].insert_one({"owner": "a"})
    with pytest.raises(NotImplementedError):
        await db["d"].insert_one({"owner": "a", "member": None})


async def test_a_cursor_cannot_change_once_read(db: FakeDatabase) -> None:
    cursor = db["c"].find({})
    assert [d["_id"] async for d in cursor] == [1]
    with pytest.raises(InvalidOperation):
        cursor.limit(1)
    with pytest.raises(ValueError, match="greater than 0"):
        await db["c"].find({}).to_list(0)


async def test_a_dropped_database_is_empty_for_every_handle() -> None:
    client = FakeClient()
    db = client["x"]
    await db["c"].insert_one({"_id": 1})
    assert await client.list_database_names() == ["x"]
    await client.drop_database("x")
    assert await db["c"].find_one({}) is None
    assert await client["x"].list_collection_names() == []


async def test_a_ttl_index_is_refused_as_ferretdb_refuses_it(db: FakeDatabase) -> None:
    with pytest.raises(OperationFailure) as refused:
        await db["c"].create_index("at", expireAfterSeconds=60)
    assert refused.value.code == 238
