"""Composition root of the notifications service: `wire` builds it on a runtime, `create_app`
serves it. Tests on the in-memory store call `wire` too, so they run the service as it is built
here.

`create_app(settings, clock)` builds a complete instance with nothing connected yet, so tests
and benchmarks can run several instances in one process (same database and topic prefix, each
with its own broadcast subscription and its own connected streams).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from notifications import consumers
from notifications.api import router
from notifications.mailer import Mailer, SmtpMailer
from notifications.repository import AccountRepository, InboxRepository, ProjectionRepository
from notifications.repository.inbox import CAP_CLAIMS
from notifications.service import Services
from notifications.service.content import ContentIntake
from notifications.service.digests import DigestService
from notifications.service.inbox import InboxService
from notifications.service.messages import MessagesIntake
from notifications.service.notifier import Notifier
from notifications.service.people import PeopleIntake
from notifications.service.preferences import PreferencesService
from notifications.settings import NotificationsSettings
from notifications.stream import Hub, register_broadcast


def wire(
    runtime: Runtime, settings: NotificationsSettings, mailer: Mailer | None = None
) -> Services:
    """The repositories and use cases on `runtime`, with their start-up, jobs and consumers
    (and the broadcast that wakes this instance's streams)."""
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
    consumers.register(runtime, people, content, MessagesIntake(notifier))
    wake = register_broadcast(runtime, hub)
    runtime.every(settings.digest_check_seconds, digests.run, "digests")

    # Claims of frequency-cap windows long closed (a week is the longest window).
    runtime.expire(CAP_CLAIMS, "at", after=timedelta(days=8))
    return Services(
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


def create_app(
    settings: NotificationsSettings | None = None,
    clock: Clock | None = None,
    mailer: Mailer | None = None,
) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = Runtime("notifications", settings, clock)
    return runtime.app(
        title="JobFriends notifications",
        routers=[router],
        services=wire(runtime, settings, mailer),
    )
