"""Fakes for testing the gateway without any real service: the five services behind one
`httpx.MockTransport`, and an Ed25519 signer standing in for identity's token issuer.

They live in the package (like `jobfriends_shared.testing`) so that unit tests, integration tests
and benchmarks can all drive a gateway the same way.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.registry import SERVICES
from jobfriends_shared.settings import InfraSettings
from jobfriends_shared.testing import test_secret

from gateway.domain import JWKS_PATH, Service
from gateway.main import create_app
from gateway.settings import GatewaySettings

ISSUER = "jobfriends-identity"
AUDIENCE = "jobfriends"

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Signer:
    """One identity signing key: publishes its JWK and mints tokens like identity does."""

    kid: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, kid: str) -> Signer:
        return cls(kid, Ed25519PrivateKey.generate())

    def jwk(self) -> dict[str, str]:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw), "kid": self.kid, "alg": "EdDSA"}

    def claims(
        self, sub: str, now: datetime, ttl: timedelta = timedelta(minutes=15)
    ) -> dict[str, Any]:
        return {
            "sub": sub,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }

    def token(self, sub: str, now: datetime, **overrides: Any) -> str:
        claims = {**self.claims(sub, now), **overrides}
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": self.kid})


def unsigned_token(claims: dict[str, Any], kid: str) -> str:
    """An `alg: none` token, the classic forgery a verifier must refuse."""
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."


@dataclass
class FakeServices:
    """The services as an `httpx.MockTransport`. By default each one echoes what it received;
    set `handlers[service]` to script an answer, `down` to refuse connections, `openapi` to
    publish a document, and `published` to rotate identity's keys."""

    published: list[Signer]
    handlers: dict[Service, Handler] = field(default_factory=dict)
    openapi: dict[Service, dict[str, Any]] = field(default_factory=dict)
    down: set[Service] = field(default_factory=set)
    requests: list[httpx.Request] = field(default_factory=list)
    jwks_calls: int = 0

    @staticmethod
    def url(service: Service) -> str:
        return f"http://{service}.test"

    def settings(self, **overrides: Any) -> GatewaySettings:
        urls = {s.name: self.url(s.name) for s in SERVICES} | overrides.pop("service_urls", {})
        # No web app unless a test brings one: whether web/dist happens to be built must not
        # change what the gateway answers to an unknown path.
        overrides.setdefault("web_dir", None)
        infra = InfraSettings(JF_GATEWAY_SECRET=overrides.pop("secret", None) or test_secret())
        return GatewaySettings(infra=infra, service_urls=urls, **overrides)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host.removesuffix(".test")
        if service in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.path == JWKS_PATH:
            self.jwks_calls += 1
            return httpx.Response(200, json={"keys": [s.jwk() for s in self.published]})
        if request.url.path == "/openapi.json":
            doc = self.openapi.get(service)
            return httpx.Response(200, json=doc) if doc else httpx.Response(404)
        self.requests.append(request)
        handler = self.handlers.get(service)
        return await handler(request) if handler else echo(service, request)


def echo(service: Service, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "service": service,
            "method": request.method,
            "target": request.url.raw_path.decode(),
            "headers": [[k, v] for k, v in request.headers.multi_items()],
            "body": request.content.decode("latin-1"),
        },
    )


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    clock: ControlledClock
    fakes: FakeServices
    settings: GatewaySettings
    signer: Signer

    def token(self, sub: str = "user-1", **overrides: Any) -> str:
        return self.signer.token(sub, self.clock.now(), **overrides)

    def auth(self, sub: str = "user-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(sub)}"}


@asynccontextmanager
async def running_gateway(
    fakes: FakeServices,
    clock: ControlledClock | None = None,
    *,
    client_ip: str = "203.0.113.7",
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """A started gateway (keys loaded at start-up) and an HTTP client talking to it in-process."""
    clock = clock or ControlledClock()
    settings = fakes.settings(**overrides)
    app = create_app(settings, clock=clock, transport=fakes.transport())
    transport = httpx.ASGITransport(app=app, client=(client_ip, 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client,
    ):
        yield Harness(app, client, clock, fakes, settings, fakes.published[0])
