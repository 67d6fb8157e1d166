"""An identity instance of its own per test: own database and topic prefix, real servers."""

from collections.abc import AsyncIterator

import pytest
from identity.main import create_app
from identity.settings import IdentitySettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.testing import (
    Endpoints,
    ServiceClient,
    in_process,
    settings_for,
    unique_name,
)

PASSWORD = "Kreuzberg-Design-2026"


class Identity(ServiceClient):
    async def register(self, email: str, name: str = "Ana") -> str:
        body = {"email": email, "password": PASSWORD, "display_name": name}
        return str((await self.ok("POST", "/v1/auth/register", json=body))["id"])


@pytest.fixture
async def identity(infra: Endpoints) -> AsyncIterator[Identity]:
    # Cheap Argon2 parameters: tests check behaviour, the benchmark measures the real cost.
    settings = settings_for(
        IdentitySettings, infra, unique_name(), argon2_time_cost=1, argon2_memory_kib=8192
    )
    async with in_process(Identity, create_app, settings, ControlledClock()) as service:
        yield service
