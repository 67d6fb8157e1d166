"""Composition root of the matching service: `wire` builds it on a runtime, `create_app` serves
it. Tests on the in-memory store call `wire` too, so they run the service as it is built here."""

import uuid

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from matching import consumers
from matching.api import router
from matching.repository import EXPIRING, Repositories
from matching.service import Services
from matching.service.activity import ActivityService
from matching.service.connections import ConnectionService
from matching.service.live import LiveIndex
from matching.service.nudges import NudgeService
from matching.service.outcomes import Outcomes
from matching.service.projections import ProjectionService
from matching.service.suggestions import SuggestionService
from matching.service.tribe import TribeService
from matching.service.upkeep import Upkeep
from matching.settings import MatchingSettings


def wire(runtime: Runtime, settings: MatchingSettings) -> Services:
    """The repositories and use cases on `runtime`, with their start-up, jobs and consumers."""
    repos = Repositories.on(runtime.db)
    # A writer id per process start: journal numbering restarts with every start.
    live = LiveIndex(repos, runtime.clock, f"{runtime.instance}.{uuid.uuid4().hex[:8]}")
    suggestions = SuggestionService(repos, live, runtime.outbox, runtime.clock, settings)
    outcomes = Outcomes(repos, runtime.outbox, runtime.clock, suggestions)
    connections = ConnectionService(
        repos, runtime.outbox, runtime.clock, settings, suggestions, outcomes
    )
    tribe = TribeService(repos, runtime.outbox, runtime.clock, suggestions)
    outcomes.tribe_removal = tribe.remove_between
    services = Services(
        live=live,
        suggestions=suggestions,
        outcomes=outcomes,
        connections=connections,
        tribe=tribe,
        nudges=NudgeService(repos, runtime.outbox, runtime.clock, live),
        projections=ProjectionService(repos, runtime.clock, suggestions, outcomes),
        activity=ActivityService(repos, suggestions),
        upkeep=Upkeep(repos, runtime.clock, outcomes, tribe),
    )
    runtime.on_startup(repos.ensure_indexes)
    for expiry in EXPIRING:
        runtime.expire(expiry.collection, expiry.field, after=expiry.after)
    runtime.on_startup(live.start)
    consumers.register(runtime, services.projections, services.activity)
    runtime.every(settings.sync_interval_seconds, live.sync, "index-sync")
    runtime.every(settings.backlog_interval_seconds, suggestions.refresh_backlog, "refresh-backlog")
    runtime.every(settings.nudge_interval_seconds, services.nudges.run, "nudges")
    runtime.every(settings.expiry_interval_seconds, outcomes.expire, "request-expiry")
    runtime.every(settings.settle_interval_seconds, services.upkeep.settle, "settle")
    runtime.every(
        settings.housekeeping_interval_seconds, services.upkeep.housekeeping, "housekeeping"
    )
    runtime.every(settings.rebuild_check_seconds, suggestions.rebuild, "rebuild")
    return services


def create_app(settings: MatchingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    runtime = Runtime("matching", settings, clock)
    return runtime.app(
        title="JobFriends matching", routers=[router], services=wire(runtime, settings)
    )
