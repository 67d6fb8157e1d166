"""Identity wired as `main.py` wires it, on the in-memory store: use cases in milliseconds."""

from dataclasses import dataclass
from typing import Any

import pytest
from identity import main
from identity.repository import IdentityRepository
from identity.service import IdentityService
from identity.settings import IdentitySettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import (
    FakeDatabase,
    OfflineRuntime,
    offline_runtime,
    offline_settings,
    recorded_events,
)

PASSWORD = "Kreuzberg-Design-2026"


@dataclass
class Identity:
    service: IdentityService
    repo: IdentityRepository
    bus: OfflineRuntime
    db: Any
    clock: ControlledClock

    async def register(self, email: str, name: str = "Ana") -> str:
        return str((await self.service.register(email, PASSWORD, name))["_id"])

    async def events(self, *types: str) -> list[Envelope]:
        return await recorded_events(self.db, *types)


@pytest.fixture
async def identity() -> Identity:
    db = FakeDatabase("identity")
    clock = ControlledClock()  # real time at the start: access tokens are checked against it
    # Cheap Argon2 parameters: tests check behaviour, the benchmark measures the real cost.
    settings = offline_settings(IdentitySettings, argon2_time_cost=1, argon2_memory_kib=8192)
    bus = offline_runtime("identity", settings, db, clock)
    service = main.wire(bus.runtime, settings)
    await bus.runtime.prepare_store()
    return Identity(service, service.repo, bus, db, clock)
