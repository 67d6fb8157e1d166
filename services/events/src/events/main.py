"""Composition root of the events service."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from events.api import router
from events.settings import EventsSettings


def create_app(settings: EventsSettings | None = None, clock: Clock | None = None) -> FastAPI:
    runtime = Runtime("events", settings or EventsSettings(), clock)
    return runtime.app(title="JobFriends events", routers=[router])
