"""Finding events: by time with filters, nearest first, with friends, recommended; and the
personal calendar.

Cursors are keyset positions in each ordering: `["t", starts_at, id]` by time, `["n",
distance_km, id]` by distance, `["r", score, starts_at, id]` by recommendation. A cursor from
one ordering is refused by another.
"""

from __future__ import annotations

import dataclasses
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any

from jobfriends_shared.errors import Invalid
from jobfriends_shared.mongo import Document

from events.domain import discovery, geo
from events.domain.discovery import Query, Viewer
from events.domain.event import EventStatus
from events.repository.events import discovery_filter
from events.repository.grid import Entry
from events.service.base import Context

MAX_EXAMINED = 2000  # nearby candidates looked at per page before handing back a cursor
CALENDAR_PAST = timedelta(days=30)
CALENDAR_MAX = 500
Item = dict[str, Any]


def _cursor(raw: Any, kind: str, size: int) -> list[Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != size or raw[0] != kind:
        raise Invalid("cursor: not a cursor of this listing", code="invalid_cursor")
    return raw


def _when(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise Invalid("cursor: not a cursor of this listing", code="invalid_cursor") from None


class DiscoveryService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def discover(
        self, user_id: str, query: Query, cursor: Any, limit: int
    ) -> tuple[list[Item], list[Any] | None]:
        """One page of events for `user_id` and the cursor of the next (None at the end)."""
        query.check()
        viewer = await self.ctx.repo.projections.viewer(user_id)
        friends_going: dict[str, list[str]] = {}
        if query.friends:
            friends = viewer.connections - viewer.blocked
            friends_going = await self.ctx.repo.attendance.going_among(friends)
            if not friends_going:
                return [], None
            query = dataclasses.replace(query, only_ids=frozenset(friends_going))
        if query.recommended:
            items, nxt = await self._recommended(viewer, query, cursor, limit)
        elif query.near is not None:
            items, nxt = await self._nearby(viewer, query, query.near, cursor, limit)
        else:
            items, nxt = await self._by_time(viewer, query, cursor, limit)
        if query.friends:
            for item in items:
                item["friends_going"] = sorted(friends_going.get(item["_id"], ()))[:10]
        return items, nxt

    async def _by_time(
        self, viewer: Viewer, query: Query, cursor: Any, limit: int
    ) -> tuple[list[Item], list[Any] | None]:
        raw = _cursor(cursor, "t", 3)
        after = (_when(raw[1]), str(raw[2])) if raw else None
        now = self.ctx.clock.now()
        rows = await self.ctx.repo.events.page(discovery_filter(query, viewer, now), after, limit)
        nxt = (
            ["t", rows[-1]["starts_at"].isoformat(), rows[-1]["_id"]]
            if len(rows) == limit
            else None
        )
        return rows, nxt

    async def _nearby(
        self, viewer: Viewer, query: Query, near: discovery.Near, cursor: Any, limit: int
    ) -> tuple[list[Item], list[Any] | None]:
        raw = _cursor(cursor, "n", 3)
        after = (float(raw[1]), str(raw[2])) if raw else None
        now = self.ctx.clock.now()
        now_ts = now.timestamp()
        lo = query.starts_from.timestamp() if query.starts_from else None
        hi = query.starts_to.timestamp() if query.starts_to else None

        def keep(entry: Entry) -> bool:
            """Cheap checks on the grid entry before the event document is fetched."""
            return (
                entry["e"] > now_ts
                and (lo is None or entry["s"] >= lo)
                and (hi is None or entry["s"] < hi)
                and (query.only_ids is None or entry["id"] in query.only_ids)
            )

        items: list[Item] = []
        examined = 0
        position: tuple[float, str] | None = None
        exhausted = True
        stream = self.ctx.repo.grid.nearest(
            near.lat, near.lon, near.radius_km, keep=keep, after=after
        )
        async with aclosing(stream) as candidates:
            batch: list[tuple[float, str]] = []
            async for candidate in candidates:
                batch.append(candidate)
                if len(batch) < max(limit - len(items), 8):
                    continue
                position = await self._take(batch, items, viewer, query, near, now, limit)
                examined, batch = examined + len(batch), []
                if len(items) >= limit or examined >= MAX_EXAMINED:
                    exhausted = False
                    break
            if batch and exhausted:
                position = await self._take(batch, items, viewer, query, near, now, limit)
        if len(items) >= limit:
            return items, ["n", items[-1]["distance_km"], items[-1]["_id"]]
        if not exhausted and position is not None:
            # Looked at enough candidates for one request: a short page, and a cursor on.
            return items, ["n", position[0], position[1]]
        return items, None

    async def _take(
        self,
        batch: list[tuple[float, str]],
        items: list[Item],
        viewer: Viewer,
        query: Query,
        near: discovery.Near,
        now: datetime,
        limit: int,
    ) -> tuple[float, str]:
        """Check a batch of candidates against their documents, in distance order; returns the
        position up to which candidates were consumed."""
        docs = await self.ctx.repo.events.many(eid for _, eid in batch)
        last = batch[-1]
        for distance, event_id in batch:
            doc = docs.get(event_id)
            if doc is None or not doc.get("location"):
                continue
            loc = doc["location"]
            actual = geo.haversine_km(near.lat, near.lon, loc["lat"], loc["lon"])
            if abs(actual - distance) > 1e-6:
                continue  # a stale grid entry: the event moved, its new entry finds it
            if discovery.matches(doc, query, viewer, now):
                items.append({**doc, "distance_km": distance})
                if len(items) >= limit:
                    return distance, event_id
        return last

    async def _recommended(
        self, viewer: Viewer, query: Query, cursor: Any, limit: int
    ) -> tuple[list[Item], list[Any] | None]:
        raw = _cursor(cursor, "r", 4)
        repo = self.ctx.repo
        now = self.ctx.clock.now()
        profile = await repo.projections.profile(viewer.user_id)
        matches = await repo.projections.matches_of(viewer.user_id) - viewer.blocked
        friends = viewer.connections - viewer.blocked
        going = await repo.attendance.going_among(friends | matches | {viewer.user_id})
        mine = {e for e, users in going.items() if viewer.user_id in users}
        reasons: list[Document] = []
        professions = discovery.family_professions(profile.profession)
        if professions:
            reasons.append({"professions": {"$in": professions}})
        if profile.interests:
            reasons.append({"topics": {"$in": sorted(profile.interests)}})
        social = sorted(e for e, users in going.items() if set(users) - {viewer.user_id})
        if social:
            reasons.append({"_id": {"$in": social}})
        if profile.city_key:
            reasons.append({"city_key": profile.city_key})
        if not reasons:
            return [], None
        filter_ = {"$and": [discovery_filter(query, viewer, now), {"$or": reasons}]}
        rows = await repo.events.page(filter_, None, discovery.RECOMMEND_CANDIDATES)
        origin = (query.near.lat, query.near.lon) if query.near else profile.location
        ranked: list[tuple[tuple[float, str, str], Item]] = []
        for doc in rows:
            if doc["_id"] in mine:
                continue
            loc = doc.get("location")
            distance = (
                geo.haversine_km(origin[0], origin[1], loc["lat"], loc["lon"])
                if origin and loc
                else None
            )
            if query.near and (distance is None or distance > query.near.radius_km):
                continue
            attendees = set(going.get(doc["_id"], ()))
            points = discovery.score(
                doc, profile, len(attendees & friends), len(attendees & matches), distance
            )
            if points <= 0:
                continue
            key = (-points, doc["starts_at"].isoformat(), doc["_id"])
            ranked.append((key, {**doc, "score": points, "distance_km": distance}))
        ranked.sort(key=lambda pair: pair[0])
        if raw:
            position = (-float(raw[1]), str(raw[2]), str(raw[3]))
            ranked = [pair for pair in ranked if pair[0] > position]
        page = [item for _, item in ranked[:limit]]
        if len(ranked) > limit:
            key = ranked[limit - 1][0]
            return page, ["r", -key[0], key[1], key[2]]
        return page, None

    # --- calendar -------------------------------------------------------------------------------

    async def calendar(self, user_id: str) -> list[Document]:
        """Events this person has a seat at, from a month ago on (cancelled ones included, so
        calendar apps can show them as cancelled)."""
        now = self.ctx.clock.now()
        ids = await self.ctx.repo.attendance.events_of(user_id)
        docs = await self.ctx.repo.events.many(ids)
        kept = [
            d
            for d in docs.values()
            if d["ends_at"] >= now - CALENDAR_PAST
            and d["status"] in (EventStatus.scheduled, EventStatus.cancelled)
        ]
        kept.sort(key=lambda d: (d["starts_at"], d["_id"]))
        return kept[:CALENDAR_MAX]
