"""Composition root: `create_app` wires settings, clock and transport into the gateway app.

The gateway does not use the shared `Runtime`: it holds no database or broker, only HTTP
clients to the services, so its lifespan just loads identity's keys and closes those clients.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from jobfriends_shared.clock import Clock, SystemClock
from jobfriends_shared.http import health_router, install_error_handlers
from jobfriends_shared.observability import Metrics, instrument

from gateway.api import CorrelationMiddleware, Gateway, install, own_openapi
from gateway.browser import router as session_router
from gateway.domain import JWKS_PATH, RouteTable, TokenBucketLimiter
from gateway.proxy import ApiDocs, Upstreams
from gateway.session import CsrfTokens
from gateway.settings import GatewaySettings
from gateway.tokens import KeySet, TokenVerifier
from gateway.web import install_web_app

DESCRIPTION = (
    "The JobFriends public API. Send `Authorization: Bearer <access token>` (from "
    "`POST /v1/auth/token`) on every operation that is not marked public. Errors are JSON "
    '`{"code": ..., "message": ...}`; every response carries `X-Correlation-Id`.'
)


def create_app(
    settings: GatewaySettings,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """`transport` replaces the network to the services (tests pass an `httpx.MockTransport`)."""
    clock = clock or SystemClock()
    table = RouteTable()
    upstreams = Upstreams(settings, transport)
    key_issuer = table.owner(JWKS_PATH)  # the service whose keys sign the tokens
    if key_issuer is None:
        raise RuntimeError(f"no service in the registry serves {JWKS_PATH}")
    keys = KeySet(
        partial(upstreams.fetch_json, key_issuer, JWKS_PATH, timeout=settings.jwks_fetch_timeout),
        clock,
        min_refresh_seconds=settings.jwks_min_refresh_seconds,
        max_age_seconds=settings.jwks_max_age_seconds,
    )
    own: dict[str, Any] = {}

    def own_doc() -> dict[str, Any]:
        if not own:
            own.update(own_openapi(app))
        return own

    gateway = Gateway(
        settings=settings,
        table=table,
        keys=keys,
        verifier=TokenVerifier(
            keys,
            clock,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            leeway_seconds=settings.jwt_leeway_seconds,
        ),
        upstreams=upstreams,
        ip_limiter=TokenBucketLimiter(
            settings.ip_rate, settings.ip_burst, clock, settings.rate_limit_max_keys
        ),
        user_limiter=TokenBucketLimiter(
            settings.user_rate, settings.user_burst, clock, settings.rate_limit_max_keys
        ),
        docs=ApiDocs(
            upstreams,
            table,
            clock,
            own_doc,
            ttl=settings.openapi_cache_seconds,
            fetch_timeout=settings.openapi_fetch_timeout,
        ),
        csrf=CsrfTokens(settings.infra.gateway_secret.get_secret_value()),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await keys.refresh()  # best effort: readiness reports whether it worked
        try:
            yield
        finally:
            await gateway.close()

    app = FastAPI(
        title="JobFriends API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=None,  # ours is the merged document, served by `install`
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,  # paths are passed on as given; slash policy is the service's
    )
    install_error_handlers(app)
    app.include_router(health_router(lambda: {"jwks": keys.ensure_loaded}))
    install(app, gateway)
    app.include_router(session_router)
    instrument(app, Metrics())  # its /metrics route before the web app's catch-all
    install_web_app(app, settings.web_dir)  # last: its catch-all must not shadow anything
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["X-Correlation-Id", "Retry-After", "Location", "ETag"],
            max_age=600,
        )
    app.add_middleware(CorrelationMiddleware)  # added last = outermost: every response gets it
    return app
