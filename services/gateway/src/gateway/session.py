"""Browser sessions: the web app signs in with a cookie instead of holding tokens in script.

A token a page's JavaScript can read is a token any injected script can steal, so for browsers
the gateway keeps identity's tokens in cookies the page cannot read (HttpOnly):

- `jf_session` holds the access token and is sent with every same-site request, `EventSource`
  included; the gateway accepts it wherever it accepts `Authorization: Bearer`.
- `jf_refresh` holds the refresh token and is sent only to `/v1/session` (its path), and never
  from another site (SameSite=Strict): it is what renews a session, so it travels least.
- `jf_csrf` is readable by the page: it sends the value back in the `X-CSRF-Token` header on
  every state-changing request (double submit). Another site can make the browser send our
  cookies but can neither read `jf_csrf` nor set that header. The value is signed together
  with the person's id (`nonce.mac`), so a value planted from elsewhere (a sibling subdomain
  can set cookies) does not pass for someone else's session.

The gateway stays stateless: nothing here needs a store, so any number of gateways can serve
one browser. Cookies are `Secure` whenever the request came over TLS (or always, by setting).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie
from typing import Literal

from jobfriends_shared.errors import DomainError

SESSION_COOKIE = "jf_session"
REFRESH_COOKIE = "jf_refresh"
CSRF_COOKIE = "jf_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_PATH = "/v1/session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(DomainError):
    status = 403
    code = "csrf_failed"


def read_cookies(raw_headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request's cookies by name; a malformed `Cookie` header counts as none."""
    jar: SimpleCookie = SimpleCookie()
    for name, value in raw_headers:
        if name.lower() == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 (a broken cookie header is just no cookies)
                continue
    return {key: morsel.value for key, morsel in jar.items()}


class CsrfTokens:
    """Mints and checks the double-submit values, signed with a key derived from the gateway
    secret (every gateway instance derives the same key, so any of them can check)."""

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"jobfriends-csrf-v1", hashlib.sha256).digest()

    def _mac(self, user_id: str, nonce: str) -> str:
        message = f"{user_id}\x00{nonce}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def mint(self, user_id: str) -> str:
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._mac(user_id, nonce)}"

    def check(self, *, user_id: str | None, header: str | None, cookie: str | None) -> None:
        """Refuse unless the header repeats the cookie and, when the person is known, the value
        was minted for them. Comparisons are constant-time."""
        if not header or not cookie:
            raise CsrfRefused("send the X-CSRF-Token header with the jf_csrf cookie's value")
        if not hmac.compare_digest(header.encode(), cookie.encode()):
            raise CsrfRefused("the X-CSRF-Token header does not match the jf_csrf cookie")
        if user_id is None:
            return
        nonce, _, mac = header.partition(".")
        if not nonce or not hmac.compare_digest(mac.encode(), self._mac(user_id, nonce).encode()):
            raise CsrfRefused("the CSRF token was not issued for this session")


def set_cookie(
    name: str,
    value: str,
    *,
    max_age: int,
    secure: bool,
    http_only: bool = True,
    path: str = "/",
    same_site: Literal["Lax", "Strict"] = "Lax",
) -> bytes:
    """One `Set-Cookie` header value. `max_age=0` deletes the cookie."""
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", f"SameSite={same_site}"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def session_cookies(
    *,
    access_token: str,
    refresh_token: str,
    csrf: str,
    refresh_seconds: int,
    secure: bool,
) -> list[bytes]:
    """The three cookies of a signed-in browser. The access token's cookie lives as long as the
    session (the token inside says when it expires, and an expired one answers
    `token_expired`, which tells the app to renew rather than to sign in again)."""
    return [
        set_cookie(SESSION_COOKIE, access_token, max_age=refresh_seconds, secure=secure),
        set_cookie(
            REFRESH_COOKIE,
            refresh_token,
            max_age=refresh_seconds,
            secure=secure,
            path=SESSION_PATH,
            same_site="Strict",
        ),
        set_cookie(CSRF_COOKIE, csrf, max_age=refresh_seconds, secure=secure, http_only=False),
    ]


def cleared_cookies(*, secure: bool) -> list[bytes]:
    return [
        set_cookie(SESSION_COOKIE, "", max_age=0, secure=secure),
        set_cookie(REFRESH_COOKIE, "", max_age=0, secure=secure, path=SESSION_PATH),
        set_cookie(CSRF_COOKIE, "", max_age=0, secure=secure, http_only=False),
    ]
