"""Who gets through: tokens are verified locally against identity's published keys."""

from datetime import timedelta
from typing import Any

import jwt
import pytest
from gateway.testing import FakeServices, Harness, Signer, running_gateway, unsigned_token


async def test_public_route_works_without_token(gw: Harness) -> None:
    response = await gw.client.post("/v1/auth/token", json={"email": "a@b.c", "password": "pw"})
    assert response.status_code == 200
    seen = response.json()
    assert seen["service"] == "identity"
    assert seen["target"] == "/v1/auth/token"
    assert "x-jf-user-id" not in dict(seen["headers"])


async def test_public_catalogue_and_keys_need_no_token(gw: Harness) -> None:
    assert (await gw.client.get("/v1/professions")).status_code == 200
    keys = await gw.client.get("/.well-known/jwks.json")
    assert keys.status_code == 200
    assert keys.json()["keys"][0]["kid"] == "key-1"


async def test_protected_route_without_token_is_401(gw: Harness) -> None:
    response = await gw.client.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "missing_token"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert gw.fakes.requests == []


async def test_protected_route_with_valid_token_reaches_service_as_that_user(gw: Harness) -> None:
    response = await gw.client.get("/v1/me", headers=gw.auth("user-42"))
    assert response.status_code == 200
    assert dict(response.json()["headers"])["x-jf-user-id"] == "user-42"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer    ", "token abc"])
async def test_malformed_authorization_is_401(gw: Harness, header: str) -> None:
    response = await gw.client.get("/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "missing_token"


async def test_garbage_token_is_401(gw: Harness) -> None:
    response = await gw.client.get("/v1/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_expired_token_is_401(gw: Harness) -> None:
    token = gw.token()
    gw.clock.advance(timedelta(minutes=16))
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


async def test_a_token_accepted_before_is_refused_once_it_expires(gw: Harness) -> None:
    headers = {"Authorization": f"Bearer {gw.token()}"}
    assert (await gw.client.get("/v1/me", headers=headers)).status_code == 200
    gw.clock.advance(timedelta(minutes=16))
    response = await gw.client.get("/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


async def test_a_token_accepted_before_is_refused_once_identity_withdraws_its_key(
    gw: Harness,
) -> None:
    headers = {"Authorization": f"Bearer {gw.token()}"}
    assert (await gw.client.get("/v1/me", headers=headers)).status_code == 200
    gw.fakes.published[:] = [Signer.generate("key-2")]
    gw.clock.advance(timedelta(seconds=gw.settings.jwks_max_age_seconds + 1))
    await gw.client.get("/v1/me", headers=headers)  # still the old set: triggers the refresh
    await gw.app.state.gateway.keys._background
    response = await gw.client.get("/v1/me", headers=headers)
    assert response.status_code == 401


async def test_token_within_clock_skew_leeway_is_accepted(gw: Harness) -> None:
    token = gw.token()
    gw.clock.advance(timedelta(minutes=15, seconds=5))
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_token_with_wrong_signature_is_401(gw: Harness) -> None:
    impostor = Signer.generate("key-1")  # same kid, different private key
    token = impostor.token("user-1", gw.clock.now())
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert gw.fakes.requests == []


async def test_token_with_alg_none_is_401(gw: Harness) -> None:
    token = unsigned_token(gw.signer.claims("user-1", gw.clock.now()), kid="key-1")
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert gw.fakes.requests == []


async def test_hmac_token_keyed_with_the_public_key_is_401(gw: Harness) -> None:
    public = gw.signer.jwk()["x"].encode()
    token = jwt.encode(
        gw.signer.claims("user-1", gw.clock.now()), public, "HS256", headers={"kid": "key-1"}
    )
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else"},
        {"iss": "evil-issuer"},
        {"typ": "refresh"},
        {"sub": "bad\nsubject"},
        {"nbf": 4_000_000_000},
    ],
)
async def test_token_with_wrong_claims_is_401(gw: Harness, claims: dict[str, Any]) -> None:
    token = gw.token(**claims)
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_token_missing_expiry_is_401(gw: Harness) -> None:
    claims = gw.signer.claims("user-1", gw.clock.now())
    del claims["exp"]
    token = jwt.encode(claims, gw.signer.private, "EdDSA", headers={"kid": "key-1"})
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_token_with_unknown_kid_is_401(gw: Harness) -> None:
    stranger = Signer.generate("key-unknown")
    token = stranger.token("user-1", gw.clock.now())
    gw.clock.advance(timedelta(seconds=10))
    response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_a_new_kid_triggers_one_jwks_refresh_then_succeeds(gw: Harness) -> None:
    assert gw.fakes.jwks_calls == 1  # at start-up
    rotated = Signer.generate("key-2")
    gw.fakes.published.append(rotated)
    gw.clock.advance(timedelta(seconds=10))
    headers = {"Authorization": f"Bearer {rotated.token('user-7', gw.clock.now())}"}

    first = await gw.client.get("/v1/me", headers=headers)
    second = await gw.client.get("/v1/me", headers=headers)

    assert first.status_code == 200 and second.status_code == 200
    assert dict(first.json()["headers"])["x-jf-user-id"] == "user-7"
    assert gw.fakes.jwks_calls == 2


async def test_unknown_kids_cannot_make_the_gateway_hammer_identity(gw: Harness) -> None:
    gw.clock.advance(timedelta(seconds=10))
    for i in range(20):
        token = Signer.generate(f"made-up-{i}").token("user-1", gw.clock.now())
        response = await gw.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    assert gw.fakes.jwks_calls == 2  # start-up, then one refresh for the whole burst


async def test_old_keys_are_refetched_in_the_background(gw: Harness) -> None:
    gw.clock.advance(timedelta(seconds=gw.settings.jwks_max_age_seconds + 1))
    response = await gw.client.get("/v1/me", headers=gw.auth())
    assert response.status_code == 200  # served with the cached key, not blocked on identity
    await gw.app.state.gateway.keys._background
    assert gw.fakes.jwks_calls == 2


async def test_tokens_work_once_identity_comes_up_after_the_gateway() -> None:
    fakes = FakeServices(published=[Signer.generate("key-1")], down={"identity"})
    async with running_gateway(fakes) as gw:
        ready = await gw.client.get("/health/ready")
        assert ready.status_code == 503
        fakes.down.clear()
        gw.clock.advance(timedelta(seconds=gw.settings.jwks_min_refresh_seconds))
        response = await gw.client.get("/v1/me", headers=gw.auth())
        assert response.status_code == 200
        assert (await gw.client.get("/health/ready")).status_code == 200
