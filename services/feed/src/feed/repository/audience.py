"""Audiences kept as insert-only versions, so that a fan-out reads one by `_id` and a follow,
a connection or a membership change updates it without re-reading every relation.

Why not a cached value rebuilt after each change (as before): rebuilding "who follows Ana"
reads the whole follows collection on FerretDB 1.24 (~1.5 s at 10,000 follows), and a popular
person gains followers between almost any two of their posts, so nearly every post paid it.

Why versions: FerretDB's updates are unlocked read-modify-writes, so two changes patching one
document can lose one another. Inserts guarded by the unique `_id` do hold, so each change
writes version n+1 (`_id = f"{source}#{n+1}"`) of the version n it read; of two writers of the
same n+1 exactly one wins, and the loser re-reads and retries (compare-and-set by insert). A
head document (`{_id: source, n}`) says where to start looking; it is only a hint (a slow
writer may set it back), so readers also probe forward to the first missing version. The
version a new one replaces becomes a small tombstone (its `_id` must never be free again, or a
late writer could win with stale content); a reader that finds one moves forward.
"""

from __future__ import annotations

from jobfriends_shared.mongo import Database, Document, insert_new, replace

VERSIONS = "audiences"
HEADS = "audience_heads"
_MAX_PROBES = 1000
_KEEP_TOMBSTONES = 1000
_TOMBSTONE: Document = {"gone": True}


def version_id(source: str, n: int) -> str:
    return f"{source}#{n}"


class AudienceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.versions = db[VERSIONS]
        self.heads = db[HEADS]

    async def drop_legacy(self) -> None:
        """Earlier releases cached audiences behind tokens; versions are built from the
        relations on first use, so the old cache is simply dropped."""
        names = set(await self.db.list_collection_names())
        for legacy in ("audience_cache", "audience_tokens"):
            if legacy in names:
                await self.db.drop_collection(legacy)

    async def latest(self, source: str) -> tuple[int, Document | None]:
        """The newest version of a source's audience and its number; None for the document
        when there is none (or it was forgotten): the next version to write is n+1."""
        head = await self.heads.find_one({"_id": source})
        n = int(head["n"]) if head else 0
        current = await self.versions.find_one({"_id": version_id(source, n)}) if n else None
        for _ in range(_MAX_PROBES):
            following = await self.versions.find_one({"_id": version_id(source, n + 1)})
            if following is not None:
                n, current = n + 1, following
            elif current is not None or n == 0:
                break
            else:  # the head points at a version collected long ago: look further on
                n += 1
                current = await self.versions.find_one({"_id": version_id(source, n)})
        if current is None or current.get("gone"):
            return n, None
        return n, current

    async def put(self, source: str, n: int, value: Document) -> bool:
        """Write version `n`; False when another writer wrote it first (re-read, retry).

        The version replaced is emptied to a tombstone rather than deleted: a deleted `_id`
        could be inserted again by a writer still holding version n-1, and its insert would
        then wrongly win. Tombstones far behind the head (no writer can still hold them)
        are deleted."""
        if not await insert_new(self.versions, {**value, "_id": version_id(source, n)}):
            return False
        await replace(self.heads, source, {"n": n})
        if n > 1:
            await self.versions.replace_one({"_id": version_id(source, n - 1)}, _TOMBSTONE)
        if n > _KEEP_TOMBSTONES:
            await self.versions.delete_one({"_id": version_id(source, n - _KEEP_TOMBSTONES)})
        return True

    async def forget(self, source: str) -> None:
        """Empty the newest version (an erased person's audience); the numbering goes on."""
        n, current = await self.latest(source)
        if current is not None:
            await self.versions.replace_one({"_id": version_id(source, n)}, _TOMBSTONE)
