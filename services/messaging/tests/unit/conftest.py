"""The messaging service wired as `main.py` wires it, on the in-memory store, with a clock that
moves only when told: from the facts it hears (accounts, connections, blocks) to what a person
reads in a conversation, in milliseconds."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import Payload
from jobfriends_shared.contracts.identity import UserBlocked, UserRegistered
from jobfriends_shared.contracts.matching import ConnectionAccepted, pair_id
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import (
    FakeDatabase,
    OfflineRuntime,
    offline_runtime,
    offline_settings,
    recorded_events,
)
from messaging import main
from messaging.service import Services
from messaging.settings import MessagingSettings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANA, BO, CEM, DIA = "ana", "bo", "cem", "dia"


@dataclass
class Messaging:
    app: Services
    bus: OfflineRuntime
    db: Any
    clock: ControlledClock

    async def hear(self, payload: Payload | Envelope) -> Outcome:
        outcome = await self.bus.deliver(payload)
        assert outcome in (Outcome.applied, Outcome.duplicate), outcome
        return outcome

    async def people(self, *user_ids: str) -> None:
        for user_id in user_ids:
            await self.hear(
                UserRegistered(
                    user_id=user_id, email=f"{user_id}@example.org", display_name=user_id
                )
            )

    async def connect(self, a: str, b: str) -> None:
        await self.hear(
            ConnectionAccepted(pair_id=pair_id(a, b), from_user_id=a, to_user_id=b, request_id="r")
        )

    async def block(self, blocker: str, blocked: str) -> None:
        await self.hear(UserBlocked(blocker_id=blocker, blocked_id=blocked))

    async def direct(self, a: str, b: str) -> str:
        conversation, _ = await self.app.conversations.start_direct_or_existing(a, b)
        return str(conversation["id"])

    async def send(self, user_id: str, conversation_id: str, text: str) -> int:
        return int((await self.app.messages.send(user_id, conversation_id, text))["seq"])

    async def texts(self, user_id: str, conversation_id: str) -> list[str | None]:
        page = await self.app.messages.page(user_id, conversation_id, None, 100)
        return [m["text"] for m in page["items"]]

    async def events(self, *types: str) -> list[Envelope]:
        return await recorded_events(self.db, *types)

    async def consume_own(self) -> list[Outcome]:
        """What Kafka would bring back of messaging's own events (`message.sent`)."""
        return await self.bus.deliver_recorded()


@pytest.fixture
async def messaging() -> Messaging:
    db = FakeDatabase("messaging")
    clock = ControlledClock(START)
    settings = offline_settings(MessagingSettings)
    bus = offline_runtime("messaging", settings, db, clock)
    app = main.wire(bus.runtime, settings)
    await bus.runtime.prepare_store()
    return Messaging(app, bus, db, clock)


@pytest.fixture
async def friends(messaging: Messaging) -> Messaging:
    """Ana, Bo, Cem and Dia have accounts; Ana is connected to Bo and Cem, Bo to Cem."""
    await messaging.people(ANA, BO, CEM, DIA)
    for a, b in ((ANA, BO), (ANA, CEM), (BO, CEM)):
        await messaging.connect(a, b)
    return messaging
