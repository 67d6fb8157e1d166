"""Composition root of the matching service."""

import uuid

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from matching import consumers
from matching.api import Services, router
from matching.repository import EXPIRING, Repositories
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


def create_app(settings: MatchingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or MatchingSettings()
    runtime = Runtime("matching", settings, clock)
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
    nudges = NudgeService(repos, runtime.outbox, runtime.clock, live)
    projections = ProjectionService(repos, runtime.clock, suggestions, outcomes)
    upkeep = Upkeep(repos, runtime.clock, outcomes, tribe)

    runtime.on_startup(repos.ensure_indexes)
    for expiry in EXPIRING:
        runtime.expire(expiry.collection, expiry.field, after=expiry.after)
    runtime.on_startup(live.start)
    consumers.register(runtime, projections, ActivityService(repos, suggestions))
    runtime.every(settings.sync_interval_seconds, live.sync, "index-sync")
    runtime.every(settings.backlog_interval_seconds, suggestions.refresh_backlog, "refresh-backlog")
    runtime.every(settings.nudge_interval_seconds, nudges.run, "nudges")
    runtime.every(settings.expiry_interval_seconds, outcomes.expire, "request-expiry")
    runtime.every(settings.settle_interval_seconds, upkeep.settle, "settle")
    runtime.every(settings.housekeeping_interval_seconds, upkeep.housekeeping, "housekeeping")
    runtime.every(settings.rebuild_check_seconds, suggestions.rebuild, "rebuild")

    app = runtime.app(title="JobFriends matching", routers=[router])
    app.state.matching = Services(suggestions, connections, tribe)
    app.state.live = live
    return app
