"""The gateway's pooled client over real loopback sockets, against services that behave and
services that misbehave in the ways networks do: not listening, never answering, hanging up
mid-answer, closing idle connections."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from gateway.main import create_app
from gateway.testing import FakeServices, Signer
from gateway.transport import PooledTransport

Script = Callable[[bytes, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request: the head and a Content-Length body; None when the client closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + await reader.readexactly(length)


def _answer(status: int, body: bytes, *extra: str) -> bytes:
    head = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def echo(request: bytes, _: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answers what it was asked, in two chunks of a chunked body."""
    line = request.split(b"\r\n", 1)[0].decode()
    body = json.dumps({"line": line, "body": request.split(b"\r\n\r\n", 1)[1].decode()}).encode()
    half = len(body) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:]))
    writer.write(
        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\nx-from: service\r\n\r\n" + chunks + b"0\r\n\r\n"
    )
    await writer.drain()


class ScriptedService:
    """A loopback HTTP/1.1 server whose every answer is `script`; counts connections."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.closed = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (request := await _read_request(reader)) is not None:
                await self.script(request, reader, writer)
                if writer.is_closing():
                    break
        finally:
            writer.close()
            self.closed.set()


@asynccontextmanager
async def serving(script: Script) -> AsyncIterator[tuple[ScriptedService, str]]:
    service = ScriptedService(script)
    server = await asyncio.start_server(service._serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield service, f"http://127.0.0.1:{port}"
    finally:
        server.close()


@asynccontextmanager
async def gateway_to(identity_url: str, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose identity is at `identity_url`, over the real network (no mock transport)."""
    settings = FakeServices(published=[Signer.generate("k")]).settings(
        service_urls={"identity": identity_url}, jwks_fetch_timeout=0.5, **overrides
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client,
    ):
        yield client


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_answers_cross_the_network_unchanged_and_connections_are_reused() -> None:
    async with serving(echo) as (service, url), gateway_to(url) as client:
        first = await client.post("/v1/auth/token?next=%2Fhome", content=b'{"a": 1}')
        second = await client.post("/v1/auth/token", content=b"again")
    assert first.status_code == 201
    assert first.headers["x-from"] == "service"
    assert first.json() == {"line": "POST /v1/auth/token?next=%2Fhome HTTP/1.1", "body": '{"a": 1}'}
    assert second.json()["body"] == "again"
    assert service.connections == 1


async def test_a_service_that_is_not_listening_is_503() -> None:
    async with gateway_to(f"http://127.0.0.1:{_closed_port()}") as client:
        response = await client.post("/v1/auth/token", json={})
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


async def test_a_service_that_never_answers_is_504_within_the_deadline() -> None:
    async def silent(_: bytes, reader: asyncio.StreamReader, __: asyncio.StreamWriter) -> None:
        await reader.read()  # until the gateway gives up and hangs up

    fast = {"upstream_timeout": 0.5, "connect_timeout": 0.5}
    async with serving(silent) as (_, url), gateway_to(url, **fast) as client:
        response = await asyncio.wait_for(client.post("/v1/auth/token", json={}), 5)
    assert response.status_code == 504


async def test_a_service_that_hangs_up_mid_answer_is_502() -> None:
    async def breaks_off(_: bytes, __: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b")
        await writer.drain()
        writer.close()

    async with serving(breaks_off) as (_, url), gateway_to(url) as client:
        response = await client.post("/v1/auth/token", json={})
    assert response.status_code == 502


async def test_a_connection_the_service_closed_while_idle_is_not_used_again() -> None:
    async def once(request: bytes, reader: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await echo(request, reader, w)
        w.close()  # as a service does when its keep-alive runs out

    async with serving(once) as (service, url), gateway_to(url) as client:
        first = await client.post("/v1/auth/token", content=b"1")
        await service.closed.wait()
        second = await client.post("/v1/auth/token", content=b"2")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["body"] == "2"


@pytest.mark.parametrize("size", [0, 300_000])
async def test_bodies_of_any_size_arrive_whole(size: int) -> None:
    async def sized(request: bytes, _: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(_answer(200, b"x" * size, "content-type: text/plain"))
        await w.drain()

    async with serving(sized) as (_, url), gateway_to(url) as client:
        response = await client.post("/v1/auth/token", content=b"y" * size)
    assert response.status_code == 200
    assert len(response.content) == size


async def test_a_stream_is_passed_on_as_it_arrives_not_when_it_ends() -> None:
    client_got_first = asyncio.Event()

    async def events(_: bytes, __: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n")
        writer.write(b"transfer-encoding: chunked\r\n\r\n" + b"b\r\ndata: one\n\n\r\n")
        await writer.drain()
        await client_got_first.wait()
        writer.write(b"b\r\ndata: two\n\n\r\n0\r\n\r\n")
        await writer.drain()

    pool = PooledTransport(max_connections=2, connect_timeout=1, idle_seconds=1, keep_alive=False)
    async with serving(events) as (_, url):
        request = httpx.Request("GET", f"{url}/v1/notifications/stream")
        response = await pool.handle_async_request(request)
        received = []
        async for chunk in response.aiter_raw():
            received.append(chunk)
            client_got_first.set()  # the service sends the rest only once we have the start
        await response.aclose()
    await pool.aclose()
    assert b"".join(received) == b"data: one\n\ndata: two\n\n"
    assert received[0] == b"data: one\n\n"
