"""The in-memory copies of stored documents: when a read is answered from memory, and every way
a copy stops being used (a write here or elsewhere, a write racing the read, expiry, room)."""

from __future__ import annotations

import asyncio

from feed.repository.memory import DocumentCache
from jobfriends_shared.mongo import Document


class Store:
    """A stand-in for one collection: counts loads, can hold a load until released."""

    def __init__(self) -> None:
        self.docs: dict[str, Document] = {}
        self.loads = 0
        self.gate: asyncio.Event | None = None

    def loader(self, doc_id: str):  # type: ignore[no-untyped-def]
        async def load() -> Document | None:
            self.loads += 1
            found = self.docs.get(doc_id)
            if self.gate is not None:
                await self.gate.wait()
            return None if found is None else dict(found)

        return load


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def read(cache: DocumentCache, store: Store, doc_id: str) -> Document | None:
    return await cache.get("posts", doc_id, store.loader(doc_id))


async def test_a_second_read_is_answered_from_memory_absent_documents_too() -> None:
    cache, store = DocumentCache(100, 60), Store()
    store.docs["p1"] = {"_id": "p1", "text": "hi"}
    assert await read(cache, store, "p1") == {"_id": "p1", "text": "hi"}
    assert await read(cache, store, "p1") == {"_id": "p1", "text": "hi"}
    assert await read(cache, store, "nope") is None
    assert await read(cache, store, "nope") is None
    assert store.loads == 2


async def test_a_write_here_drops_the_copy_and_is_announced_to_the_other_instances() -> None:
    cache, store = DocumentCache(100, 60), Store()
    heard: list[tuple[str, list[str] | None]] = []
    cache.announce = lambda collection, ids: heard.append((collection, ids))
    store.docs["p1"] = {"_id": "p1", "text": "old"}
    await read(cache, store, "p1")
    store.docs["p1"] = {"_id": "p1", "text": "new"}
    cache.changed("posts", ["p1", "p1"])
    assert (await read(cache, store, "p1") or {})["text"] == "new"
    assert heard == [("posts", ["p1"])]


async def test_an_announced_write_drops_the_copy_without_announcing_again() -> None:
    cache, store = DocumentCache(100, 60), Store()
    heard: list[object] = []
    cache.announce = lambda *args: heard.append(args)
    store.docs["p1"] = {"_id": "p1", "text": "old"}
    await read(cache, store, "p1")
    store.docs["p1"]["text"] = "new"
    cache.drop("posts", ["p1"])
    assert (await read(cache, store, "p1") or {})["text"] == "new"
    assert heard == []


async def test_a_read_that_overlaps_a_write_of_its_document_is_not_kept() -> None:
    cache, store = DocumentCache(100, 60), Store()
    store.docs["p1"] = {"_id": "p1", "text": "old"}
    store.gate = asyncio.Event()
    slow = asyncio.create_task(read(cache, store, "p1"))
    await asyncio.sleep(0)
    store.docs["p1"] = {"_id": "p1", "text": "new"}
    cache.changed("posts", ["p1"])  # lands while the read still holds the old version
    store.gate.set()
    assert (await slow or {})["text"] == "old"
    store.gate = None
    assert (await read(cache, store, "p1") or {})["text"] == "new"


async def test_readers_missing_one_document_together_share_one_read() -> None:
    cache, store = DocumentCache(100, 60), Store()
    store.docs["p1"] = {"_id": "p1", "text": "hi"}
    store.gate = asyncio.Event()
    readers = [asyncio.create_task(read(cache, store, "p1")) for _ in range(5)]
    await asyncio.sleep(0)
    store.gate.set()
    assert [(await r or {})["text"] for r in readers] == ["hi"] * 5
    assert store.loads == 1


async def test_who_reads_after_a_write_does_not_wait_for_a_read_from_before_it() -> None:
    cache, store = DocumentCache(100, 60), Store()
    store.docs["p1"] = {"_id": "p1", "text": "old"}
    gate = store.gate = asyncio.Event()
    before = asyncio.create_task(read(cache, store, "p1"))
    await asyncio.sleep(0)
    store.docs["p1"] = {"_id": "p1", "text": "new"}
    cache.changed("posts", ["p1"])
    store.gate = None
    assert (await read(cache, store, "p1") or {})["text"] == "new"
    assert not before.done()
    gate.set()
    assert (await before or {})["text"] == "old"
    assert (await read(cache, store, "p1") or {})["text"] == "new"
    assert store.loads == 2


async def test_a_write_to_any_document_of_a_collection_drops_all_of_it_and_racing_reads() -> None:
    cache, store = DocumentCache(100, 60), Store()
    store.docs = {"a": {"_id": "a", "n": 1}, "b": {"_id": "b", "n": 1}}
    await read(cache, store, "a")
    store.gate = asyncio.Event()
    slow = asyncio.create_task(read(cache, store, "b"))
    await asyncio.sleep(0)
    store.docs = {"a": {"_id": "a", "n": 2}, "b": {"_id": "b", "n": 2}}
    cache.changed("posts", None)
    store.gate.set()
    await slow
    store.gate = None
    assert [(await read(cache, store, k) or {})["n"] for k in ("a", "b")] == [2, 2]


async def test_a_copy_expires_within_its_time_and_copies_read_together_spread_out() -> None:
    clock = Clock()
    cache, store = DocumentCache(1000, 60, now=clock), Store()
    store.docs = {f"p{n}": {"_id": f"p{n}", "text": "old"} for n in range(200)}
    for doc_id in store.docs:
        await read(cache, store, doc_id)
    for doc in store.docs.values():
        doc["text"] = "new"  # written where no announcement reaches

    async def old_ones() -> int:
        return sum([(await read(cache, store, k) or {})["text"] == "old" for k in store.docs])

    clock.t = 44.9
    assert await old_ones() == 200
    clock.t = 52.5
    assert 20 < await old_ones() < 180
    clock.t = 60.0
    assert await old_ones() == 0


async def test_the_least_recently_read_copies_make_room() -> None:
    cache, store = DocumentCache(2, 60), Store()
    store.docs = {k: {"_id": k} for k in "abc"}
    await read(cache, store, "a")
    await read(cache, store, "b")
    await read(cache, store, "a")
    await read(cache, store, "c")  # "b" goes
    assert len(cache) == 2
    loads = store.loads
    await read(cache, store, "a")
    await read(cache, store, "b")
    assert store.loads == loads + 1


async def test_nothing_is_kept_until_the_instance_hears_announcements() -> None:
    cache, store = DocumentCache(100, 60), Store()
    hears = False
    cache.hearing = lambda: hears
    store.docs["p1"] = {"_id": "p1"}
    await read(cache, store, "p1")
    await read(cache, store, "p1")
    assert store.loads == 2
    hears = True
    await read(cache, store, "p1")
    await read(cache, store, "p1")
    assert store.loads == 3


async def test_what_a_caller_changes_in_a_copy_is_not_seen_by_the_next_reader() -> None:
    cache, store = DocumentCache(100, 60), Store()
    store.docs["p1"] = {"_id": "p1", "text": "hi"}
    mine = await read(cache, store, "p1")
    assert mine is not None
    mine["text"] = "changed by a caller"
    assert (await read(cache, store, "p1") or {})["text"] == "hi"


async def test_copies_off_reads_the_store_every_time() -> None:
    cache, store = DocumentCache(100, 0), Store()
    store.docs["p1"] = {"_id": "p1"}
    await read(cache, store, "p1")
    await read(cache, store, "p1")
    assert store.loads == 2
