"""Composition root of the events service: `wire` builds it on a runtime, `create_app` serves
it. Tests on the in-memory store call `wire` too, so they run the service as it is built here."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from events import consumers
from events.api import router
from events.repository import Repository
from events.service import Services
from events.settings import EventsSettings


def wire(runtime: Runtime, settings: EventsSettings) -> Services:
    """The repository and use cases on `runtime`, with their start-up, jobs and consumers."""
    repo = Repository(runtime.db)
    services = Services.build(repo, runtime.outbox, runtime.clock)
    runtime.on_startup(repo.ensure_indexes)
    runtime.every(settings.reminder_interval_seconds, services.reminders.run, "reminders")
    runtime.every(settings.geo_repair_interval_seconds, services.events.repair_index, "geo-repair")
    consumers.register(runtime, services)
    return services


def create_app(settings: EventsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or EventsSettings()
    runtime = Runtime("events", settings, clock)
    return runtime.app(
        title="JobFriends events", routers=[router], services=wire(runtime, settings)
    )
