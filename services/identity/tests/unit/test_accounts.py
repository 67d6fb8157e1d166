"""Accounts, sign-in, tokens and deletion, at the service layer on the in-memory store."""

from datetime import timedelta

import jwt
import pytest
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.identity import UserDeleted, UserRegistered
from jobfriends_shared.errors import Conflict, Invalid, NotFound, TooMany, Unauthorized
from jobfriends_shared.fakes import recorded
from jobfriends_shared.observability import correlation_id

from .conftest import PASSWORD, Identity


async def test_registering_creates_the_account_and_announces_it_with_the_requests_id(
    identity: Identity,
) -> None:
    token = correlation_id.set("req-1")
    try:
        user = await identity.service.register(" Ana@Example.ORG ", PASSWORD, "  Ana  ")
    finally:
        correlation_id.reset(token)
    assert (user["email"], user["display_name"]) == ("ana@example.org", "Ana")
    assert user["password_hash"] != PASSWORD
    events = await identity.events()
    assert [(e.type, e.key, e.correlation_id) for e in events] == [
        ("user.registered", user["_id"], "req-1")
    ]
    assert await recorded(identity.db, UserRegistered) == [
        UserRegistered(user_id=user["_id"], email="ana@example.org", display_name="Ana")
    ]


async def test_an_email_is_taken_whatever_its_case(identity: Identity) -> None:
    await identity.register("ana@example.org")
    with pytest.raises(Conflict) as taken:
        await identity.register("ANA@example.org", "Other")
    assert taken.value.code == "email_taken"
    assert len(await identity.events("user.registered")) == 1


async def test_a_weak_password_is_refused_and_claims_nothing(identity: Identity) -> None:
    with pytest.raises(Invalid) as weak:
        await identity.service.register("ana@example.org", "short", "Ana")
    assert weak.value.code == "weak_password"
    with pytest.raises(Invalid, match="too easy"):
        await identity.service.register("anastasia@example.org", "Anastasia-2026!", "Ana")
    assert await identity.register("ana@example.org")
    assert len(await identity.events()) == 1


async def test_an_email_claimed_by_a_registration_that_died_is_free_after_a_minute(
    identity: Identity,
) -> None:
    await identity.repo.claim_email("ana@example.org", "ghost", identity.clock.now())
    with pytest.raises(Conflict):
        await identity.register("ana@example.org")
    identity.clock.advance(timedelta(minutes=2))
    user_id = await identity.register("ana@example.org")
    assert (await identity.service.me(user_id))["email"] == "ana@example.org"


async def test_signing_in_gives_an_access_token_the_gateway_can_verify(identity: Identity) -> None:
    user_id = await identity.register("ana@example.org")
    tokens = await identity.service.sign_in("ANA@example.org", PASSWORD, "10.0.0.1")
    key = jwt.PyJWK(identity.service.jwks()["keys"][0])
    claims = jwt.decode(
        tokens.access_token, key, algorithms=["EdDSA"], options={"verify_aud": False}
    )
    assert claims["sub"] == tokens.user_id == user_id
    for email, password in (("ana@example.org", "Wrong-Password-1"), ("bo@example.org", PASSWORD)):
        with pytest.raises(Unauthorized) as refused:
            await identity.service.sign_in(email, password, None)
        assert refused.value.code == "bad_credentials"


async def test_repeated_wrong_passwords_lock_sign_in_until_the_window_passes(
    identity: Identity,
) -> None:
    await identity.register("ana@example.org")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            await identity.service.sign_in("ana@example.org", "Wrong-Password-1", None)
    with pytest.raises(TooMany) as locked:
        await identity.service.sign_in("ana@example.org", PASSWORD, None)
    assert locked.value.code == "sign_in_locked"
    assert 0 < locked.value.retry_after <= 15 * 60 + 1
    identity.clock.advance(timedelta(minutes=16))
    await identity.service.forget_old_failures()
    assert await identity.repo.failures.count_documents({}) == 0
    assert (await identity.service.sign_in("ana@example.org", PASSWORD, None)).access_token


async def test_a_refresh_token_works_once_and_its_reuse_revokes_the_family(
    identity: Identity,
) -> None:
    await identity.register("ana@example.org")
    first = await identity.service.sign_in("ana@example.org", PASSWORD, None)
    second = await identity.service.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(Unauthorized) as reused:
        await identity.service.refresh(first.refresh_token)
    assert reused.value.code == "refresh_token_reused"
    with pytest.raises(Unauthorized, match="revoked"):
        await identity.service.refresh(second.refresh_token)


async def test_refresh_tokens_expire_and_signing_out_revokes_them(identity: Identity) -> None:
    await identity.register("ana@example.org")
    old = await identity.service.sign_in("ana@example.org", PASSWORD, None)
    identity.clock.advance(timedelta(days=31))
    with pytest.raises(Unauthorized, match="not valid"):
        await identity.service.refresh(old.refresh_token)
    fresh = await identity.service.sign_in("ana@example.org", PASSWORD, None)
    await identity.service.sign_out(fresh.refresh_token)
    with pytest.raises(Unauthorized, match="revoked"):
        await identity.service.refresh(fresh.refresh_token)


async def test_a_deleted_account_is_gone_everywhere_and_its_email_is_free(
    identity: Identity,
) -> None:
    ana = await identity.register("ana@example.org")
    bo = await identity.register("bo@example.org", "Bo")
    await identity.service.update_profile(ana, {"skills": ["figma"]})
    await identity.service.endorse(bo, ana, "figma")
    await identity.service.set_block(ana, bo, True)
    tokens = await identity.service.sign_in("ana@example.org", PASSWORD, None)

    await identity.service.delete_account(ana)

    assert await recorded(identity.db, UserDeleted) == [UserDeleted(user_id=ana)]
    with pytest.raises(NotFound):
        await identity.service.me(ana)
    with pytest.raises(Unauthorized):
        await identity.service.sign_in("ana@example.org", PASSWORD, None)
    with pytest.raises(Unauthorized):
        await identity.service.refresh(tokens.refresh_token)
    assert await identity.repo.endorsements.count_documents({}) == 0
    assert await identity.repo.blocks.count_documents({}) == 0
    assert await identity.register("ana@example.org", "Ana again") != ana


async def test_hearing_its_own_deletion_erases_again_harmlessly(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    await identity.service.delete_account(ana)
    (deleted,) = await identity.events("user.deleted")
    assert await identity.bus.deliver(deleted) is Outcome.applied
    assert await identity.bus.deliver(deleted) is Outcome.duplicate
    with pytest.raises(NotFound):
        await identity.service.me(ana)
