"""Access-token verification, done locally with identity's published public keys.

The gateway checks every protected request without calling identity: it keeps identity's JWKS in
memory and only goes back for it when a token names a key it has not seen (key rotation) or when
the cached set is old. Those fetches are throttled and single-flight, so a stream of tokens with
made-up key ids cannot turn into a stream of calls to identity.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jobfriends_shared.clock import Clock
from jobfriends_shared.errors import Unauthorized

log = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = frozenset({"EdDSA", "RS256"})
"""Asymmetric only: `none` and HMAC algorithms would let a client or a leaked shared value mint
tokens, and anything else is simply not what identity issues."""

MAX_TOKEN_CHARS = 8192
MIN_RSA_BITS = 2048
_SAFE_SUBJECT = re.compile(r"[A-Za-z0-9._:@|-]{1,128}")  # travels on as a header value
_ACCESS_TYPES = frozenset({"access", "access_token", "at+jwt", "bearer"})
_TYPE_CLAIMS = ("typ", "token_type", "token_use")


@dataclass(frozen=True)
class Principal:
    user_id: str


@dataclass(frozen=True)
class VerifyingKey:
    kid: str
    algorithm: str
    jwk: jwt.PyJWK


def _algorithm_for(jwk: Mapping[str, Any]) -> str | None:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        return "EdDSA"
    if kty == "RSA":
        return "RS256"
    return None


def parse_jwks(document: Any) -> dict[str, VerifyingKey]:
    """Usable verification keys by kid. Keys we cannot or must not use are skipped one by one
    (a single odd key must not take the others down), including any that carry private parts."""
    keys: dict[str, VerifyingKey] = {}
    raw = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(raw, list):
        return keys
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        kid, algorithm = entry.get("kid"), _algorithm_for(entry)
        if not isinstance(kid, str) or not kid or algorithm is None:
            continue
        if entry.get("alg", algorithm) != algorithm or entry.get("use", "sig") != "sig":
            continue
        if "d" in entry:
            log.warning("ignoring JWKS key %r: it contains private key material", kid)
            continue
        try:
            parsed = jwt.PyJWK(entry, algorithm=algorithm)
        except jwt.PyJWTError:
            log.warning("ignoring unusable JWKS key %r", kid)
            continue
        if isinstance(parsed.key, RSAPublicKey) and parsed.key.key_size < MIN_RSA_BITS:
            log.warning("ignoring JWKS key %r: RSA key shorter than %d bits", kid, MIN_RSA_BITS)
            continue
        keys[kid] = VerifyingKey(kid, algorithm, parsed)
    return keys


class KeySet:
    """identity's public keys, cached; see the module docstring for the refresh policy."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Any]],
        clock: Clock,
        *,
        min_refresh_seconds: float,
        max_age_seconds: float,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._min_refresh = min_refresh_seconds
        self._max_age = max_age_seconds
        self._keys: dict[str, VerifyingKey] = {}
        self._loaded_at: float | None = None
        self._last_attempt: float | None = None
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def _may_fetch(self) -> bool:
        return self._last_attempt is None or self._now() - self._last_attempt >= self._min_refresh

    async def _refresh_locked(self) -> bool:
        self._last_attempt = self._now()
        try:
            document = await self._fetch()
        except Exception as exc:  # whatever failed, the keys we hold stay in force
            log.warning("could not fetch identity's JWKS: %s", exc)
            return False
        keys = parse_jwks(document)
        if not keys:
            log.warning("identity's JWKS had no usable keys; keeping the previous ones")
            return False
        self._keys = keys
        self._loaded_at = self._now()
        return True

    async def refresh(self) -> bool:
        """Fetch now (unthrottled): used at start-up and by the readiness probe."""
        async with self._lock:
            return await self._refresh_locked()

    async def ensure_loaded(self) -> bool:
        if self.loaded:
            return True
        return await self.refresh()

    async def get(self, kid: str) -> VerifyingKey | None:
        key = self._keys.get(kid)
        if key is not None:
            self._refresh_in_background_if_stale()
            return key
        async with self._lock:
            key = self._keys.get(kid)
            if key is None and self._may_fetch():
                await self._refresh_locked()
                key = self._keys.get(kid)
        return key

    def _refresh_in_background_if_stale(self) -> None:
        """Old keys keep verifying while a fresh set is fetched, so a slow identity never
        slows requests down; a key identity has withdrawn stops working after `max_age`."""
        if self._loaded_at is None or self._now() - self._loaded_at < self._max_age:
            return
        if (self._background is not None and not self._background.done()) or not self._may_fetch():
            return

        async def run() -> None:
            async with self._lock:
                if self._may_fetch():
                    await self._refresh_locked()

        self._background = asyncio.create_task(run())

    async def close(self) -> None:
        if self._background is not None:
            self._background.cancel()
            await asyncio.gather(self._background, return_exceptions=True)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


class TokenVerifier:
    """Checks access tokens. A client sends the same token with every request for its whole
    lifetime, so a signature that verified once is remembered (a bounded LRU of tokens to their
    claims): the expiry, the token type and the key's presence in identity's current set are
    still checked on every request, only the signature arithmetic is skipped."""

    def __init__(
        self,
        keys: KeySet,
        clock: Clock,
        *,
        issuer: str,
        audience: str,
        leeway_seconds: float,
        remembered: int = 10_000,
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._remembered = remembered
        self._verified: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()

    async def verify(self, authorization: str | None) -> Principal:
        """The caller behind an `Authorization` header value, or `Unauthorized`."""
        if not authorization:
            raise Unauthorized(
                "sign in: send 'Authorization: Bearer <token>'", code="missing_token"
            )
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("use 'Authorization: Bearer <token>'", code="missing_token")
        if len(token) > MAX_TOKEN_CHARS:
            raise _invalid("token is too long")
        known = self._verified.get(token)
        if known is not None and await self._keys.get(known[0]) is not None:
            self._verified.move_to_end(token)
            return self._admit(known[1])
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _invalid("token is malformed") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise _invalid("token is signed with an unsupported algorithm")
        if not isinstance(kid, str) or not kid:
            raise _invalid("token does not name its signing key")
        key = await self._keys.get(kid)
        if key is None:
            raise _invalid("token is signed with an unknown key")
        if key.algorithm != algorithm:
            raise _invalid("token algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.jwk,
                algorithms=[key.algorithm],
                audience=self._audience,
                issuer=self._issuer,
                # Time claims are checked below against the injected clock, not the wall clock.
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "iss", "aud", "sub"],
                },
            )
        except jwt.PyJWTError:
            raise _invalid("token signature or claims are not valid") from None
        principal = self._admit(claims)
        self._verified[token] = (kid, claims)
        if len(self._verified) > self._remembered:
            self._verified.popitem(last=False)
        return principal

    def _admit(self, claims: Mapping[str, Any]) -> Principal:
        self._check_times(claims)
        return Principal(self._subject(claims))

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock.now().timestamp()
        exp = _number(claims.get("exp"))
        if exp is None:
            raise _invalid("token has no valid expiry")
        if now > exp + self._leeway:
            raise Unauthorized("token has expired; refresh it", code="token_expired")
        if "nbf" in claims:
            nbf = _number(claims["nbf"])
            if nbf is None or now < nbf - self._leeway:
                raise _invalid("token is not valid yet")

    @staticmethod
    def _subject(claims: Mapping[str, Any]) -> str:
        for name in _TYPE_CLAIMS:  # a refresh token must not pass for an access token
            value = claims.get(name)
            if value is not None and str(value).lower() not in _ACCESS_TYPES:
                raise _invalid("not an access token")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not _SAFE_SUBJECT.fullmatch(sub):
            raise _invalid("token subject is not valid")
        return sub


def _invalid(message: str) -> Unauthorized:
    return Unauthorized(message, code="invalid_token")
