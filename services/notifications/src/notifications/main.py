"""Composition root of the notifications service."""

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime

from notifications.api import router
from notifications.settings import NotificationsSettings


def create_app(
    settings: NotificationsSettings | None = None, clock: Clock | None = None
) -> FastAPI:
    runtime = Runtime("notifications", settings or NotificationsSettings(), clock)
    return runtime.app(title="JobFriends notifications", routers=[router])
