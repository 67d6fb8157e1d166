"""The network under the gateway's `httpx` client: a pooled aiohttp connection per service.

Forwarding is the gateway's whole job, so the cost of one hop matters. httpx's own transport
(httpcore on anyio) spends several times more CPU per request than aiohttp's C-accelerated
client, and on a small machine that CPU is taken from the services behind it. Keeping httpx as
the interface means the rest of the gateway, and its tests with `httpx.MockTransport`, do not
care which network is below; only this module knows aiohttp.

Errors are translated to the httpx exceptions the proxy already maps to 503/504/502.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import httpx
from multidict import CIMultiDict
from yarl import URL

_READ_CHUNK = 64 * 1024


class _Body(httpx.AsyncByteStream):
    """A service's response body as it arrives; closing it before the end drops the connection
    (it cannot be reused with unread bytes), reading it to the end returns it to the pool."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(_READ_CHUNK):
                yield chunk
        except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as exc:
            raise httpx.RemoteProtocolError(f"service broke off its answer: {exc}") from exc
        except aiohttp.SocketTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc)) from exc

    async def aclose(self) -> None:
        self._response.release()  # a fully read body goes back to the pool, else is closed


_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _never_reached_the_service(exc: aiohttp.ClientError, method: str) -> bool:
    """Safe to send again: the request could not be written (the service cannot have acted on
    half a request), or the connection closed before any answer to a request that may be
    repeated. A POST the service may have received is never sent twice."""
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return method in _IDEMPOTENT
    return isinstance(exc, aiohttp.ClientOSError)


class PooledTransport(httpx.AsyncBaseTransport):
    """Keep-alive connections to the services. `idle_seconds` must stay below the services'
    own keep-alive (uvicorn closes idle connections after 5 s), so we never send on a
    connection the other side is about to close; `keep_alive=False` suits long-lived streams."""

    def __init__(
        self,
        *,
        max_connections: int,
        connect_timeout: float,
        idle_seconds: float,
        keep_alive: bool = True,
    ) -> None:
        self._max_connections = max_connections
        self._connect_timeout = connect_timeout
        self._idle_seconds = idle_seconds
        self._keep_alive = keep_alive
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        """Created on first use, inside the running event loop aiohttp binds to."""
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                limit_per_host=0,
                keepalive_timeout=self._idle_seconds if self._keep_alive else None,
                force_close=not self._keep_alive,
                use_dns_cache=True,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # bodies pass through exactly as the service sent them
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                trust_env=False,
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() not in (b"host", b"content-length", b"transfer-encoding")
        )
        body = request.content if request.content else None
        limits = request.extensions.get("timeout", {})
        connect = limits.get("connect") or self._connect_timeout
        for attempt in (1, 2):
            try:
                response = await self._open().request(
                    request.method,
                    URL(str(request.url), encoded=True),  # the path exactly as the client wrote it
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(
                        total=None,
                        connect=connect,
                        sock_connect=connect,
                        sock_read=limits.get("read"),
                    ),
                )
                break
            except aiohttp.ConnectionTimeoutError as exc:
                raise httpx.ConnectTimeout(str(exc), request=request) from exc
            except aiohttp.SocketTimeoutError as exc:
                raise httpx.ReadTimeout(str(exc), request=request) from exc
            except aiohttp.ClientConnectorError as exc:
                raise httpx.ConnectError(str(exc), request=request) from exc
            except aiohttp.ClientError as exc:
                if attempt == 1 and _never_reached_the_service(exc, request.method):
                    continue  # a pooled connection the service had just closed; use a new one
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            except TimeoutError as exc:
                raise httpx.ConnectTimeout(str(exc), request=request) from exc
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_Body(response),
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
            await asyncio.sleep(0)  # lets aiohttp finish closing its sockets
