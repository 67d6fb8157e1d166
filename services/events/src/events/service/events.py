"""Publishing, editing and cancelling events, and keeping the geo grid in step with them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from jobfriends_shared.contracts.events import TOPIC, EventCancelled, EventCreated, EventUpdated
from jobfriends_shared.errors import Conflict, Forbidden, Invalid
from jobfriends_shared.mongo import Document

from events.domain import event as rules
from events.domain.event import EventStatus
from events.domain.geo import fine_cell
from events.repository.events import EVENTS
from events.repository.grid import GridPoint
from events.service.base import Context, snapshot_fields
from events.service.rsvp import RsvpService

GEO_FIELDS = ("location", "starts_at", "ends_at")
GEO_REPAIR_AFTER = timedelta(minutes=1)


class EventService:
    def __init__(self, ctx: Context, rsvps: RsvpService) -> None:
        self.ctx = ctx
        self.rsvps = rsvps

    # --- writes ---------------------------------------------------------------------------------

    async def create(self, host_id: str, fields: Mapping[str, Any]) -> Document:
        now = self.ctx.clock.now()
        group_id = fields.get("group_id")
        if group_id:
            await self._check_group_host(group_id, host_id)
        cleaned = rules.clean_event(fields, now)
        event_id = uuid.uuid4().hex
        doc: Document = {
            "_id": event_id,
            "host_id": host_id,
            "group_id": group_id or None,
            **cleaned,
            "status": EventStatus.scheduled.value,
            "revision": 0,
            "created_at": now,
            "updated_at": now,
            "geo_pending": cleaned["location"] is not None,
            "geo_cell": None,
        }
        envelope = self.ctx.event(EventCreated(**snapshot_fields(doc)))
        async with self.ctx.outbox.unit(
            [envelope], topic=TOPIC, collection=EVENTS, aggregate_id=event_id
        ) as unit:
            await self.ctx.repo.events.insert(doc, unit)
        return await self._index(doc)

    async def _check_group_host(self, group_id: str, user_id: str) -> None:
        projections = self.ctx.repo.projections
        if await projections.group(group_id) is None:
            raise Invalid("group_id: no such group", code="unknown_group")
        if not await projections.is_member(group_id, user_id):
            raise Forbidden("only members of a group can host its events", code="not_group_member")

    async def update(self, event_id: str, user_id: str, changes: Mapping[str, Any]) -> Document:
        doc = await self.ctx.hosted(event_id, user_id)
        now = self.ctx.clock.now()
        if doc["status"] == EventStatus.cancelled:
            raise Conflict("a cancelled event cannot be changed", code="event_cancelled")
        if rules.is_over(doc, now):
            raise Conflict("this event is over", code="event_over")
        unknown = set(changes) - set(rules.EDITABLE)
        if unknown:
            raise Invalid(f"{sorted(unknown)[0]}: cannot be changed", code="read_only")
        merged = {**{f: doc.get(f) for f in rules.EDITABLE}, **changes}
        cleaned = rules.clean_event(merged, now, before=doc)
        changed = rules.changed_fields(doc, cleaned)
        if not changed:
            return doc
        if "capacity" in changed and cleaned["capacity"] is not None:
            going = await self.ctx.repo.attendance.going_count(event_id)
            if cleaned["capacity"] < going:
                raise Conflict(
                    f"capacity: {going} people already have a seat", code="capacity_below_going"
                )
        fields: Document = {**cleaned, "updated_at": now, "revision": doc.get("revision", 0) + 1}
        moved = any(f in changed for f in GEO_FIELDS)
        if moved:
            fields["geo_pending"] = True
        after = {**doc, **fields}
        envelope = self.ctx.event(EventUpdated(**snapshot_fields(after), changed=tuple(changed)))
        async with self.ctx.outbox.unit(
            [envelope], topic=TOPIC, collection=EVENTS, aggregate_id=event_id
        ) as unit:
            await self.ctx.repo.events.update(event_id, fields, unit)
        if moved:
            after = await self._index(after)
        if "capacity" in changed:
            await self.rsvps.settle(after)
        return after

    async def cancel(self, event_id: str, user_id: str) -> Document:
        doc = await self.ctx.hosted(event_id, user_id)
        return await self._cancel(doc)

    async def _cancel(self, doc: Document) -> Document:
        now = self.ctx.clock.now()
        if doc["status"] == EventStatus.cancelled:
            return doc  # already: nobody needs to hear it again
        if rules.is_over(doc, now):
            raise Conflict("this event is over", code="event_over")
        fields: Document = {
            "status": EventStatus.cancelled.value,
            "cancelled_at": now,
            "updated_at": now,
            "revision": doc.get("revision", 0) + 1,
            "geo_pending": doc.get("geo_cell") is not None,
        }
        payload = EventCancelled(
            event_id=doc["_id"],
            host_id=doc["host_id"],
            title=doc["title"],
            starts_at=doc["starts_at"],
        )
        async with self.ctx.outbox.unit(
            [self.ctx.event(payload)],
            topic=TOPIC,
            collection=EVENTS,
            aggregate_id=doc["_id"],
        ) as unit:
            await self.ctx.repo.events.update(doc["_id"], fields, unit)
        return await self._index({**doc, **fields})

    # --- the grid -------------------------------------------------------------------------------

    async def _index(self, doc: Document) -> Document:
        """Bring the grid in line with the event: indexed where it is while scheduled and in
        person, nowhere otherwise. Runs after the event is saved; if the process dies first,
        `geo_pending` stays set and `repair_index` finishes the job."""
        grid = self.ctx.repo.grid
        previous = doc.get("geo_cell")
        cell: str | None = None
        loc = doc.get("location")
        if doc["status"] == EventStatus.scheduled and loc:
            point = GridPoint(doc["_id"], loc["lat"], loc["lon"], doc["starts_at"], doc["ends_at"])
            cell = await grid.put(point, self.ctx.clock.now())
        if previous and previous != cell:
            await grid.remove(doc["_id"], previous)
        await self.ctx.repo.events.set_indexed(doc["_id"], cell)
        return {**doc, "geo_cell": cell, "geo_pending": False}

    async def repair_index(self) -> int:
        """Periodic job: index events whose writer died between the save and the grid."""
        cutoff = self.ctx.clock.now() - GEO_REPAIR_AFTER
        pending = await self.ctx.repo.events.geo_pending(cutoff)
        for doc in pending:
            await self._index(doc)
        return len(pending)

    # --- erasure --------------------------------------------------------------------------------

    async def erase_hosted(self, host_id: str) -> int:
        """Policy for a deleted host: upcoming events are cancelled (attendees are told), then
        every event they hosted is erased with its RSVPs, check-ins and reminders."""
        hosted = await self.ctx.repo.events.hosted_by(host_id)
        now = self.ctx.clock.now()
        for doc in hosted:
            if doc["status"] == EventStatus.scheduled and not rules.is_over(doc, now):
                doc = await self._cancel(doc)
            await self.erase(doc)
        return len(hosted)

    async def erase(self, doc: Document) -> None:
        repo = self.ctx.repo
        if doc.get("geo_cell"):
            await repo.grid.remove(doc["_id"], doc["geo_cell"])
        await repo.attendance.erase_event(doc["_id"])
        await repo.reminders.erase_event(doc["_id"])
        await repo.events.delete(doc["_id"])

    # --- seeding (benchmarks, fixtures) ---------------------------------------------------------

    async def seed(self, host_id: str, drafts: Sequence[Mapping[str, Any]]) -> list[str]:
        """Validate and store many events at once, indexed in the grid with one write per cell
        (so pass a whole data set in one call). Emits nothing: for loading benchmark data and
        fixtures, not for users."""
        now = self.ctx.clock.now()
        docs: list[Document] = []
        points: list[GridPoint] = []
        for draft in drafts:
            cleaned = rules.clean_event(draft, now)
            event_id = uuid.uuid4().hex
            loc = cleaned["location"]
            cell = None
            if loc:
                points.append(
                    GridPoint(
                        event_id, loc["lat"], loc["lon"], cleaned["starts_at"], cleaned["ends_at"]
                    )
                )
                cell = fine_cell(loc["lat"], loc["lon"]).key
            docs.append(
                {
                    "_id": event_id,
                    "host_id": host_id,
                    "group_id": None,
                    **cleaned,
                    "status": EventStatus.scheduled.value,
                    "revision": 0,
                    "created_at": now,
                    "updated_at": now,
                    "geo_pending": False,
                    "geo_cell": cell,
                }
            )
        for start in range(0, len(docs), 1000):
            await self.ctx.repo.events.insert_many(docs[start : start + 1000])
        await self.ctx.repo.grid.bulk_load(points)
        return [d["_id"] for d in docs]
