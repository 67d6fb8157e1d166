"""Browsers sign in with cookies the page cannot read, and another site cannot act with them."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from gateway.testing import FakeServices, Harness, running_gateway


@pytest.fixture
async def gw(fakes: FakeServices) -> AsyncIterator[Harness]:
    """A gateway whose identity hands out tokens for ana (and refuses a wrong password)."""
    async with running_gateway(fakes) as harness:
        issued: list[str] = []

        async def identity(request: httpx.Request) -> httpx.Response:
            path = request.url.path
            body = json.loads(request.content or b"{}")
            if path == "/v1/auth/token" and body.get("password") != "right":
                return httpx.Response(401, json={"code": "bad_credentials", "message": "no"})
            if path == "/v1/auth/refresh" and body.get("refresh_token") not in issued:
                return httpx.Response(401, json={"code": "invalid_token", "message": "reused"})
            if path in ("/v1/auth/token", "/v1/auth/refresh"):
                issued.append(f"refresh-{len(issued)}")
                return httpx.Response(
                    200,
                    json={
                        "access_token": harness.token("ana"),
                        "refresh_token": issued[-1],
                        "token_type": "bearer",
                        "expires_in": 900,
                        "user_id": "ana",
                    },
                )
            if path == "/v1/auth/logout":
                return httpx.Response(204)
            return httpx.Response(200, json={"headers": dict(request.headers)})

        fakes.handlers["identity"] = identity
        yield harness


async def sign_in(gw: Harness) -> httpx.Response:
    response = await gw.client.post(
        "/v1/session", json={"email": "ana@example.org", "password": "right"}
    )
    assert response.status_code == 200, response.text
    return response


def set_cookies(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


async def test_sign_in_keeps_the_tokens_in_httponly_cookies(gw: Harness) -> None:
    response = await sign_in(gw)
    body = response.json()
    assert set(body) == {"user_id", "expires_in", "csrf_token"}  # no token for the page
    cookies = set_cookies(response)
    assert "HttpOnly" in cookies["jf_session"] and "SameSite=Lax" in cookies["jf_session"]
    assert "Path=/v1/session" in cookies["jf_refresh"]
    assert "SameSite=Strict" in cookies["jf_refresh"]
    assert "HttpOnly" not in cookies["jf_csrf"]  # the page reads it to repeat it
    assert all("Secure" not in c for c in cookies.values())  # plain http: no Secure
    assert response.headers["cache-control"] == "no-store"


async def test_cookies_are_secure_over_tls(fakes: FakeServices, gw: Harness) -> None:
    transport = httpx.ASGITransport(app=gw.app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="https://gateway.test") as tls:
        response = await tls.post(
            "/v1/session", json={"email": "ana@example.org", "password": "right"}
        )
    assert all("; Secure" in c for c in set_cookies(response).values())


async def test_the_session_cookie_is_accepted_beside_bearer_tokens(gw: Harness) -> None:
    await sign_in(gw)
    response = await gw.client.get("/v1/me")
    assert response.status_code == 200
    forwarded = response.json()["headers"]
    assert forwarded["x-jf-user-id"] == "ana"
    assert "cookie" not in forwarded  # the session stays at the gateway


async def test_a_wrong_password_is_identitys_refusal_and_sets_nothing(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/session", json={"email": "ana@example.org", "password": "wrong"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"
    assert "set-cookie" not in response.headers


async def test_a_state_change_without_the_csrf_header_is_refused(gw: Harness) -> None:
    await sign_in(gw)
    response = await gw.client.post("/v1/posts", json={"text": "hello"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert gw.fakes.requests == [] or all(r.url.path != "/v1/posts" for r in gw.fakes.requests)


async def test_a_cross_site_post_is_refused_even_with_a_planted_token(gw: Harness) -> None:
    await sign_in(gw)
    # Another site cannot read jf_csrf; say it planted a value of its own in the cookie jar.
    gw.client.cookies.set("jf_csrf", "planted.value", domain="gateway.test")
    response = await gw.client.post(
        "/v1/posts",
        json={"text": "spam"},
        headers={
            "X-CSRF-Token": "planted.value",
            "Origin": "https://evil.example",
            "Sec-Fetch-Site": "cross-site",
        },
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


async def test_a_state_change_with_the_csrf_header_goes_through(gw: Harness) -> None:
    csrf = (await sign_in(gw)).json()["csrf_token"]
    assert gw.client.cookies["jf_csrf"] == csrf
    response = await gw.client.post(
        "/v1/posts", json={"text": "hi"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200
    assert response.json()["target"] == "/v1/posts"


async def test_a_csrf_value_minted_for_someone_else_is_refused(gw: Harness) -> None:
    await sign_in(gw)
    other = gw.app.state.gateway.csrf.mint("mallory")
    gw.client.cookies.set("jf_csrf", other, domain="gateway.test")
    response = await gw.client.post("/v1/posts", json={}, headers={"X-CSRF-Token": other})
    assert response.status_code == 403


async def test_bearer_clients_need_no_csrf_header(gw: Harness) -> None:
    response = await gw.client.post("/v1/posts", json={}, headers=gw.auth("ben"))
    assert response.status_code == 200


async def test_the_notification_stream_opens_with_the_cookie(gw: Harness) -> None:
    await sign_in(gw)
    response = await gw.client.get("/v1/notifications/stream")
    assert response.status_code == 200
    assert dict(response.json()["headers"])["x-jf-user-id"] == "ana"


async def test_renewal_rotates_the_refresh_cookie_and_needs_csrf(gw: Harness) -> None:
    first = await sign_in(gw)
    refused = await gw.client.post("/v1/session/refresh")
    assert refused.status_code == 403
    csrf = first.json()["csrf_token"]
    renewed = await gw.client.post("/v1/session/refresh", headers={"X-CSRF-Token": csrf})
    assert renewed.status_code == 200, renewed.text
    assert gw.client.cookies["jf_refresh"] == "refresh-1"
    assert renewed.json()["csrf_token"] != csrf


async def test_sign_out_revokes_and_clears_the_cookies(gw: Harness) -> None:
    csrf = (await sign_in(gw)).json()["csrf_token"]
    response = await gw.client.delete("/v1/session", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert all("Max-Age=0" in c for c in set_cookies(response).values())
    assert any(r.url.path == "/v1/auth/logout" for r in gw.fakes.requests)
    assert (await gw.client.get("/v1/me")).status_code == 401


async def test_no_other_site_can_sign_a_visitor_in(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/session",
        json={"email": "mallory@example.org", "password": "right"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
