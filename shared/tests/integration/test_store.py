"""What the code relies on from the store, checked on the store the tests run against.

Answers are checked on every store (MongoDB, FerretDB on PostgreSQL or SQLite): concurrency
rests on unique indexes at insert, and our build of FerretDB must answer as MongoDB does. How
FerretDB on PostgreSQL reads (docs/store.md) is checked through its `explain`, on that store
only.
"""

import asyncio
from typing import Any

import pytest
from jobfriends_shared.mongo import Database
from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError


async def _postgresql_nodes(db: Database, collection: str, query: dict[str, Any]) -> set[str]:
    """The node types of the PostgreSQL plan FerretDB reports for `find(query)`; empty on any
    other store."""
    info = await db.client.admin.command("buildInfo")
    if "ferretdbVersion" not in info:
        return set()
    reply = await db.command({"explain": {"find": collection, "filter": query}})
    plan = reply.get("queryPlanner", {}).get("Plan")
    if not isinstance(plan, dict):  # FerretDB, but not on PostgreSQL (SQLite's is a list)
        return set()
    assert reply["filterPushdown"] is True, reply
    return _nodes(plan)


def _nodes(plan: dict[str, Any]) -> set[str]:
    return {plan["Node Type"]} | {kind for child in plan.get("Plans", []) for kind in _nodes(child)}


async def _reads_an_index(db: Database, collection: str, query: dict[str, Any]) -> bool:
    nodes = await _postgresql_nodes(db, collection, query)
    return not nodes or "Seq Scan" not in nodes


async def test_one_of_many_racing_inserts_of_one_key_wins(probe_db: Database) -> None:
    claims = probe_db["claims"]
    await claims.create_index("seat", unique=True)

    async def claim(n: int) -> bool:
        try:
            await claims.insert_one({"_id": f"c{n}", "seat": "front-row"})
        except DuplicateKeyError:
            return False
        return True

    won = await asyncio.gather(*(claim(n) for n in range(40)))
    assert sum(won) == 1
    assert await claims.count_documents({}) == 1


@pytest.fixture
async def docs(probe_db: Database) -> Database:
    """A collection big enough that PostgreSQL prefers an index it can use."""
    await probe_db["docs"].insert_many(
        [{"_id": f"d{n:05d}", "owner": f"o{n % 100}"} for n in range(3000)]
    )
    await probe_db["docs"].create_index("owner")
    return probe_db


async def test_a_lookup_by_id_reads_the_id_index(docs: Database) -> None:
    """Our build of FerretDB pushes `_id` equality down as `=` (infra/bin/ferretdb_patches.py):
    as released, its `@>` read the whole table for every lookup by `_id`."""
    assert await _reads_an_index(docs, "docs", {"_id": "d01234"})
    assert await docs["docs"].find_one({"_id": "d01234"}) == {"_id": "d01234", "owner": "o34"}


async def test_equality_on_an_indexed_field_reads_that_index(docs: Database) -> None:
    """Our build creates FerretDB's indexes as GIN indexes, which answer the containment
    FerretDB pushes equality down as: as released, its btree indexes could not, and every such
    query read the whole table."""
    assert await _reads_an_index(docs, "docs", {"owner": "o7"})
    assert len(await docs["docs"].find({"owner": "o7"}).to_list()) == 30


async def test_equality_on_a_field_without_an_index_still_answers(docs: Database) -> None:
    nodes = await _postgresql_nodes(docs, "docs", {"missing": 1})
    assert not nodes or "Seq Scan" in nodes
    assert await docs["docs"].find({"missing": 1}).to_list() == []


async def test_an_element_of_an_array_is_found_through_the_index(probe_db: Database) -> None:
    """MongoDB's equality matches an element of an array; the GIN index keeps that."""
    tagged = probe_db["tagged"]
    await tagged.create_index("tags")
    await tagged.insert_many(
        [{"_id": f"t{n}", "tags": [f"k{n % 3}", "all"]} for n in range(300)] + [{"_id": "x"}]
    )
    assert await _reads_an_index(probe_db, "tagged", {"tags": "k1"})
    assert len(await tagged.find({"tags": "k1"}).to_list()) == 100
    assert len(await tagged.find({"tags": "all"}).to_list()) == 300


async def test_a_unique_index_refuses_duplicates_answers_queries_and_drops(
    probe_db: Database,
) -> None:
    people = probe_db["people"]
    await people.create_index("email", unique=True)
    await people.insert_many([{"_id": f"p{n}", "email": f"p{n}@example.org"} for n in range(300)])
    with pytest.raises(DuplicateKeyError):
        await people.insert_one({"_id": "again", "email": "p7@example.org"})
    assert await _reads_an_index(probe_db, "people", {"email": "p7@example.org"})

    await people.drop_index("email_1")
    await people.insert_one({"_id": "again", "email": "p7@example.org"})
    assert await people.count_documents({"email": "p7@example.org"}) == 2
    # Made again, it refuses what it finds duplicated, as MongoDB does.
    with pytest.raises(Exception, match=r"(?i)duplicate|unique"):
        await people.create_index("email", unique=True)


async def test_a_lookup_of_many_ids_reads_the_id_index(docs: Database) -> None:
    """Our build pushes `_id` with `$in` down as `IN (…)`; as released, `$in` read every row."""
    wanted = ["d00007", "d02999", "d01500", "missing"]
    assert await _reads_an_index(docs, "docs", {"_id": {"$in": wanted}})
    found = await docs["docs"].find({"_id": {"$in": wanted}}).to_list()
    assert sorted(d["_id"] for d in found) == ["d00007", "d01500", "d02999"]
    # Values of other types are matched as MongoDB does, by reading every row.
    mixed = await docs["docs"].find({"_id": {"$in": ["d00007", 7, None]}}).to_list()
    assert [d["_id"] for d in mixed] == ["d00007"]


async def test_a_bulk_write_of_more_statements_than_the_backend_pool_completes(
    probe_db: Database,
) -> None:
    """Batch consumers write a poll's worth in one command: 300 upserts, more than FerretDB's
    200 pooled PostgreSQL connections (released, each statement held one until the command
    ended, and the store deadlocked)."""
    people = probe_db["people"]
    writes = [UpdateOne({"_id": f"p{n}"}, {"$set": {"n": n}}, upsert=True) for n in range(300)]
    result = await asyncio.wait_for(people.bulk_write(writes, ordered=False), timeout=60)
    assert result.upserted_count == 300
    again = await asyncio.wait_for(people.bulk_write(writes, ordered=False), timeout=60)
    assert again.matched_count == 300
