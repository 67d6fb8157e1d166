"""Overload and outages end in a definite JSON answer: 429, 503, 504, 502 — never a hang."""

import asyncio
from datetime import timedelta

import httpx
import pytest
from gateway.testing import FakeServices, running_gateway


async def test_rate_limit_per_user_gives_429_with_retry_after(fakes: FakeServices) -> None:
    async with running_gateway(fakes, user_rate=1.0, user_burst=2) as gw:
        headers = gw.auth("busy-user")
        assert [(await gw.client.get("/v1/feed", headers=headers)).status_code for _ in "ab"] == [
            200,
            200,
        ]
        limited = await gw.client.get("/v1/feed", headers=headers)
        assert limited.status_code == 429
        assert limited.json()["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1

        other = await gw.client.get("/v1/feed", headers=gw.auth("quiet-user"))
        assert other.status_code == 200

        gw.clock.advance(timedelta(seconds=int(limited.headers["retry-after"])))
        assert (await gw.client.get("/v1/feed", headers=headers)).status_code == 200


async def test_rate_limit_per_client_ip_applies_before_authentication(
    fakes: FakeServices,
) -> None:
    async with running_gateway(fakes, ip_rate=0.5, ip_burst=3) as gw:
        statuses = [(await gw.client.get("/v1/me")).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        limited = await gw.client.post("/v1/auth/token", json={})
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "2"
    async with running_gateway(fakes, client_ip="198.51.100.9", ip_rate=0.5, ip_burst=3) as gw:
        assert (await gw.client.post("/v1/auth/token", json={})).status_code == 200


async def test_504_on_upstream_timeout(fakes: FakeServices) -> None:
    async def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    fakes.handlers["events"] = too_slow
    async with running_gateway(fakes) as gw:
        response = await gw.client.get("/v1/events", headers=gw.auth())
    assert response.status_code == 504
    assert response.json()["code"] == "gateway_timeout"


async def test_504_when_the_whole_exchange_outlasts_the_deadline(fakes: FakeServices) -> None:
    async def hangs(_: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    fakes.handlers["matching"] = hangs
    async with running_gateway(fakes, upstream_timeout=0.05, connect_timeout=0.05) as gw:
        async with asyncio.timeout(5):
            response = await gw.client.get("/v1/matches", headers=gw.auth())
    assert response.status_code == 504


async def test_503_on_connect_error(fakes: FakeServices) -> None:
    fakes.down.add("feed")
    async with running_gateway(fakes) as gw:
        response = await gw.client.get("/v1/feed", headers=gw.auth())
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.parametrize(
    "error", [httpx.ConnectTimeout("slow connect"), httpx.PoolTimeout("pool exhausted")]
)
async def test_503_when_no_connection_can_be_had(
    fakes: FakeServices, error: httpx.TransportError
) -> None:
    async def fail(_: httpx.Request) -> httpx.Response:
        raise error

    fakes.handlers["feed"] = fail
    async with running_gateway(fakes) as gw:
        response = await gw.client.get("/v1/feed", headers=gw.auth())
    assert response.status_code == 503


async def test_502_when_the_service_breaks_the_protocol(fakes: FakeServices) -> None:
    async def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed", request=request)

    fakes.handlers["feed"] = broken
    async with running_gateway(fakes) as gw:
        response = await gw.client.get("/v1/feed", headers=gw.auth())
    assert response.status_code == 502
    assert response.json()["code"] == "bad_gateway"


async def test_unexpected_failure_is_json_500_with_correlation_id(fakes: FakeServices) -> None:
    async def bug(_: httpx.Request) -> httpx.Response:
        raise RuntimeError("bug in a fake")

    fakes.handlers["feed"] = bug
    async with running_gateway(fakes) as gw:
        response = await gw.client.get("/v1/feed", headers={**gw.auth(), "X-Correlation-Id": "c-1"})
    assert response.status_code == 500
    assert response.json()["code"] == "internal"
    assert response.headers["x-correlation-id"] == "c-1"
