"""Accounts and sign-in against the real store and broker."""

import asyncio
from datetime import timedelta

import jwt
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import wait_for

from .conftest import PASSWORD, Identity


async def test_registration_is_announced_once_with_the_request_correlation_id(
    identity: Identity,
) -> None:
    user_id = await identity.register("ana@example.org")

    async def announced() -> list[Envelope]:
        return await identity.published("identity.users")

    events = await wait_for(announced)
    assert [(e.type, e.key, e.correlation_id) for e in events] == [
        ("user.registered", user_id, "test-corr")
    ]
    assert events[0].payload["email"] == "ana@example.org"


async def test_email_is_unique_regardless_of_case(identity: Identity) -> None:
    await identity.register("Ana@Example.org")
    again = await identity.call(
        "POST",
        "/v1/auth/register",
        json={"email": "ana@EXAMPLE.org", "password": PASSWORD, "display_name": "Other"},
    )
    assert again.status_code == 409
    assert again.json()["code"] == "email_taken"


async def test_concurrent_registrations_of_one_email_create_one_account(
    identity: Identity,
) -> None:
    body = {"email": "race@example.org", "password": PASSWORD, "display_name": "Race"}
    results = await asyncio.gather(
        *(identity.call("POST", "/v1/auth/register", json=body) for _ in range(8))
    )
    assert sorted(r.status_code for r in results) == [201] + [409] * 7
    assert await identity.db["users"].count_documents({"email": "race@example.org"}) == 1


async def test_sign_in_gives_a_short_lived_signed_token_for_the_account(identity: Identity) -> None:
    user_id = await identity.register("ana@example.org")
    tokens = (
        await identity.call(
            "POST", "/v1/auth/token", json={"email": "ANA@example.org", "password": PASSWORD}
        )
    ).json()
    jwks = (await identity.call("GET", "/.well-known/jwks.json")).json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(
        tokens["access_token"],
        key,
        algorithms=["EdDSA"],
        audience="jobfriends",
        issuer="jobfriends-identity",
    )
    assert claims["sub"] == user_id
    assert claims["exp"] - claims["iat"] == tokens["expires_in"] <= 900
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == key.key_id


async def test_wrong_password_is_refused_and_repeated_failures_are_throttled(
    identity: Identity,
) -> None:
    await identity.register("ana@example.org")
    wrong = {"email": "ana@example.org", "password": "Not-The-Password-1"}
    for _ in range(5):
        response = await identity.call("POST", "/v1/auth/token", json=wrong)
        assert response.status_code == 401
        assert response.json()["code"] == "bad_credentials"
    right = {"email": "ana@example.org", "password": PASSWORD}
    locked = await identity.call("POST", "/v1/auth/token", json=right)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    identity.clock.advance(timedelta(minutes=16))
    assert (await identity.call("POST", "/v1/auth/token", json=right)).status_code == 200


async def test_refresh_rotates_and_reusing_a_spent_token_revokes_the_family(
    identity: Identity,
) -> None:
    await identity.register("ana@example.org")
    first = (
        await identity.call(
            "POST", "/v1/auth/token", json={"email": "ana@example.org", "password": PASSWORD}
        )
    ).json()
    second = await identity.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    rotated = second.json()["refresh_token"]
    assert rotated != first["refresh_token"]

    replay = await identity.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    assert replay.json()["code"] == "refresh_token_reused"
    # the thief's replay also kills the legitimate client's newer token
    after = await identity.call("POST", "/v1/auth/refresh", json={"refresh_token": rotated})
    assert after.status_code == 401


async def test_sign_out_revokes_the_refresh_token(identity: Identity) -> None:
    await identity.register("ana@example.org")
    tokens = (
        await identity.call(
            "POST", "/v1/auth/token", json={"email": "ana@example.org", "password": PASSWORD}
        )
    ).json()
    out = await identity.call(
        "POST", "/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    again = await identity.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_requests_that_bypass_the_gateway_are_refused(identity: Identity) -> None:
    response = await identity.client.get("/v1/me", headers={"x-jf-user-id": "someone"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_gateway"
