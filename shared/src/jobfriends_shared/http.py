"""HTTP plumbing shared by the services: error shape, health endpoints, gateway trust.

Every error leaves as `{"code": ..., "message": ...}` with a 4xx for client mistakes; validation
errors never echo the (possibly huge or hostile) input back.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jobfriends_shared.errors import DomainError, TooMany, Unauthorized

log = logging.getLogger(__name__)

GATEWAY_SECRET_HEADER = "x-jf-gateway-secret"  # noqa: S105 (a header name)
USER_HEADER = "x-jf-user-id"
CORRELATION_HEADER = "x-correlation-id"


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def _describe(errors: list[Any]) -> list[dict[str, Any]]:
    return [
        {"loc": [str(p) for p in e.get("loc", ())][:8], "msg": str(e.get("msg", ""))[:200]}
        for e in errors[:20]
    ]


def domain_error_response(exc: DomainError) -> JSONResponse:
    """The JSON answer for a refused request (also used outside FastAPI's handlers)."""
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooMany) else None
    return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _describe(list(exc.errors()))
        message = "invalid request"
        if details:
            where = ".".join(details[0]["loc"])
            message = f"{where}: {details[0]['msg']}" if where else str(details[0]["msg"])
        return JSONResponse(error_body("invalid_request", message, errors=details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(error_body("internal", "something went wrong on our side"), 500)


Check = Callable[[], Awaitable[bool]]


def health_router(checks: Callable[[], dict[str, Check]]) -> APIRouter:
    """Liveness says the process serves HTTP; readiness says its dependencies answer."""
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        results = {name: await check() for name, check in checks().items()}
        ok = all(results.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": results}, 200 if ok else 503
        )

    return router


@dataclass(frozen=True)
class Caller:
    """Who is calling, as vouched for by the gateway."""

    user_id: str | None

    def require_user(self) -> str:
        if self.user_id is None:
            raise Unauthorized("sign in first")
        return self.user_id


async def current_caller(
    request: Request,
    x_jf_gateway_secret: Annotated[str | None, Header()] = None,
    x_jf_user_id: Annotated[str | None, Header()] = None,
) -> Caller:
    """Accept requests only from the gateway: it proves itself with the shared secret that the
    app keeps in `app.state.gateway_secret`. (The correlation id the gateway sends is the
    request's context, set by the observability middleware, not a caller's property.) Async
    although it never waits: FastAPI runs a plain `def` dependency on a worker thread, a
    thread hop on every request."""
    expected: bytes = request.app.state.gateway_secret.encode()
    given = (x_jf_gateway_secret or "").encode()
    if not hmac.compare_digest(given, expected):
        raise Unauthorized("requests must come through the gateway", code="not_gateway")
    return Caller(user_id=x_jf_user_id or None)


CallerDep = Annotated[Caller, Depends(current_caller)]
