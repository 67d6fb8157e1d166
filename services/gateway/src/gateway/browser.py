"""`/v1/session`: sign in, renew and sign out for browsers (see `gateway.session` for why).

These are the gateway's own operations, not forwarded ones: the gateway asks identity for
tokens exactly as any client would (`/v1/auth/token`, `/v1/auth/refresh`, `/v1/auth/logout`)
and puts them in cookies instead of in the response body, so no token ever reaches the page.
identity's refusals (wrong password, a locked sign-in, a reused refresh token) are passed on
as they came, with their status and `Retry-After`.
"""

from __future__ import annotations

from typing import Annotated, Any, cast
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from jobfriends_shared.errors import TooMany, Unauthorized
from jobfriends_shared.http import error_body
from pydantic import BaseModel, Field
from starlette.responses import Response

from gateway.api import Gateway
from gateway.session import (
    CSRF_COOKIE,
    CSRF_HEADER,
    REFRESH_COOKIE,
    SESSION_PATH,
    CsrfRefused,
    cleared_cookies,
    read_cookies,
    session_cookies,
)

IDENTITY = "identity"


class SignIn(BaseModel):
    email: Annotated[str, Field(max_length=320)]
    password: Annotated[str, Field(max_length=1024)]


class SessionOut(BaseModel):
    """What the page may know of its session: who, until when, and the CSRF value to repeat
    in `X-CSRF-Token` (also readable from the `jf_csrf` cookie)."""

    user_id: str
    expires_in: int = Field(description="Seconds until the access token needs renewing")
    csrf_token: str


class ErrorOut(BaseModel):
    code: str
    message: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 422, 429, 503, 504)
}

router = APIRouter(prefix=SESSION_PATH, tags=["session"], responses=_ERRORS)


def _gateway(request: Request) -> Gateway:
    return cast(Gateway, request.app.state.gateway)


def _secure(request: Request) -> bool:
    forced = _gateway(request).settings.session_cookie_secure
    return forced if forced is not None else request.url.scheme == "https"


def _same_site_only(request: Request) -> None:
    """Session changes come from our own pages: a browser says where a request came from
    (`Sec-Fetch-Site`, `Origin`), and one from another site is refused before anything else,
    so no other site can sign a visitor in to an account of its choosing."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused("sessions cannot be changed from another site")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise CsrfRefused("sessions cannot be changed from another site")


def _limit(request: Request) -> None:
    client = request.client
    wait = _gateway(request).ip_limiter.take(client.host if client else "unknown")
    if wait:
        raise TooMany("too many requests from your address; slow down", retry_after=wait)


async def _identity(request: Request, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    gw = _gateway(request)
    answer = await gw.upstreams.call(
        IDENTITY,
        "POST",
        path,
        json=body,
        correlation_id=str(request.scope["state"]["correlation_id"]),
        client_ip=request.client.host if request.client else None,
    )
    try:
        payload = answer.json() if answer.content else None
    except ValueError:
        payload = None
    return answer.status_code, payload


def _refused(status: int, payload: Any, *, secure: bool, clear: bool = False) -> Response:
    if not isinstance(payload, dict) or "code" not in payload:
        payload = error_body("sign_in_failed", "could not sign in")
    response = JSONResponse(payload, status)
    if clear:
        for cookie in cleared_cookies(secure=secure):
            response.raw_headers.append((b"set-cookie", cookie))
    return response


def _signed_in(request: Request, tokens: dict[str, Any]) -> Response:
    gw = _gateway(request)
    user_id = str(tokens["user_id"])
    csrf = gw.csrf.mint(user_id)
    body = SessionOut(user_id=user_id, expires_in=int(tokens["expires_in"]), csrf_token=csrf)
    response = JSONResponse(body.model_dump(), 200, headers={"Cache-Control": "no-store"})
    for cookie in session_cookies(
        access_token=str(tokens["access_token"]),
        refresh_token=str(tokens["refresh_token"]),
        csrf=csrf,
        refresh_seconds=gw.settings.session_days * 86_400,
        secure=_secure(request),
    ):
        response.raw_headers.append((b"set-cookie", cookie))
    return response


def _double_submitted(request: Request) -> dict[str, str]:
    cookies = read_cookies(request.scope["headers"])
    _gateway(request).csrf.check(
        user_id=None, header=request.headers.get(CSRF_HEADER), cookie=cookies.get(CSRF_COOKIE)
    )
    return cookies


@router.post("", response_model=SessionOut)
async def sign_in(request: Request, credentials: Annotated[SignIn, Body()]) -> Response:
    """Sign in with email and password; the tokens go into HttpOnly cookies."""
    _same_site_only(request)
    _limit(request)
    status, payload = await _identity(request, "/v1/auth/token", credentials.model_dump())
    if status != 200 or not isinstance(payload, dict):
        return _refused(status, payload, secure=_secure(request))
    return _signed_in(request, payload)


@router.post("/refresh", response_model=SessionOut)
async def renew(request: Request) -> Response:
    """A fresh access token from the refresh cookie (which is rotated, as identity rotates
    refresh tokens); a refused renewal clears the cookies, the browser is signed out."""
    _same_site_only(request)
    _limit(request)
    cookies = _double_submitted(request)
    refresh = cookies.get(REFRESH_COOKIE)
    if not refresh:
        raise Unauthorized("no session to renew; sign in", code="missing_token")
    status, payload = await _identity(request, "/v1/auth/refresh", {"refresh_token": refresh})
    if status != 200 or not isinstance(payload, dict):
        return _refused(status, payload, secure=_secure(request), clear=True)
    return _signed_in(request, payload)


@router.delete("", status_code=204, response_class=Response)
async def sign_out(request: Request) -> Response:
    """Revoke the refresh token at identity and delete the cookies."""
    _same_site_only(request)
    cookies = _double_submitted(request)
    refresh = cookies.get(REFRESH_COOKIE)
    if refresh:
        await _identity(request, "/v1/auth/logout", {"refresh_token": refresh})
    response = Response(status_code=204)
    for cookie in cleared_cookies(secure=_secure(request)):
        response.raw_headers.append((b"set-cookie", cookie))
    return response
