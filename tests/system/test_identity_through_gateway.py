"""Accounts, profiles and their security, as a client sees them through the gateway."""

import base64
import json
from datetime import timedelta

from tests.harness import Person, Stack


def _decode(part: str) -> dict[str, object]:
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def _encode(data: object) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(token: str, **changes: object) -> str:
    """A real token with header fields (`alg`, `kid`) or claims changed, and a signature that
    cannot be valid (none at all for `alg=none`)."""
    head_b64, body_b64, _ = token.split(".")
    head, body = _decode(head_b64), _decode(body_b64)
    head.update({k: v for k, v in changes.items() if k in ("alg", "kid")})
    body.update({k: v for k, v in changes.items() if k not in ("alg", "kid")})
    signature = "" if head.get("alg") == "none" else _encode(b"x" * 64)
    return f"{_encode(head)}.{_encode(body)}.{signature}"


async def test_a_newcomer_registers_signs_in_and_fills_a_profile(stack: Stack) -> None:
    ana = await stack.join("Ana")
    patch = {
        "headline": "UX designer",
        "profession": "ux-designer",
        "city": "Berlin",
        "neighbourhood": "Kreuzberg",
        "open_to": ["collaborating"],
    }
    response = await stack.call("PATCH", "/v1/me", ana, json=patch)
    assert response.status_code == 200, response.text
    me = (await stack.call("GET", "/v1/me", ana)).json()
    assert (me["id"], me["profession"], me["open_to"]) == (ana.id, "ux-designer", ["collaborating"])
    assert response.headers["x-correlation-id"]


async def test_protected_routes_need_a_valid_token(stack: Stack) -> None:
    ana = await stack.join("Ana")
    assert (await stack.call("GET", "/v1/me")).status_code == 401
    bad_tokens = {
        "wrong signature": forge(ana.token),
        "alg none": forge(ana.token, alg="none"),
        "unknown key id": forge(ana.token, kid="not-a-key"),
        "someone else": forge(ana.token, sub="someone-else"),
        "garbage": "not.a.token",
    }
    for label, token in bad_tokens.items():
        response = await stack.call("GET", "/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, label
        assert response.json()["code"], label


async def test_an_expired_token_is_refused_and_a_refreshed_one_works(stack: Stack) -> None:
    ana = await stack.join("Ana")
    stack.clock.advance(timedelta(minutes=20))
    expired = await stack.call("GET", "/v1/me", ana)
    assert expired.status_code == 401
    refreshed = await stack.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": ana.refresh_token}
    )
    assert refreshed.status_code == 200
    fresh = Person(ana.id, ana.email, refreshed.json()["access_token"], "")
    assert (await stack.call("GET", "/v1/me", fresh)).status_code == 200
    reuse = await stack.call("POST", "/v1/auth/refresh", json={"refresh_token": ana.refresh_token})
    assert reuse.status_code == 401


async def test_nobody_can_act_as_someone_else(stack: Stack) -> None:
    ana, ben = await stack.join("Ana"), await stack.join("Ben")
    await stack.call("PATCH", "/v1/me", ana, json={"skills": ["figma"], "neighbourhood": "Mitte"})
    # The caller is always the token's subject: a spoofed identity header is stripped.
    spoofed = await stack.call(
        "PATCH", "/v1/me", ben, json={"headline": "hacked"}, headers={"x-jf-user-id": ana.id}
    )
    assert spoofed.status_code == 200
    assert (await stack.call("GET", "/v1/me", ana)).json()["headline"] is None
    # Ben's view of Ana hides her connections-only location.
    view = (await stack.call("GET", f"/v1/users/{ana.id}", ben)).json()
    assert "neighbourhood" not in view
    # Ana cannot endorse herself, and nobody can delete another account through the API.
    own = await stack.call("POST", f"/v1/users/{ana.id}/endorsements", ana, json={"skill": "figma"})
    assert own.status_code == 403
    assert (await stack.call("DELETE", f"/v1/users/{ana.id}", ben)).status_code in (404, 405)


async def test_hostile_input_gets_clear_client_errors(stack: Stack) -> None:
    ana = await stack.join("Ana")
    cases = [
        ("PATCH", "/v1/me", {"json": {"headline": {"$gt": ""}}}),
        ("PATCH", "/v1/me", {"json": {"roles": ["admin"]}}),
        ("PATCH", "/v1/me", {"json": {"headline": "a\x00b"}}),
        (
            "PATCH",
            "/v1/me",
            {"content": "[" * 5000 + "]" * 5000, "headers": {"content-type": "application/json"}},
        ),
        (
            "PATCH",
            "/v1/me",
            {"content": b"\xff\xfe not json", "headers": {"content-type": "application/json"}},
        ),
        ("PATCH", "/v1/me", {"json": {"bio": "x" * 2_000_000}}),
        ("POST", "/v1/auth/token", {"json": {"email": {"$ne": None}, "password": "x"}}),
    ]
    for method, path, kwargs in cases:
        response = await stack.call(method, path, ana, **kwargs)
        assert 400 <= response.status_code < 500, (path, kwargs.keys(), response.status_code)
        assert response.json()["message"]


async def test_api_docs_merge_every_service(stack: Stack) -> None:
    document = (await stack.call("GET", "/openapi.json")).json()
    assert "/v1/auth/register" in document["paths"]
    assert "/v1/me" in document["paths"]
    assert (await stack.call("GET", "/docs")).status_code == 200


async def test_milestones_endorsements_and_blocks_work_through_the_gateway(stack: Stack) -> None:
    ana, ben = await stack.join("Ana"), await stack.join("Ben")
    await stack.call("PATCH", "/v1/me", ana, json={"skills": ["figma"]})
    recorded = await stack.call(
        "POST",
        "/v1/me/milestones",
        ana,
        json={"kind": "promotion", "title": "Lead designer", "on": "2026-11-01"},
    )
    assert recorded.status_code == 201
    listed = await stack.call("GET", f"/v1/users/{ana.id}/milestones", ben)
    assert [m["title"] for m in listed.json()] == ["Lead designer"]
    endorsed = await stack.call(
        "POST", f"/v1/users/{ana.id}/endorsements", ben, json={"skill": "figma"}
    )
    assert endorsed.json()["counts"] == {"figma": 1}
    assert (await stack.call("POST", f"/v1/users/{ben.id}/block", ana)).status_code == 204
    assert (await stack.call("GET", f"/v1/users/{ana.id}", ben)).status_code == 404
