"""Composition root of the messaging service: `wire` builds it on a runtime, `create_app`
serves it. Tests on the in-memory store call `wire` too, so they run the service as it is built
here; `create_app(settings, clock)` connects nothing until its lifespan starts, so tests and
benches can run several instances in one process (each with its own broadcast subscription
and its own streams)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from messaging import consumers
from messaging.api import router
from messaging.repository import (
    ConversationRepository,
    MessageRepository,
    ProjectionRepository,
    RequestRepository,
    WaitingRepository,
)
from messaging.repository.waiting import NOTICES
from messaging.service import (
    Conversations,
    Messages,
    People,
    Requests,
    Services,
    Waiting,
)
from messaging.service.base import Stores
from messaging.settings import MessagingSettings
from messaging.stream import Hub, LiveConsumer


def wire(runtime: Runtime, settings: MessagingSettings) -> Services:
    """The repositories and use cases on `runtime`, with their start-up, jobs, consumers and
    the broadcast subscription that feeds this instance's streams."""
    waiting_store = WaitingRepository(runtime.db)
    stores = Stores(
        conversations=ConversationRepository(runtime.db),
        messages=MessageRepository(runtime.db),
        projections=ProjectionRepository(runtime.db),
        requests=RequestRepository(runtime.db),
        waiting=waiting_store,
    )
    for repo in (
        stores.conversations,
        stores.messages,
        stores.projections,
        stores.requests,
        waiting_store,
    ):
        runtime.on_startup(repo.ensure_indexes)
    hub = Hub(settings.streams_per_person)
    parts = (stores, runtime.outbox, runtime.clock, hub, settings)
    conversations = Conversations(*parts)
    messages = Messages(*parts)
    requests = Requests(*parts).bind(conversations, messages)
    people = People(*parts)
    waiting = Waiting(*parts).bind(waiting_store)
    consumers.register(runtime, people, waiting, waiting_store)
    live = LiveConsumer(runtime.db, runtime.clock, hub)
    runtime.broadcast(live)
    runtime.every(settings.waiting_check_seconds, waiting.announce_due, "announce-waiting")
    runtime.expire(NOTICES, "at", after=timedelta(days=30))
    return Services(
        runtime=runtime,
        settings=settings,
        hub=hub,
        conversations=conversations,
        messages=messages,
        requests=requests,
        people=people,
        waiting=waiting,
        live=live,
    )


def create_app(settings: MessagingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or MessagingSettings()
    runtime = Runtime("messaging", settings, clock)
    return runtime.app(
        title="JobFriends messaging", routers=[router], services=wire(runtime, settings)
    )
