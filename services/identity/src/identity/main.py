"""Composition root of the identity service: `wire` builds it on a runtime, `create_app` serves
it. Tests on the in-memory store call `wire` too, so they run the service as it is built here."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from identity import consumers
from identity.api import router
from identity.repository import IdentityRepository
from identity.service import IdentityService
from identity.settings import IdentitySettings


def wire(runtime: Runtime, settings: IdentitySettings) -> IdentityService:
    """The repository and use cases on `runtime`, with their start-up, jobs and consumers."""
    repo = IdentityRepository(runtime.db)
    service = IdentityService(repo, runtime.outbox, runtime.clock, settings)
    runtime.on_startup(repo.ensure_indexes)
    runtime.on_startup(service.load_signing_key)
    runtime.every(300, service.forget_old_failures, "forget-sign-in-failures")
    consumers.register(runtime, service)
    return service


def create_app(settings: IdentitySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    runtime = Runtime("identity", settings, clock)
    return runtime.app(
        title="JobFriends identity", routers=[router], services=wire(runtime, settings)
    )
