"""Composition root of the identity service."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from identity import consumers
from identity.api import router
from identity.repository import IdentityRepository
from identity.service import IdentityService
from identity.settings import IdentitySettings


def create_app(settings: IdentitySettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    runtime = Runtime("identity", settings, clock)
    repo = IdentityRepository(runtime.db)
    service = IdentityService(repo, runtime.outbox, runtime.clock, settings)
    runtime.on_startup(repo.ensure_indexes)
    runtime.on_startup(service.load_signing_key)
    runtime.every(300, service.forget_old_failures, "forget-sign-in-failures")
    consumers.register(runtime, service)
    app = runtime.app(title="JobFriends identity", routers=[router])
    app.state.identity = service
    return app
