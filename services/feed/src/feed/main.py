"""Composition root of the feed service."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from feed.api import router
from feed.settings import FeedSettings


def create_app(settings: FeedSettings | None = None, clock: Clock | None = None) -> FastAPI:
    runtime = Runtime("feed", settings or FeedSettings(), clock)
    return runtime.app(title="JobFriends feed", routers=[router])
