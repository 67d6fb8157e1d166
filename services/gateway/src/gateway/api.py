"""The gateway's HTTP surface: one forwarding endpoint for everything under `/v1`, plus the
merged API document, Swagger UI and health.

Forwarding deliberately uses a plain Starlette route rather than a FastAPI operation: there is
nothing to parse or validate here (the owning service does that), and skipping FastAPI's
dependency machinery keeps the per-request overhead of the hop small.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from jobfriends_shared.errors import DomainError, NotFound, TooMany, Unauthorized
from jobfriends_shared.http import CORRELATION_HEADER, domain_error_response, error_body
from jobfriends_shared.observability import server_span, trace_headers
from opentelemetry.trace import SpanKind
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.domain import (
    JWKS_PATH,
    MethodNotAllowed,
    PayloadTooLarge,
    RouteTable,
    TokenBucketLimiter,
    correlation_id,
)
from gateway.proxy import ApiDocs, Upstreams
from gateway.session import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    SESSION_PATH,
    CsrfTokens,
    read_cookies,
)
from gateway.settings import GatewaySettings
from gateway.tokens import KeySet, TokenVerifier

log = logging.getLogger(__name__)

FORWARDED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_STATE_KEY = "correlation_id"
_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


@dataclass(frozen=True)
class MetricsLabel:
    """What request metrics are labelled with, in place of a router's route template: one label
    per owning service keeps the series few however many paths clients try."""

    path: str


@dataclass
class Gateway:
    """Everything the endpoints share, built once by `create_app`."""

    settings: GatewaySettings
    table: RouteTable
    keys: KeySet
    verifier: TokenVerifier
    upstreams: Upstreams
    ip_limiter: TokenBucketLimiter
    user_limiter: TokenBucketLimiter
    docs: ApiDocs
    csrf: CsrfTokens

    async def close(self) -> None:
        await self.keys.close()
        await self.upstreams.close()


def _gateway(request: Request) -> Gateway:
    return cast(Gateway, request.scope["state"]["gateway"])


def _correlation(scope: Scope) -> str:
    return str(scope["state"][_STATE_KEY])


def _client_ip(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


class CorrelationMiddleware:
    """Gives every request a correlation id and every response the `X-Correlation-Id` header,
    including error responses; an unexpected exception still leaves as JSON carrying the id, so
    a client's bug report can always be matched to our logs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = CORRELATION_HEADER.encode()
        given = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k.lower() == wanted), None
        )
        cid = correlation_id(given)
        scope.setdefault("state", {})[_STATE_KEY] = cid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [*message.get("headers", []), (wanted, cid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception:
            if started:
                raise
            log.exception("unhandled error (correlation id %s)", cid)
            body = error_body("internal", "something went wrong on our side")
            await JSONResponse(body, 500)(scope, receive, send_with_id)


async def _read_body(request: Request, limit: int) -> bytes:
    """The whole request body, refusing early on a declared size and again on the bytes that
    actually arrive (chunked bodies declare nothing)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise DomainError("Content-Length is not a number", code="bad_request") from None
        if size > limit:
            raise PayloadTooLarge(f"request body is larger than {limit} bytes")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise PayloadTooLarge(f"request body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def forward(request: Request) -> Response:
    gw = _gateway(request)
    scope = request.scope
    path: str = scope["path"]
    route = gw.table.resolve(request.method, path)
    if route is None:
        raise NotFound("no such endpoint")
    scope["route"] = MetricsLabel(f"/v1/* ({route.service})")

    ip = _client_ip(scope)
    # Per address first and before any token work, so floods of bad tokens are cut off cheaply.
    wait = gw.ip_limiter.take(ip or "unknown")
    if wait:
        raise TooMany("too many requests from your address; slow down", retry_after=wait)

    user_id: str | None = None
    if not route.public:
        user_id = await _caller(gw, request)
        wait = gw.user_limiter.take(user_id)
        if wait:
            raise TooMany("too many requests; slow down", retry_after=wait)

    body = await _read_body(request, gw.settings.max_body_bytes)
    raw_path: bytes = scope.get("raw_path") or path.encode()
    upstreams = gw.upstreams
    cid = _correlation(scope)
    name = f"{request.method} {route.service}"
    with server_span(name, request.headers, cid, SpanKind.SERVER):
        headers = [
            (k, v)
            for k, v in upstreams.headers(
                scope["headers"], correlation_id=cid, user_id=user_id, client_ip=ip
            )
            if k not in _TRACE_HEADERS
        ]
        # The service continues the gateway's span, not whatever the client claimed.
        headers += [(k.encode(), v.encode()) for k, v in trace_headers().items()]
        return await upstreams.forward(
            route.service,
            method=request.method,
            url=upstreams.url(route.service, raw_path, scope.get("query_string", b"")),
            headers=headers,
            body=body,
            streaming=route.streaming,
        )


async def _caller(gw: Gateway, request: Request) -> str:
    """The signed-in person: from `Authorization: Bearer`, or else from the browser session's
    cookie, in which case a state-changing request must also prove it comes from our own page
    (the CSRF double submit, `gateway.session`). Bearer clients need no such proof: no other
    site can make a browser send their header."""
    authorization = request.headers.get("authorization")
    if authorization:
        return (await gw.verifier.verify(authorization)).user_id
    cookies = read_cookies(request.scope["headers"])
    token = cookies.get(SESSION_COOKIE)
    principal = await gw.verifier.verify(f"Bearer {token}" if token else None)
    if request.method not in SAFE_METHODS:
        gw.csrf.check(
            user_id=principal.user_id,
            header=request.headers.get(CSRF_HEADER),
            cookie=cookies.get(CSRF_COOKIE),
        )
    return principal.user_id


def _unauthorized(exc: Unauthorized) -> Response:
    """401s say how to authenticate (RFC 6750), in addition to the usual JSON error body."""
    challenge = 'Bearer realm="jobfriends"'
    if exc.code != "missing_token":
        challenge += ', error="invalid_token"'
    return JSONResponse(
        error_body(exc.code, exc.message), 401, headers={"WWW-Authenticate": challenge}
    )


class ForwardingMiddleware:
    """Everything under `/v1` (and identity's JWKS) is forwarded from here, before FastAPI's
    router, exception and dependency layers: the gateway does not parse or validate what it
    forwards (the owning service does), so those layers would only add cost to every hop.
    Refusals leave as the usual JSON errors; anything unexpected propagates to the
    correlation middleware's JSON 500."""

    def __init__(self, app: ASGIApp, gateway: Gateway) -> None:
        self.app, self.gateway = app, gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not (path.startswith("/v1/") or path == JWKS_PATH)
            or path == SESSION_PATH
            or path.startswith(SESSION_PATH + "/")
        ):
            await self.app(scope, receive, send)
            return
        scope["state"]["gateway"] = self.gateway
        request = Request(scope, receive)
        try:
            if scope["method"] not in FORWARDED_METHODS or (
                path == JWKS_PATH and scope["method"] != "GET"
            ):
                raise MethodNotAllowed(f"{scope['method']} is not allowed here")
            response = await forward(request)
        except Unauthorized as exc:
            response = _unauthorized(exc)
        except DomainError as exc:
            response = domain_error_response(exc)
        await response(scope, receive, send)


def install(app: FastAPI, gw: Gateway) -> None:
    app.state.gateway = gw
    app.add_middleware(ForwardingMiddleware, gateway=gw)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(await gw.docs.document())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} — docs")


def own_openapi(app: FastAPI) -> dict[str, Any]:
    """The gateway's own operations (health); the `/v1` ones come from the services."""
    return get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
