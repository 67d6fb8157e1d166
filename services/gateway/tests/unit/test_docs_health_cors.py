"""One API document for clients, health for operators, CORS for browsers."""

from datetime import timedelta
from typing import Any

from gateway.testing import FakeServices, Harness, Signer, running_gateway


def service_doc(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "svc", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def operation(schema: str, *, public: bool = False) -> dict[str, Any]:
    gateway_params = [
        {"name": "x-jf-gateway-secret", "in": "header", "required": False},
        {"name": "x-jf-user-id", "in": "header", "required": False},
    ]
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {
        "parameters": [*([] if public else gateway_params), {"name": "limit", "in": "query"}],
        "responses": {"200": {"content": {"application/json": {"schema": ref}}}},
    }


async def test_merged_openapi_contains_paths_from_two_services(fakes: FakeServices) -> None:
    fakes.openapi["identity"] = service_doc(
        {
            "/v1/me": {"get": operation("Me")},
            "/v1/auth/token": {"post": operation("Tokens", public=True)},
        },
        {"Me": {"type": "object"}, "Tokens": {"type": "object"}},
    )
    fakes.openapi["feed"] = service_doc(
        {"/v1/posts/{post_id}": {"get": operation("Post")}},
        {"Post": {"type": "object"}},
    )
    fakes.down.add("events")  # a service that is down is just left out
    async with running_gateway(fakes) as gw:
        response = await gw.client.get("/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert {"/v1/me", "/v1/auth/token", "/v1/posts/{post_id}", "/health/live"} <= set(doc["paths"])
    assert {"Me", "Tokens", "Post"} <= set(doc["components"]["schemas"])
    me = doc["paths"]["/v1/me"]["get"]
    assert [p["name"] for p in me["parameters"]] == ["limit"]
    assert me["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/v1/auth/token"]["post"]["security"] == []
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


async def test_merged_openapi_is_cached_then_refreshed(fakes: FakeServices) -> None:
    fakes.openapi["identity"] = service_doc({"/v1/me": {"get": operation("Me")}}, {})
    async with running_gateway(fakes, openapi_cache_seconds=60) as gw:
        first = (await gw.client.get("/openapi.json")).json()
        fakes.openapi["feed"] = service_doc({"/v1/feed": {"get": operation("Page")}}, {})
        cached = (await gw.client.get("/openapi.json")).json()
        assert cached == first
        gw.clock.advance(timedelta(seconds=61))
        fresh = (await gw.client.get("/openapi.json")).json()
        assert "/v1/feed" in fresh["paths"]


async def test_swagger_ui_points_at_the_merged_document(gw: Harness) -> None:
    response = await gw.client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/openapi.json" in response.text
    assert (await gw.client.get("/redoc")).status_code == 404


async def test_health_live_and_ready(gw: Harness) -> None:
    assert (await gw.client.get("/health/live")).json() == {"status": "ok"}
    ready = await gw.client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"jwks": True}


async def test_not_ready_while_identity_keys_cannot_be_fetched() -> None:
    fakes = FakeServices(published=[Signer.generate("k")], down={"identity"})
    async with running_gateway(fakes) as gw:
        ready = await gw.client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"jwks": False}


async def test_cors_allows_only_configured_origins(fakes: FakeServices) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    async with running_gateway(fakes, cors_origins="https://app.jobfriends.example") as gw:
        allowed = await gw.client.options(
            "/v1/posts", headers={"Origin": "https://app.jobfriends.example", **preflight}
        )
        denied = await gw.client.options(
            "/v1/posts", headers={"Origin": "https://evil.example", **preflight}
        )
        simple = await gw.client.get(
            "/v1/feed", headers={**gw.auth(), "Origin": "https://app.jobfriends.example"}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.jobfriends.example"
    assert "access-control-allow-origin" not in denied.headers
    assert simple.headers["access-control-allow-origin"] == "https://app.jobfriends.example"
    assert "x-correlation-id" in simple.headers["access-control-expose-headers"].lower()


async def test_no_cors_headers_by_default(gw: Harness) -> None:
    response = await gw.client.get(
        "/v1/feed", headers={**gw.auth(), "Origin": "https://app.jobfriends.example"}
    )
    assert "access-control-allow-origin" not in response.headers
