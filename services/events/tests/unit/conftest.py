"""The events service wired as `main.py` wires it, on the in-memory store, with a clock that
moves only when told: use cases in milliseconds."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from events import main
from events.domain.discovery import Near, Query
from events.repository import Repository
from events.service import Services
from events.settings import EventsSettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.contracts.events import RsvpStatus
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import (
    FakeDatabase,
    OfflineRuntime,
    offline_runtime,
    offline_settings,
    recorded_events,
)

BERLIN = {"lat": 52.5200, "lon": 13.4050}
POTSDAM = {"lat": 52.3906, "lon": 13.0645}  # about 27 km from Berlin's centre
START = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)


@dataclass
class Events:
    services: Services
    repo: Repository
    bus: OfflineRuntime
    db: Any
    clock: ControlledClock

    def draft(self, **overrides: Any) -> dict[str, Any]:
        """A valid in-person meetup in Berlin, a week from now (or at `starts_at`), two hours
        long, as the API hands it over."""
        starts = overrides.pop("starts_at", self.clock.now() + timedelta(days=7))
        base: dict[str, Any] = {
            "title": "UX research meetup",
            "description": "Designers and researchers swap interview techniques.",
            "kind": "meetup",
            "topics": ["ux-research"],
            "professions": ["ux-designer"],
            "city": "Berlin",
            "location": BERLIN,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            "time_zone": "Europe/Berlin",
        }
        return {**base, **overrides}

    async def create(self, host: str, **overrides: Any) -> str:
        return str((await self.services.events.create(host, self.draft(**overrides)))["_id"])

    async def rsvp(self, event_id: str, user_id: str, status: str = "going") -> dict[str, Any]:
        return await self.services.rsvps.answer(event_id, user_id, RsvpStatus(status))

    async def nearby(self, viewer: str, at: dict[str, float], radius_km: float) -> list[str]:
        """Ids of the events `viewer` finds within `radius_km` of `at`, nearest first."""
        near = Near(at["lat"], at["lon"], radius_km)
        items, _ = await self.services.discovery.discover(viewer, Query(near=near), None, 50)
        return [str(item["_id"]) for item in items]

    async def events(self, *types: str) -> list[Envelope]:
        return await recorded_events(self.db, *types)


@pytest.fixture
async def events() -> Events:
    db = FakeDatabase("events")
    clock = ControlledClock(START)
    settings = offline_settings(EventsSettings)
    bus = offline_runtime("events", settings, db, clock)
    services = main.wire(bus.runtime, settings)
    await bus.runtime.prepare_store()
    return Events(services, services.ctx.repo, bus, db, clock)
