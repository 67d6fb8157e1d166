"""Scenarios: aggregation, counts, and collections coming and going."""

from __future__ import annotations

from jobfriends_shared.fakes.contract.registry import Db, scenario


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
