"""The notifications service wired as `main.py` wires it, on the in-memory store, with a clock
that moves only when told and a mailer that keeps what it would send: from an event heard to
what a person finds in their inbox, in milliseconds."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import Payload
from jobfriends_shared.contracts.feed import PostCreated, PostKind, PostVisibility
from jobfriends_shared.contracts.identity import UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import (
    FakeDatabase,
    OfflineRuntime,
    offline_runtime,
    offline_settings,
    recorded_events,
)
from notifications import main
from notifications.service.digests import DigestService
from notifications.service.inbox import InboxService
from notifications.service.preferences import PreferencesService
from notifications.settings import NotificationsSettings
from notifications.stream import Hub

START = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)  # a Monday


@dataclass
class Mailbox:
    """Stands in for the SMTP relay."""

    sent: list[EmailMessage] = field(default_factory=list)

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


@dataclass
class Notifications:
    bus: OfflineRuntime
    db: Any
    clock: ControlledClock
    hub: Hub
    inbox: InboxService
    preferences: PreferencesService
    digests: DigestService
    mailbox: Mailbox

    async def hear(self, payload: Payload | Envelope) -> Outcome:
        outcome = await self.bus.deliver(payload)
        assert outcome in (Outcome.applied, Outcome.duplicate), outcome
        return outcome

    async def person(self, user_id: str, name: str) -> None:
        await self.hear(
            UserRegistered(user_id=user_id, email=f"{user_id}@example.org", display_name=name)
        )

    async def post(self, post_id: str, author: str, kind: str = "update") -> None:
        await self.hear(
            PostCreated(
                post_id=post_id,
                author_id=author,
                kind=PostKind(kind),
                text=f"Post {post_id} by {author}",
                visibility=PostVisibility.public,
            )
        )

    async def shown(self, user_id: str) -> list[dict[str, Any]]:
        """What the person's inbox lists, newest first."""
        page = await self.inbox.page(user_id, None, 50, unread_first=False)
        return list(page["items"])

    async def titles(self, user_id: str) -> list[str]:
        return [str(item["title"]) for item in await self.shown(user_id)]

    async def events(self, *types: str) -> list[Envelope]:
        return await recorded_events(self.db, *types)


@pytest.fixture
async def notes() -> Notifications:
    db = FakeDatabase("notifications")
    clock = ControlledClock(START)
    settings = offline_settings(NotificationsSettings)
    bus = offline_runtime("notifications", settings, db, clock)
    mailbox = Mailbox()
    s = main.wire(bus.runtime, settings, mailer=mailbox)
    await bus.runtime.prepare_store()
    return Notifications(bus, db, clock, s.hub, s.inbox, s.preferences, s.digests, mailbox)
