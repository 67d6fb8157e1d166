"""Composition root of the notifications service.

`create_app(settings, clock)` builds a complete instance with nothing connected yet, so tests
and benchmarks can run several instances in one process (same database and topic prefix, each
with its own broadcast subscription and its own connected streams).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from notifications import consumers
from notifications.api import router
from notifications.mailer import Mailer, SmtpMailer
from notifications.repository import AccountRepository, InboxRepository, ProjectionRepository
from notifications.repository.inbox import CAP_CLAIMS
from notifications.service.content import ContentIntake
from notifications.service.digests import DigestService
from notifications.service.inbox import InboxService
from notifications.service.notifier import Notifier
from notifications.service.people import PeopleIntake
from notifications.service.preferences import PreferencesService
from notifications.settings import NotificationsSettings
from notifications.stream import TOPIC, Hub, WakeConsumer, register_broadcast


@dataclass
class Notifications:
    """Everything the HTTP layer, tests and benchmarks reach through `app.state.notifications`."""

    runtime: Runtime
    settings: NotificationsSettings
    hub: Hub
    notifier: Notifier
    inbox: InboxService
    preferences: PreferencesService
    digests: DigestService
    people: PeopleIntake
    content: ContentIntake
    wake_consumer: WakeConsumer

    def broadcast_ready(self) -> bool:
        return self.runtime.assigned(TOPIC)


def create_app(
    settings: NotificationsSettings | None = None,
    clock: Clock | None = None,
    mailer: Mailer | None = None,
) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = Runtime("notifications", settings, clock)
    inbox_repo = InboxRepository(runtime.db)
    projections = ProjectionRepository(runtime.db)
    accounts = AccountRepository(runtime.db)
    for repo in (inbox_repo, projections, accounts):
        runtime.on_startup(repo.ensure_indexes)
    hub = Hub(settings.streams_per_person)
    notifier = Notifier(
        inbox_repo, projections, accounts, runtime.outbox, runtime.clock, hub, settings.max_fanout
    )
    reader = InboxService(inbox_repo, projections, accounts, runtime.outbox, runtime.clock)
    digests = DigestService(
        inbox_repo,
        reader,
        projections,
        accounts,
        runtime.outbox,
        runtime.clock,
        mailer or SmtpMailer(settings),
        settings,
    )
    people = PeopleIntake(notifier, projections, settings)
    content = ContentIntake(notifier, projections, settings)
    consumers.register(runtime, people, content)
    wake = register_broadcast(runtime, hub)
    runtime.every(settings.digest_check_seconds, digests.run, "digests")

    # Claims of frequency-cap windows long closed (a week is the longest window).
    runtime.expire(CAP_CLAIMS, "at", after=timedelta(days=8))
    app = runtime.app(title="JobFriends notifications", routers=[router])
    app.state.notifications = Notifications(
        runtime=runtime,
        settings=settings,
        hub=hub,
        notifier=notifier,
        inbox=reader,
        preferences=PreferencesService(accounts, projections, runtime.clock),
        digests=digests,
        people=people,
        content=content,
        wake_consumer=wake,
    )
    return app
