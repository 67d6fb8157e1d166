"""An identity instance of its own per test: own database and topic prefix, real servers."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from identity.main import create_app
from identity.settings import IdentitySettings
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.mongo import Database, mongo_client
from jobfriends_shared.testing import Endpoints, settings_for, unique_name

PASSWORD = "Kreuzberg-Design-2026"


@dataclass
class Identity:
    client: httpx.AsyncClient
    settings: IdentitySettings
    app: FastAPI
    db: Database
    clock: ControlledClock

    def headers(self, user_id: str | None = None) -> dict[str, str]:
        secret = self.settings.infra.gateway_secret.get_secret_value()
        headers = {"x-jf-gateway-secret": secret, "x-correlation-id": "test-corr"}
        if user_id:
            headers["x-jf-user-id"] = user_id
        return headers

    async def call(
        self, method: str, path: str, user_id: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        return await self.client.request(method, path, headers=self.headers(user_id), **kwargs)

    async def register(self, email: str, name: str = "Ana") -> str:
        response = await self.call(
            "POST",
            "/v1/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": name},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@pytest.fixture
async def identity(infra: Endpoints) -> AsyncIterator[Identity]:
    # Cheap Argon2 parameters: tests check behaviour, the benchmark measures the real cost.
    settings = settings_for(
        IdentitySettings, infra, unique_name(), argon2_time_cost=1, argon2_memory_kib=8192
    )
    clock = ControlledClock()
    app = create_app(settings, clock)
    client = mongo_client(infra.mongodb, "identity-tests")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield Identity(http, settings, app, client[settings.database], clock)
    await client.drop_database(settings.database)
    await client.close()
