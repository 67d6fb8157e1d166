"""Composition root of the events service."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from events import consumers
from events.api import router
from events.repository import Repository
from events.service import Services
from events.settings import EventsSettings


def create_app(settings: EventsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or EventsSettings()
    runtime = Runtime("events", settings, clock)
    repo = Repository(runtime.db)
    services = Services.build(repo, runtime.outbox, runtime.clock)
    runtime.on_startup(repo.ensure_indexes)
    runtime.every(settings.reminder_interval_seconds, services.reminders.run, "reminders")
    runtime.every(settings.geo_repair_interval_seconds, services.events.repair_index, "geo-repair")
    consumers.register(runtime, services)
    app = runtime.app(title="JobFriends events", routers=[router])
    app.state.events = services
    return app
