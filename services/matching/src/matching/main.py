"""Composition root of the matching service."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from matching.api import router
from matching.settings import MatchingSettings


def create_app(settings: MatchingSettings | None = None, clock: Clock | None = None) -> FastAPI:
    runtime = Runtime("matching", settings or MatchingSettings(), clock)
    return runtime.app(title="JobFriends matching", routers=[router])
