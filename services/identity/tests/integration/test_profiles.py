"""Profiles, endorsements, blocks, milestones and erasure against the real store and broker."""

from typing import Any

from jobfriends_shared.contracts.matching import ConnectionAccepted, pair_id
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import wait_for

from .conftest import Identity

PROFILE = {
    "headline": "UX designer who loves research",
    "profession": "ux-designer",
    "seniority": "senior",
    "skills": ["Figma", "User Research"],
    "city": "Berlin",
    "neighbourhood": "Kreuzberg",
    "location": {"lat": 52.4986, "lon": 13.4030},
    "open_to": ["collaborating", "new_friends"],
    "visibility": {"location": "connections"},
}


async def events_of(identity: Identity) -> list[Envelope]:
    return await identity.published("identity.users")


async def test_profile_update_is_saved_normalised_and_announced_with_changed_fields(
    identity: Identity,
) -> None:
    ana = await identity.register("ana@example.org")
    response = await identity.call("PATCH", "/v1/me", ana, json=PROFILE)
    assert response.status_code == 200, response.text
    assert response.json()["skills"] == ["figma", "user-research"]

    async def updated() -> list[Envelope]:
        return [e for e in await events_of(identity) if e.type == "profile.updated"]

    (event,) = await wait_for(updated)
    assert set(event.payload["changed"]) >= {"profession", "skills", "location"}
    assert event.payload["profile"]["neighbourhood"] == "Kreuzberg"


async def test_fields_a_client_must_not_set_are_refused(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    for field, value in (
        ("id", "x"),
        ("email_verified", True),
        ("roles", ["admin"]),
        ("email", "b@example.org"),
        ("endorsement_count", 99),
    ):
        response = await identity.call("PATCH", "/v1/me", ana, json={field: value})
        assert response.status_code == 422, field
        assert response.json()["code"] == "invalid_request"
    me = (await identity.call("GET", "/v1/me", ana)).json()
    assert me["id"] == ana
    assert me["email"] == "ana@example.org"


async def test_operator_objects_where_strings_belong_are_refused(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    for body in ({"headline": {"$gt": ""}}, {"skills": [{"$ne": None}]}):
        response = await identity.call("PATCH", "/v1/me", ana, json=body)
        assert response.status_code == 422
    sign_in = await identity.call(
        "POST", "/v1/auth/token", json={"email": {"$gt": ""}, "password": {"$gt": ""}}
    )
    assert sign_in.status_code == 422


async def test_bad_text_is_a_clear_client_error(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    cases: list[dict[str, Any]] = [
        {"headline": "nul\x00byte"},
        {"bio": "x" * 20_000},
        {"display_name": "   "},
        {"location": {"lat": 91, "lon": 0}},
        {"time_zone": "Nowhere/Special"},
        {"portfolio_links": ["javascript:alert(1)"]},
    ]
    for body in cases:
        response = await identity.call("PATCH", "/v1/me", ana, json=body)
        assert 400 <= response.status_code < 500, body
        assert response.json()["message"]
    emoji = await identity.call("PATCH", "/v1/me", ana, json={"headline": "Designer 🎨 ŝ 日本"})
    assert emoji.json()["headline"] == "Designer 🎨 ŝ 日本"


async def test_connections_only_fields_show_to_connections_but_not_strangers(
    identity: Identity,
) -> None:
    ana = await identity.register("ana@example.org")
    ben = await identity.register("ben@example.org", "Ben")
    await identity.call("PATCH", "/v1/me", ana, json=PROFILE)
    stranger_view = (await identity.call("GET", f"/v1/users/{ana}", ben)).json()
    assert "neighbourhood" not in stranger_view
    assert stranger_view["relation"] == "other"
    assert stranger_view["skills"] == ["figma", "user-research"]

    await identity.deliver(
        ConnectionAccepted(
            pair_id=pair_id(ana, ben), from_user_id=ben, to_user_id=ana, request_id="r1"
        )
    )
    friend_view = (await identity.call("GET", f"/v1/users/{ana}", ben)).json()
    assert friend_view["relation"] == "connection"
    assert friend_view["neighbourhood"] == "Kreuzberg"


async def test_endorsements_count_once_per_person_and_skill_and_never_for_oneself(
    identity: Identity,
) -> None:
    ana = await identity.register("ana@example.org")
    ben = await identity.register("ben@example.org", "Ben")
    cem = await identity.register("cem@example.org", "Cem")
    await identity.call("PATCH", "/v1/me", ana, json=PROFILE)
    path = f"/v1/users/{ana}/endorsements"
    assert (await identity.call("POST", path, ben, json={"skill": "Figma"})).status_code == 201
    assert (await identity.call("POST", path, cem, json={"skill": "figma"})).status_code == 201
    twice = await identity.call("POST", path, ben, json={"skill": "figma"})
    assert twice.status_code == 409
    own = await identity.call("POST", path, ana, json={"skill": "figma"})
    assert own.status_code == 403
    unlisted = await identity.call("POST", path, ben, json={"skill": "cobol"})
    assert unlisted.status_code == 422
    counts = (await identity.call("GET", path, cem)).json()["counts"]
    assert counts == {"figma": 2}
    endorsers = (await identity.call("GET", f"{path}/figma", cem)).json()
    assert sorted(endorsers["items"]) == sorted([ben, cem])


async def test_blocked_people_vanish_for_each_other_and_the_block_is_announced(
    identity: Identity,
) -> None:
    ana = await identity.register("ana@example.org")
    ben = await identity.register("ben@example.org", "Ben")
    assert (await identity.call("POST", f"/v1/users/{ben}/block", ana)).status_code == 204
    assert (await identity.call("POST", f"/v1/users/{ben}/block", ana)).status_code == 204
    assert (await identity.call("GET", f"/v1/users/{ana}", ben)).status_code == 404
    assert (await identity.call("GET", f"/v1/users/{ben}", ana)).status_code == 404
    assert (await identity.call("DELETE", f"/v1/users/{ben}/block", ana)).status_code == 204
    assert (await identity.call("GET", f"/v1/users/{ana}", ben)).status_code == 200

    async def block_events() -> list[str]:
        return [e.type for e in await events_of(identity) if "block" in e.type]

    assert await wait_for(lambda: _has(block_events, 2))
    assert await block_events() == ["user.blocked", "user.unblocked"]


async def _has(source: Any, n: int) -> bool:
    return len(await source()) >= n


async def test_milestone_is_recorded_and_announced(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    body = {
        "kind": "promotion",
        "title": "Lead designer",
        "organisation": "Acme",
        "on": "2026-11-01",
    }
    response = await identity.call("POST", "/v1/me/milestones", ana, json=body)
    assert response.status_code == 201
    listed = (await identity.call("GET", f"/v1/users/{ana}/milestones", ana)).json()
    assert [m["title"] for m in listed] == ["Lead designer"]

    async def milestones() -> list[Envelope]:
        return [e for e in await events_of(identity) if e.type == "milestone.recorded"]

    (event,) = await wait_for(milestones)
    assert event.payload["kind"] == "promotion"
    assert event.payload["announce"] is True


async def test_deleting_an_account_erases_it_and_tells_everyone(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    ben = await identity.register("ben@example.org", "Ben")
    await identity.call("PATCH", "/v1/me", ana, json=PROFILE)
    await identity.call("POST", f"/v1/users/{ana}/endorsements", ben, json={"skill": "figma"})
    assert (await identity.call("DELETE", "/v1/me", ana)).status_code == 204

    assert (await identity.call("GET", f"/v1/users/{ana}", ben)).status_code == 404
    stub = await identity.db["users"].find_one({"_id": ana})
    assert stub is not None
    assert set(stub) <= {"_id", "deleted", "deleted_at", "_units"}
    assert await identity.db["endorsements"].count_documents({}) == 0
    # the address is free again
    assert await identity.register("ana@example.org", "Ana again") != ana

    async def deleted() -> list[Envelope]:
        return [e for e in await events_of(identity) if e.type == "user.deleted"]

    (event,) = await wait_for(deleted)
    assert event.payload == {"user_id": ana}
