"""Forwarding to the services over HTTP, and reading their published API descriptions.

Every failure to reach a service becomes a definite answer within the deadline (503 when it
cannot be reached, 504 when it is too slow, 502 when it answers nonsense), so a client never
hangs on the gateway and never sees a 500 for someone else's outage.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
from jobfriends_shared.clock import Clock
from jobfriends_shared.http import CORRELATION_HEADER, GATEWAY_SECRET_HEADER, USER_HEADER
from jobfriends_shared.registry import SERVICES
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from gateway.domain import (
    BadGateway,
    GatewayTimeout,
    RouteTable,
    Service,
    ServiceUnavailable,
    merge_openapi,
)
from gateway.settings import GatewaySettings
from gateway.transport import PooledTransport

log = logging.getLogger(__name__)

RawHeaders = list[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Headers only the gateway may set, or that describe the client's connection to us.
_NOT_FORWARDED = HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"cookie",  # the browser session's cookies are the gateway's business, not a service's
    b"authorization",
    b"expect",
    b"forwarded",
    b"x-real-ip",
    CORRELATION_HEADER.encode(),
}
# Headers our own server and middleware write, or that must not leak from inside.
_NOT_RETURNED = HOP_BY_HOP | {b"content-length", b"server", b"date", CORRELATION_HEADER.encode()}
_NO_BODY_STATUSES = frozenset({204, 304})


def _connection_tokens(raw: Iterable[tuple[bytes, bytes]]) -> set[bytes]:
    """Headers the sender declared hop-by-hop via `Connection: a, b`."""
    return {
        token.strip().lower()
        for name, value in raw
        if name.lower() == b"connection"
        for token in value.split(b",")
    }


def outgoing_headers(
    raw: Iterable[tuple[bytes, bytes]],
    *,
    secret: str,
    correlation_id: str,
    user_id: str | None,
    client_ip: str | None,
) -> RawHeaders:
    raw = list(raw)
    dropped = _NOT_FORWARDED | _connection_tokens(raw)
    kept = [
        (name, value)
        for name, value in ((n.lower(), v) for n, v in raw)
        if name not in dropped
        and not name.startswith(b"x-jf-")
        and not name.startswith(b"x-forwarded-")
    ]
    kept.append((GATEWAY_SECRET_HEADER.encode(), secret.encode()))
    kept.append((CORRELATION_HEADER.encode(), correlation_id.encode()))
    if user_id is not None:
        kept.append((USER_HEADER.encode(), user_id.encode()))
    if client_ip is not None:
        kept.append((b"x-forwarded-for", client_ip.encode("latin-1")))
    return kept


def returned_headers(raw: Iterable[tuple[bytes, bytes]]) -> RawHeaders:
    raw = list(raw)
    dropped = _NOT_RETURNED | _connection_tokens(raw)
    return [
        (name, value)
        for name, value in ((n.lower(), v) for n, v in raw)
        if name not in dropped
        and not name.startswith(b"x-jf-")
        and not name.startswith(b"access-control-")  # CORS is the gateway's decision
    ]


async def raw_chunks(upstream: httpx.Response) -> AsyncIterator[bytes]:
    """The body exactly as the service sent it (still compressed, if it compressed it).
    Responses made in memory, as mock transports do, arrive already read."""
    if upstream.is_stream_consumed:
        yield upstream.content
        return
    async for chunk in upstream.aiter_raw():
        yield chunk


class UpstreamStream(StreamingResponse):
    """Relays a service's response chunk by chunk as it arrives, and always releases the
    service connection, even when the client goes away mid-stream."""

    def __init__(self, upstream: httpx.Response, headers: RawHeaders) -> None:
        super().__init__(raw_chunks(upstream), status_code=upstream.status_code)
        self.raw_headers = [*headers, (b"x-accel-buffering", b"no")]
        self._upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._upstream.aclose()


def _no_cookies() -> CookieJar:
    """The clients are shared by every caller: a cookie one service set for one person must
    never ride along on someone else's request (and cookies are not how we authenticate)."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class Upstreams:
    """The HTTP clients to the services. Long-lived streams get their own pool and no read
    timeout, so open notification streams can never starve ordinary requests of connections."""

    def __init__(
        self, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._bases: dict[Service, httpx.URL] = {
            name: httpx.URL(url) for name, url in settings.service_urls.items()
        }
        self._secret = settings.infra.gateway_secret.get_secret_value()
        self._deadline = settings.upstream_timeout

        def timeout(*, streams: bool) -> httpx.Timeout:
            return httpx.Timeout(
                settings.upstream_timeout,
                connect=settings.connect_timeout,
                read=None if streams else settings.upstream_timeout,
            )

        def pool(size: int, *, streams: bool) -> httpx.AsyncBaseTransport:
            return transport or PooledTransport(
                max_connections=size,
                connect_timeout=settings.connect_timeout,
                idle_seconds=settings.pool_idle_seconds,
                keep_alive=not streams,
            )

        # Forwarding goes straight to the transports: an httpx client's layer (default headers,
        # cookies, auth and redirect handling) has nothing to do for a proxy and cost a sixth
        # of the gateway's CPU per request. Streams get their own pool and no read timeout.
        requests = pool(settings.max_connections, streams=False)
        self._hops: dict[bool, tuple[httpx.AsyncBaseTransport, dict[str, float | None]]] = {
            False: (requests, timeout(streams=False).as_dict()),
            True: (pool(settings.max_streams, streams=True), timeout(streams=True).as_dict()),
        }
        # The gateway's own small fetches (JWKS, OpenAPI documents).
        self._client = httpx.AsyncClient(
            timeout=timeout(streams=False),
            transport=requests,
            trust_env=False,
            cookies=_no_cookies(),
        )

    def headers(
        self,
        raw: Iterable[tuple[bytes, bytes]],
        *,
        correlation_id: str,
        user_id: str | None,
        client_ip: str | None,
    ) -> RawHeaders:
        return outgoing_headers(
            raw,
            secret=self._secret,
            correlation_id=correlation_id,
            user_id=user_id,
            client_ip=client_ip,
        )

    def url(self, service: Service, raw_path: bytes, query: bytes = b"") -> httpx.URL:
        target = raw_path + (b"?" + query if query else b"")
        return self._bases[service].copy_with(raw_path=target)

    async def forward(
        self,
        service: Service,
        *,
        method: str,
        url: httpx.URL,
        headers: RawHeaders,
        body: bytes,
        streaming: bool = False,
    ) -> Response:
        hop, timeouts = self._hops[streaming]
        content = body if body or method not in ("GET", "HEAD") else None
        request = httpx.Request(
            method, url, headers=headers, content=content, extensions={"timeout": timeouts}
        )
        try:
            async with asyncio.timeout(self._deadline):
                upstream = await hop.handle_async_request(request)
                if streaming:
                    return UpstreamStream(upstream, returned_headers(upstream.headers.raw))
                try:
                    payload = b"".join([chunk async for chunk in raw_chunks(upstream)])
                finally:
                    await upstream.aclose()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            log.warning("%s unreachable: %r", service, exc)
            raise ServiceUnavailable(f"the {service} service is unavailable") from None
        except (TimeoutError, httpx.TimeoutException):
            log.warning("%s timed out after %ss", service, self._deadline)
            raise GatewayTimeout(f"the {service} service did not answer in time") from None
        except httpx.HTTPError as exc:
            log.warning("%s failed: %r", service, exc)
            raise BadGateway(f"the {service} service gave a broken answer") from None
        return _buffered(upstream, payload, head=method == "HEAD")

    async def fetch_json(self, service: Service, path: str, *, timeout: float) -> Any:
        """A small internal document (JWKS, OpenAPI); raises on any failure or non-200."""
        response = await self._client.get(
            self.url(service, path.encode()),
            headers={GATEWAY_SECRET_HEADER: self._secret},
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        json: Any,
        correlation_id: str,
        client_ip: str | None,
    ) -> httpx.Response:
        """One request of the gateway's own (the browser session's sign-in, renewal and
        sign-out call identity on the person's behalf), with the same failures as forwarding."""
        headers = dict(
            (k.decode(), v.decode("latin-1"))
            for k, v in self.headers(
                [], correlation_id=correlation_id, user_id=None, client_ip=client_ip
            )
        )
        try:
            return await self._client.request(
                method, self.url(service, path.encode()), json=json, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            raise ServiceUnavailable(f"the {service} service is unavailable") from None
        except httpx.TimeoutException:
            raise GatewayTimeout(f"the {service} service did not answer in time") from None
        except httpx.HTTPError:
            raise BadGateway(f"the {service} service gave a broken answer") from None

    async def close(self) -> None:
        await self._client.aclose()  # and the requests' pool under it
        await self._hops[True][0].aclose()


def _buffered(upstream: httpx.Response, payload: bytes, *, head: bool) -> Response:
    response = Response(content=payload, status_code=upstream.status_code)
    headers = returned_headers(upstream.headers.raw)
    status = upstream.status_code
    if head:  # a HEAD answer describes the body it did not send
        declared = upstream.headers.get("content-length")
        if declared is not None:
            headers.append((b"content-length", declared.encode()))
    elif status >= 200 and status not in _NO_BODY_STATUSES:
        headers.append((b"content-length", str(len(payload)).encode()))
    response.raw_headers = headers
    return response


class ApiDocs:
    """The merged OpenAPI document, rebuilt at most every `ttl` seconds. A service that is down
    is left out, and then the document is rebuilt sooner so it fills in once the service is back."""

    PARTIAL_TTL = 5.0

    def __init__(
        self,
        upstreams: Upstreams,
        table: RouteTable,
        clock: Clock,
        own: Callable[[], Mapping[str, Any]],
        *,
        ttl: float,
        fetch_timeout: float,
    ) -> None:
        self._upstreams = upstreams
        self._table = table
        self._clock = clock
        self._own = own
        self._ttl = ttl
        self._fetch_timeout = fetch_timeout
        self._cached: dict[str, Any] | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self, service: Service) -> Mapping[str, Any] | None:
        try:
            doc = await self._upstreams.fetch_json(
                service, "/openapi.json", timeout=self._fetch_timeout
            )
        except (httpx.HTTPError, ValueError) as exc:
            log.info("no OpenAPI document from %s: %r", service, exc)
            return None
        return doc if isinstance(doc, dict) else None

    async def document(self) -> dict[str, Any]:
        if self._cached is not None and self._clock.now().timestamp() < self._expires:
            return self._cached
        async with self._lock:
            now = self._clock.now().timestamp()
            if self._cached is not None and now < self._expires:
                return self._cached
            services = [spec.name for spec in SERVICES]
            fetched = await asyncio.gather(*(self._fetch(s) for s in services))
            found = {s: d for s, d in zip(services, fetched, strict=True) if d is not None}
            self._cached = merge_openapi(self._own(), found, self._table)
            ttl = self._ttl if len(found) == len(services) else min(self._ttl, self.PARTIAL_TTL)
            self._expires = now + ttl
            return self._cached
