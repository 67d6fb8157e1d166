"""A messaging instance of its own per test on the real broker and store (own database and
topic prefix), reached as the gateway reaches it and fed other services' facts as Kafka feeds
it."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.contracts.matching import ConnectionAccepted, pair_id
from jobfriends_shared.testing import (
    Endpoints,
    ServiceClient,
    in_process,
    settings_for,
    unique_name,
)
from messaging.main import create_app
from messaging.settings import MessagingSettings


class Messaging(ServiceClient):
    async def people(self, *user_ids: str) -> None:
        for user_id in user_ids:
            email = f"{user_id}@example.org"
            await self.deliver(UserRegistered(user_id=user_id, email=email, display_name=user_id))

    async def connect(self, a: str, b: str) -> None:
        await self.deliver(
            ConnectionAccepted(pair_id=pair_id(a, b), from_user_id=a, to_user_id=b, request_id="r")
        )

    async def direct(self, a: str, b: str) -> str:
        body = {"participant_ids": [b]}
        return str((await self.ok("POST", "/v1/conversations", a, json=body))["id"])

    async def send(self, user_id: str, conversation_id: str, text: str) -> Any:
        path = f"/v1/conversations/{conversation_id}/messages"
        return await self.call("POST", path, user_id, json={"text": text})


@pytest.fixture
async def messaging(infra: Endpoints) -> AsyncIterator[Messaging]:
    settings = settings_for(MessagingSettings, infra, unique_name(), run_jobs=False)
    async with in_process(Messaging, create_app, settings, ControlledClock()) as service:
        yield service
