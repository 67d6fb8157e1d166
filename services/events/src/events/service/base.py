"""What every use case shares: the store, the outbox, the clock, and how an event looks to a
given person (found, hidden or forbidden)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.identity import GeoPoint
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.errors import Forbidden, NotFound
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from events.domain.discovery import Viewer, can_see
from events.repository import Repository

PRODUCER = "events"


@dataclass
class Context:
    repo: Repository
    outbox: Outbox
    clock: Clock

    def event(self, payload: Payload) -> Envelope:
        return build_event(payload, producer=PRODUCER, occurred_at=self.clock.now())

    async def load(self, event_id: str) -> Document:
        doc = await self.repo.events.get(event_id)
        if doc is None:
            raise NotFound("no such event", code="event_not_found")
        return doc

    async def visible(self, event_id: str, user_id: str, viewer: Viewer | None = None) -> Document:
        """The event as `user_id` may see it; hidden events do not exist for them (404)."""
        doc = await self.load(event_id)
        if doc["host_id"] == user_id:
            return doc
        if viewer is None:
            viewer = await self.viewer_for(doc, user_id)
        if not can_see(doc, viewer):
            raise NotFound("no such event", code="event_not_found")
        return doc

    async def viewer_for(self, event: Document, user_id: str) -> Viewer:
        """Just enough of the viewer's circles to judge one event (look-ups by id only)."""
        projections = self.repo.projections
        host = event["host_id"]
        blocked = (
            frozenset({host})
            if await projections.blocked_either_way(user_id, host)
            else frozenset()
        )
        connections = (
            frozenset({host}) if await projections.connected(user_id, host) else frozenset()
        )
        group_id = event.get("group_id")
        groups = (
            frozenset({group_id})
            if group_id and await projections.is_member(group_id, user_id)
            else frozenset()
        )
        return Viewer(user_id, connections=connections, groups=groups, blocked=blocked)

    async def hosted(self, event_id: str, user_id: str) -> Document:
        """The event, for its host only (403 for anyone else who can see it)."""
        doc = await self.visible(event_id, user_id)
        if doc["host_id"] != user_id:
            raise Forbidden("only the host can do this", code="not_host")
        return doc


def snapshot_fields(doc: Document) -> dict[str, Any]:
    """The fields of the contract's `EventSnapshot` for an event document."""
    loc = doc.get("location")
    return {
        "event_id": doc["_id"],
        "host_id": doc["host_id"],
        "group_id": doc.get("group_id"),
        "title": doc["title"],
        "kind": doc["kind"],
        "topics": tuple(doc.get("topics") or ()),
        "professions": tuple(doc.get("professions") or ()),
        "city": doc.get("city"),
        "neighbourhood": doc.get("neighbourhood"),
        "location": GeoPoint(lat=loc["lat"], lon=loc["lon"]) if loc else None,
        "online_url": doc.get("online_url"),
        "starts_at": doc["starts_at"],
        "ends_at": doc["ends_at"],
        "time_zone": doc["time_zone"],
        "capacity": doc.get("capacity"),
    }
