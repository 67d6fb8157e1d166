"""The `events` collection: event documents and the queries that list them.

Time-ordered discovery is one indexed query (status, end, visibility, filters, keyset cursor on
`(starts_at, _id)`). Nearby discovery goes through the grid (`repository.grid`) and fetches the
candidates here one `_id` at a time, the only look-up FerretDB 1.24 serves from an index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from jobfriends_shared.mongo import Database, Document, by_ids
from jobfriends_shared.outbox import marked, stamp
from pymongo import ASCENDING

from events.domain import geo
from events.domain.discovery import Query, Viewer
from events.domain.event import EventStatus, Visibility

EVENTS = "events"


def visibility_filter(viewer: Viewer) -> Document:
    """The Mongo twin of `domain.discovery.can_see`."""
    allowed: list[Document] = [
        {"visibility": Visibility.public.value},
        {"host_id": viewer.user_id},
    ]
    if viewer.connections:
        allowed.append(
            {
                "visibility": Visibility.connections.value,
                "host_id": {"$in": sorted(viewer.connections)},
            }
        )
    if viewer.groups:
        allowed.append(
            {"visibility": Visibility.group.value, "group_id": {"$in": sorted(viewer.groups)}}
        )
    out: Document = {"$or": allowed}
    if viewer.blocked:
        out = {"$and": [out, {"host_id": {"$nin": sorted(viewer.blocked)}}]}
    return out


def discovery_filter(query: Query, viewer: Viewer, now: datetime) -> Document:
    """The Mongo twin of `domain.discovery.matches`."""
    clauses: list[Document] = [
        {"status": EventStatus.scheduled.value, "ends_at": {"$gt": now}},
        visibility_filter(viewer),
    ]
    if query.only_ids is not None:
        clauses.append({"_id": {"$in": sorted(query.only_ids)}})
    if query.city_key:
        clauses.append({"city_key": query.city_key})
    if query.topic:
        clauses.append({"topics": query.topic})
    if query.profession:
        clauses.append({"professions": query.profession})
    if query.kind:
        clauses.append({"kind": query.kind})
    if query.starts_from or query.starts_to:
        window: Document = {}
        if query.starts_from:
            window["$gte"] = query.starts_from
        if query.starts_to:
            window["$lt"] = query.starts_to
        clauses.append({"starts_at": window})
    if query.tokens:
        clauses.append({"keywords": {"$all": list(query.tokens)}})
    return {"$and": clauses}


class EventStore:
    def __init__(self, db: Database) -> None:
        self.coll = db[EVENTS]

    async def ensure_indexes(self) -> None:
        await self.coll.create_index(
            [("status", ASCENDING), ("starts_at", ASCENDING), ("_id", ASCENDING)]
        )
        await self.coll.create_index([("city_key", ASCENDING), ("starts_at", ASCENDING)])
        await self.coll.create_index([("topics", ASCENDING), ("starts_at", ASCENDING)])
        await self.coll.create_index([("professions", ASCENDING), ("starts_at", ASCENDING)])
        await self.coll.create_index("keywords")
        await self.coll.create_index("host_id")
        await self.coll.create_index("group_id")
        await self.coll.create_index("geo_pending")

    async def insert(self, doc: Document, unit: str) -> None:
        await self.coll.insert_one({**doc, **marked(unit)})

    async def insert_many(self, docs: Sequence[Document]) -> None:
        if docs:
            await self.coll.insert_many(list(docs), ordered=False)

    async def get(self, event_id: str) -> Document | None:
        return await self.coll.find_one({"_id": event_id})

    async def many(self, ids: Iterable[str]) -> dict[str, Document]:
        return await by_ids(self.coll, ids)

    async def update(
        self, event_id: str, fields: Document, unit: str, unset: Sequence[str] = ()
    ) -> None:
        change: Document = stamp({"$set": fields}, unit)
        if unset:
            change["$unset"] = dict.fromkeys(unset, "")
        await self.coll.update_one({"_id": event_id}, change)

    async def set_indexed(self, event_id: str, cell: str | None) -> None:
        await self.coll.update_one(
            {"_id": event_id}, {"$set": {"geo_cell": cell, "geo_pending": False}}
        )

    async def geo_pending(self, staged_before: datetime, limit: int = 200) -> list[Document]:
        cursor = self.coll.find(
            {"geo_pending": True, "updated_at": {"$lt": staged_before}},
            {"location": 1, "starts_at": 1, "ends_at": 1, "status": 1, "geo_cell": 1},
        ).limit(limit)
        return await cursor.to_list(length=limit)

    async def page(
        self, filter_: Document, after: tuple[datetime, str] | None, limit: int
    ) -> list[Document]:
        """One page in start order; `after` is the (starts_at, _id) of the last item seen."""
        if after is not None:
            start, last_id = after
            filter_ = {
                "$and": [
                    filter_,
                    {
                        "$or": [
                            {"starts_at": {"$gt": start}},
                            {"starts_at": start, "_id": {"$gt": last_id}},
                        ]
                    },
                ]
            }
        cursor = self.coll.find(filter_).sort([("starts_at", ASCENDING), ("_id", ASCENDING)])
        return await cursor.limit(limit).to_list(length=limit)

    async def hosted_by(self, user_id: str) -> list[Document]:
        return await self.coll.find({"host_id": user_id}).to_list(length=None)

    async def starting_between(self, after: datetime, until: datetime) -> list[Document]:
        """Scheduled events starting in (after, until]: the reminder job's working set."""
        cursor = self.coll.find(
            {"status": EventStatus.scheduled.value, "starts_at": {"$gt": after, "$lte": until}},
            {"title": 1, "starts_at": 1, "host_id": 1},
        )
        return await cursor.to_list(length=None)

    async def delete(self, event_id: str) -> None:
        await self.coll.delete_one({"_id": event_id})

    async def scan_nearby(
        self, lat: float, lon: float, radius_km: float, now: datetime, limit: int
    ) -> list[tuple[float, str]]:
        """The baseline the grid is measured against: read every upcoming event, measure each
        distance in code, keep the nearest `limit`. Same answer as the grid, no index."""
        cursor = self.coll.find(
            {"status": EventStatus.scheduled.value, "ends_at": {"$gt": now}},
            {"location": 1},
        )
        found: list[tuple[float, str]] = []
        async for doc in cursor:
            loc = doc.get("location")
            if loc:
                d = geo.haversine_km(lat, lon, loc["lat"], loc["lon"])
                if d <= radius_km:
                    found.append((d, doc["_id"]))
        found.sort()
        return found[:limit]
