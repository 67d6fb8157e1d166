"""What crosses the gateway in each direction, and what never does."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
from gateway.testing import Harness
from starlette.types import Message


def sent_headers(response: httpx.Response) -> dict[str, str]:
    return dict(response.json()["headers"])


async def test_caller_id_correlation_id_and_secret_reach_the_service(gw: Harness) -> None:
    response = await gw.client.get(
        "/v1/posts/p1/comments",
        params={"cursor": "abc", "limit": "5"},
        headers={**gw.auth("user-9"), "X-Correlation-Id": "trace-123"},
    )
    assert response.status_code == 200
    seen = response.json()
    assert seen["service"] == "feed"
    assert seen["target"] == "/v1/posts/p1/comments?cursor=abc&limit=5"
    headers = sent_headers(response)
    assert headers["x-jf-user-id"] == "user-9"
    assert headers["x-correlation-id"] == "trace-123"
    assert headers["x-jf-gateway-secret"] == gw.settings.infra.gateway_secret.get_secret_value()
    assert headers["x-forwarded-for"] == "203.0.113.7"
    assert response.headers["x-correlation-id"] == "trace-123"


async def test_client_supplied_gateway_headers_and_credentials_are_stripped(gw: Harness) -> None:
    response = await gw.client.get(
        "/v1/me",
        headers={
            **gw.auth("user-9"),
            "X-JF-User-Id": "admin",
            "X-JF-Gateway-Secret": "guess",
            "X-JF-Anything": "x",
            "X-Forwarded-For": "10.0.0.1",
            "Connection": "keep-alive, X-Secret-Hop",
            "X-Secret-Hop": "hop",
            "Accept-Language": "fr",
        },
    )
    headers = response.json()["headers"]
    names = [name for name, _ in headers]
    assert names.count("x-jf-user-id") == 1 and dict(headers)["x-jf-user-id"] == "user-9"
    assert names.count("x-jf-gateway-secret") == 1
    assert dict(headers)["x-jf-gateway-secret"] != "guess"
    assert "x-jf-anything" not in names
    assert "authorization" not in names
    assert "x-secret-hop" not in names
    assert "X-Secret-Hop" not in dict(headers).get("connection", "")
    assert dict(headers)["x-forwarded-for"] == "203.0.113.7"
    assert dict(headers)["accept-language"] == "fr"


async def test_public_routes_do_not_forward_credentials_either(gw: Harness) -> None:
    response = await gw.client.post("/v1/auth/refresh", json={}, headers=gw.auth())
    names = [name for name, _ in response.json()["headers"]]
    assert "authorization" not in names and "x-jf-user-id" not in names


async def test_unsafe_correlation_id_is_replaced_by_a_fresh_one(gw: Harness) -> None:
    response = await gw.client.get(
        "/v1/me", headers={**gw.auth(), "X-Correlation-Id": "bad id; drop table"}
    )
    given = response.headers["x-correlation-id"]
    assert given != "bad id; drop table"
    assert uuid.UUID(hex=given)
    assert sent_headers(response)["x-correlation-id"] == given


async def test_every_response_carries_a_correlation_id(gw: Harness) -> None:
    for response in (
        await gw.client.get("/v1/me"),
        await gw.client.get("/v1/nope", headers=gw.auth()),
        await gw.client.get("/health/live"),
        await gw.client.get("/not-an-api"),
    ):
        assert len(response.headers["x-correlation-id"]) == 32


async def test_request_body_and_method_are_forwarded(gw: Harness) -> None:
    response = await gw.client.patch("/v1/me", headers=gw.auth(), json={"headline": "Hi"})
    seen = response.json()
    assert seen["method"] == "PATCH"
    assert seen["body"] == '{"headline":"Hi"}'
    assert sent_headers(response)["content-type"] == "application/json"


async def test_service_status_body_and_useful_headers_come_back(gw: Harness) -> None:
    async def created(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201,
            content=b'{"id":"p1"}',
            headers={
                "Content-Type": "application/json",
                "Location": "/v1/posts/p1",
                "ETag": '"v1"',
                "Retry-After": "3",
                "Server": "internal-box",
                "X-JF-Internal": "secret",
                "X-Correlation-Id": "forged",
            },
        )

    gw.fakes.handlers["feed"] = created
    response = await gw.client.post("/v1/posts", headers=gw.auth(), json={"text": "hi"})
    assert response.status_code == 201
    assert response.json() == {"id": "p1"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "/v1/posts/p1"
    assert response.headers["etag"] == '"v1"'
    assert response.headers["retry-after"] == "3"
    assert "x-jf-internal" not in response.headers
    assert response.headers.get("server") != "internal-box"
    assert response.headers["x-correlation-id"] != "forged"


async def test_service_errors_pass_through_unchanged(gw: Harness) -> None:
    async def conflict(_: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"code": "already_following", "message": "already"})

    gw.fakes.handlers["feed"] = conflict
    response = await gw.client.put("/v1/users/u2/follow", headers=gw.auth())
    assert response.status_code == 409
    assert response.json()["code"] == "already_following"


async def test_calendar_download_comes_from_events(gw: Harness) -> None:
    response = await gw.client.get("/v1/me/calendar.ics", headers=gw.auth())
    assert response.json()["service"] == "events"


async def test_unknown_v1_path_is_404_json(gw: Harness) -> None:
    for path in ("/v1/nope", "/v1/users/u1/secrets", "/v1"):
        response = await gw.client.get(path, headers=gw.auth())
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert gw.fakes.requests == []


async def test_unknown_paths_outside_v1_are_404_json(gw: Harness) -> None:
    response = await gw.client.get("/admin")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_body_over_the_limit_is_413(gw: Harness) -> None:
    big = b"x" * (gw.settings.max_body_bytes + 1)
    response = await gw.client.post("/v1/posts", headers=gw.auth(), content=big)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert gw.fakes.requests == []


async def test_body_without_length_is_counted_as_it_streams_and_refused_at_413(
    gw: Harness,
) -> None:
    chunk = b"x" * 65536

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(gw.settings.max_body_bytes // len(chunk) + 2):
            yield chunk

    response = await gw.client.post("/v1/posts", headers=gw.auth(), content=chunks())
    assert response.status_code == 413
    assert gw.fakes.requests == []


async def test_body_at_the_limit_is_forwarded(gw: Harness) -> None:
    body = b"x" * gw.settings.max_body_bytes
    response = await gw.client.post("/v1/posts", headers=gw.auth(), content=body)
    assert response.status_code == 200
    assert len(response.json()["body"]) == len(body)


async def test_notification_stream_is_relayed_as_it_arrives(gw: Harness) -> None:
    """The first event must reach the client while the service is still holding the stream
    open; a buffering gateway would deadlock here and hit the timeout."""
    client_got_first = asyncio.Event()
    upstream_closed = asyncio.Event()

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b"data: one\n\n"
            await client_got_first.wait()
            yield b"data: two\n\n"
        finally:
            upstream_closed.set()

    async def stream(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=events())

    gw.fakes.handlers["notifications"] = stream
    sent: list[Message] = []
    request_sent = False

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)
        if b"one" in message.get("body", b""):
            client_got_first.set()

    token = gw.token().encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/notifications/stream",
        "raw_path": b"/v1/notifications/stream",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"gateway.test"), (b"authorization", b"Bearer " + token)],
        "client": ("198.51.100.1", 1234),
        "server": ("gateway.test", 80),
    }
    async with asyncio.timeout(5):
        await gw.app(scope, receive, send)

    start = sent[0]
    assert start["type"] == "http.response.start" and start["status"] == 200
    assert (b"content-type", b"text/event-stream") in start["headers"]
    bodies = b"".join(m.get("body", b"") for m in sent[1:])
    assert bodies == b"data: one\n\ndata: two\n\n"
    assert upstream_closed.is_set()


async def test_methods_the_api_does_not_use_are_405_json(gw: Harness) -> None:
    response = await gw.client.request("TRACE", "/v1/me", headers=gw.auth())
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert gw.fakes.requests == []


async def test_forwarded_requests_are_measured_per_owning_service(gw: Harness) -> None:
    await gw.client.get("/v1/me", headers=gw.auth())
    await gw.client.get("/v1/feed", headers=gw.auth())
    metrics = (await gw.client.get("/metrics")).text
    assert 'route="/v1/* (identity)",status="200"' in metrics
    assert 'route="/v1/* (feed)",status="200"' in metrics
