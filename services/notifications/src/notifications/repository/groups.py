"""Grouped notifications ("Ana and 4 others reacted"): one insert-only row per contributor
(`<person>|<group>|<actor>`), and a head per group that counts and names them and says which
version is shown (see `domain.groups`). The head has a single writer, the consumer of the post's
partition; the rare paths that remove contributors (erasure, blocks) rebuild it from the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from jobfriends_shared.mongo import Database, Document, by_ids
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from notifications.domain.groups import NAMED, Head


def _head_from(doc: Mapping[str, Any]) -> Head:
    return Head(
        recipient_id=str(doc["recipient_id"]),
        group=str(doc["group"]),
        post_id=doc.get("post_id"),
        count=int(doc.get("count", 0)),
        latest=tuple(doc.get("latest", ())),
        details=dict(doc.get("details") or {}),
        applied=tuple(doc.get("applied", ())),
        current=doc.get("current"),
        current_seq=int(doc.get("current_seq", 0)),
    )


class GroupRepository:
    def __init__(self, db: Database) -> None:
        self.heads = db["group_heads"]
        self.actors = db["group_actors"]

    async def ensure_indexes(self) -> None:
        """For the rare paths that search; the hot path uses `_id` only."""
        await self.heads.create_index("recipient_id")
        await self.heads.create_index("post_id")
        await self.actors.create_index([("recipient_id", ASCENDING), ("group", ASCENDING)])
        await self.actors.create_index("actor_id")
        await self.actors.create_index("post_id")

    async def delete_for_recipient(self, recipient_id: str) -> None:
        await self.heads.delete_many({"recipient_id": recipient_id})
        await self.actors.delete_many({"recipient_id": recipient_id})

    async def add_actor(
        self,
        *,
        recipient_id: str,
        group: str,
        actor_id: str,
        post_id: str | None,
        event_id: str,
        detail: Mapping[str, Any],
        at: datetime,
    ) -> bool:
        """Record a contributor; True when this event is the one that added them (also on a
        re-delivery, so a crash half-way is finished next time)."""
        row_id = f"{recipient_id}|{group}|{actor_id}"
        try:
            await self.actors.insert_one(
                {
                    "_id": row_id,
                    "recipient_id": recipient_id,
                    "group": group,
                    "actor_id": actor_id,
                    "post_id": post_id,
                    "event_id": event_id,
                    "detail": dict(detail),
                    "at": at,
                }
            )
        except DuplicateKeyError:
            existing = await self.actors.find_one({"_id": row_id}, {"event_id": 1})
            if existing is not None and existing.get("event_id") == event_id:
                return True
            # Already a contributor (e.g. a changed emoji). Only the post's partition writes
            # this row, so the update has a single writer.
            await self.actors.update_one({"_id": row_id}, {"$set": {"detail": dict(detail)}})
            return False
        return True

    async def remove_actor(self, recipient_id: str, group: str, actor_id: str) -> bool:
        gone = await self.actors.delete_one({"_id": f"{recipient_id}|{group}|{actor_id}"})
        return gone.deleted_count > 0

    async def head(self, recipient_id: str, group: str) -> Head | None:
        doc = await self.heads.find_one({"_id": f"{recipient_id}|{group}"})
        return _head_from(doc) if doc else None

    async def heads_of(self, recipient_id: str, groups: Iterable[str]) -> dict[str, Head]:
        found = await by_ids(self.heads, (f"{recipient_id}|{g}" for g in groups))
        return {str(doc["group"]): _head_from(doc) for doc in found.values()}

    async def save_head(self, head: Head) -> None:
        await self.heads.replace_one(
            {"_id": f"{head.recipient_id}|{head.group}"},
            {
                "recipient_id": head.recipient_id,
                "group": head.group,
                "post_id": head.post_id,
                "count": head.count,
                "latest": list(head.latest),
                "details": {a: dict(d) for a, d in head.details.items()},
                "applied": list(head.applied),
                "current": head.current,
                "current_seq": head.current_seq,
            },
            upsert=True,
        )

    async def recount(self, head: Head) -> Head:
        """Rebuild a head's count and names from its contributor rows (rare paths only: this
        searches)."""
        rows = (
            await self.actors.find({"recipient_id": head.recipient_id, "group": head.group})
            .sort("at", -1)
            .to_list()
        )
        latest = tuple(str(r["actor_id"]) for r in rows[:NAMED])
        details = {str(r["actor_id"]): r.get("detail") or {} for r in rows[:NAMED]}
        return Head(
            head.recipient_id,
            head.group,
            head.post_id,
            len(rows),
            latest,
            details,
            head.applied,
            head.current,
            head.current_seq,
        )

    async def remove_actor_rows(self, query: Document) -> set[tuple[str, str]]:
        """Delete contributor rows (rare paths); the (recipient, group) pairs they were in."""
        rows = await self.actors.find(query, {"recipient_id": 1, "group": 1}).to_list()
        await self.actors.delete_many(query)
        return {(str(r["recipient_id"]), str(r["group"])) for r in rows}

    async def delete_heads(self, query: Document) -> None:
        await self.heads.delete_many(query)
