"""What notifications keeps of other services' data, built from their events.

Each projection has a single writer per key (the Kafka partition of its source topic), and every
write is an upsert or delete keyed by natural ids, so re-delivered events change nothing twice.
A deleted person or post leaves a tombstone (no personal data) so that a late event about them
cannot bring them back. Lookups on the hot path are by `_id` (see `store.py`); the searches
(people near an event, a group's members, a tribe, an event's attendees) run once per event
that fans out, not per notification shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from jobfriends_shared.mongo import Database, Document, by_ids, set_unless_tombstoned
from pymongo import ASCENDING


class ProjectionRepository:
    def __init__(self, db: Database) -> None:
        self.people = db["people"]
        self.blocks = db["blocks"]
        self.tribes = db["tribes"]
        self.groups = db["groups"]
        self.memberships = db["memberships"]
        self.rsvps = db["rsvps"]
        self.posts = db["posts"]

    async def ensure_indexes(self) -> None:
        await self.people.create_index("city_key")
        await self.people.create_index([("lat", ASCENDING), ("lon", ASCENDING)])
        await self.blocks.create_index("blocker_id")
        await self.blocks.create_index("blocked_id")
        await self.tribes.create_index("owner_id")
        await self.tribes.create_index("member_id")
        await self.memberships.create_index("group_id")
        await self.memberships.create_index("user_id")
        await self.rsvps.create_index([("event_id", ASCENDING), ("status", ASCENDING)])
        await self.rsvps.create_index("user_id")
        await self.posts.create_index("author_id")

    # --- people (identity) --------------------------------------------------------------------

    async def set_people(self, changes: Mapping[str, Document]) -> None:
        """Upsert people's fields, one bulk write, unless they were deleted (tombstones stay
        tombstones)."""
        await set_unless_tombstoned(self.people, changes)

    async def tombstone_person(self, user_id: str) -> None:
        """Forget the person (email and name are personal data) but remember they are gone."""
        await self.people.replace_one({"_id": user_id}, {"deleted": True}, upsert=True)

    async def person(self, user_id: str) -> Document | None:
        return await self.people.find_one({"_id": user_id})

    async def persons(self, user_ids: Iterable[str]) -> dict[str, Document]:
        return await by_ids(self.people, user_ids)

    async def people_in_city(self, city_key: str, limit: int) -> list[Document]:
        query = {"city_key": city_key, "deleted": {"$ne": True}}
        return await self.people.find(query).limit(limit).to_list(limit)

    async def people_in_box(
        self, box: tuple[float, float, float, float], limit: int
    ) -> list[Document]:
        lat_min, lat_max, lon_min, lon_max = box
        query = {
            "lat": {"$gte": lat_min, "$lte": lat_max},
            "lon": {"$gte": lon_min, "$lte": lon_max},
            "deleted": {"$ne": True},
        }
        return await self.people.find(query).limit(limit).to_list(limit)

    # --- blocks (identity) --------------------------------------------------------------------

    async def set_block(self, blocker_id: str, blocked_id: str, active: bool) -> None:
        key = {"_id": f"{blocker_id}|{blocked_id}"}
        if active:
            doc = {"blocker_id": blocker_id, "blocked_id": blocked_id}
            await self.blocks.replace_one(key, doc, upsert=True)
        else:
            await self.blocks.delete_one(key)

    async def blocked_either_way(self, a: str, b: str) -> bool:
        return bool(await self.blocked_among(a, [b]))

    async def blocked_among(self, user_id: str, others: Iterable[str]) -> set[str]:
        """Those of `others` whom `user_id` blocked or was blocked by (lookups by id)."""
        wanted = [o for o in dict.fromkeys(others) if o != user_id]
        ids = [f"{user_id}|{o}" for o in wanted] + [f"{o}|{user_id}" for o in wanted]
        found = await by_ids(self.blocks, ids, {"blocker_id": 1, "blocked_id": 1})
        return {
            str(d["blocked_id"] if d["blocker_id"] == user_id else d["blocker_id"])
            for d in found.values()
        }

    # --- tribes (matching) ----------------------------------------------------------------

    async def set_tribe_member(self, owner_id: str, member_id: str, member: bool) -> None:
        key = {"_id": f"{owner_id}|{member_id}"}
        if member:
            await self.tribes.replace_one(
                key, {"owner_id": owner_id, "member_id": member_id}, upsert=True
            )
        else:
            await self.tribes.delete_one(key)

    async def tribe(self, field: str, user_id: str, limit: int) -> list[str]:
        """The other side of every tribe row whose `field` is `user_id`."""
        other = "member_id" if field == "owner_id" else "owner_id"
        rows = await self.tribes.find({field: user_id}).limit(limit).to_list(limit)
        return [str(r[other]) for r in rows]

    # --- groups (feed) ----------------------------------------------------------------------

    async def set_group(self, group_id: str, name: str) -> None:
        await self.groups.replace_one({"_id": group_id}, {"name": name}, upsert=True)

    async def group_name(self, group_id: str) -> str | None:
        doc = await self.groups.find_one({"_id": group_id})
        return str(doc["name"]) if doc else None

    async def set_membership(self, group_id: str, user_id: str, member: bool) -> None:
        key = {"_id": f"{group_id}|{user_id}"}
        if member:
            await self.memberships.replace_one(
                key, {"group_id": group_id, "user_id": user_id}, upsert=True
            )
        else:
            await self.memberships.delete_one(key)

    async def members(self, group_id: str, limit: int) -> list[str]:
        rows = await self.memberships.find({"group_id": group_id}).limit(limit).to_list(limit)
        return [str(r["user_id"]) for r in rows]

    # --- RSVPs (events) -----------------------------------------------------------------------

    async def set_rsvp(self, event_id: str, user_id: str, status: str) -> None:
        await self.rsvps.replace_one(
            {"_id": f"{event_id}|{user_id}"},
            {"event_id": event_id, "user_id": user_id, "status": status},
            upsert=True,
        )

    async def attendees(self, event_id: str, statuses: Sequence[str], limit: int) -> list[str]:
        rows = (
            await self.rsvps.find({"event_id": event_id, "status": {"$in": list(statuses)}})
            .limit(limit)
            .to_list(limit)
        )
        return [str(r["user_id"]) for r in rows]

    # --- posts (feed) -----------------------------------------------------------------------

    async def set_posts(self, changes: Mapping[str, Document]) -> None:
        """Upsert posts' fields, one bulk write, unless they were deleted."""
        await set_unless_tombstoned(self.posts, changes)

    async def tombstone_post(self, post_id: str) -> None:
        await self.posts.replace_one({"_id": post_id}, {"deleted": True}, upsert=True)

    async def post(self, post_id: str) -> Document | None:
        return await self.posts.find_one({"_id": post_id})

    # --- erasure ------------------------------------------------------------------------------

    async def erase_person(self, user_id: str) -> None:
        """Everything about a deleted person, except the tombstone; safe to repeat."""
        for field in ("blocker_id", "blocked_id"):
            await self.blocks.delete_many({field: user_id})
        for field in ("owner_id", "member_id"):
            await self.tribes.delete_many({field: user_id})
        await self.memberships.delete_many({"user_id": user_id})
        await self.rsvps.delete_many({"user_id": user_id})
        await self.tombstone_person(user_id)
