"""Connection requests and connections against the real store and broker."""

from __future__ import annotations

import asyncio
from typing import Any

from jobfriends_shared.contracts.identity import UserBlocked

from .conftest import KREUZBERG, NOTE, AppFactory, Matching, days

UX = {"profession": "ux-designer", "city": "Berlin", "location": KREUZBERG}


async def people(matching: Matching, *names: str) -> list[str]:
    return [await matching.person(n, n.title(), **UX) for n in names]


async def listed(matching: Matching, user: str, direction: str) -> list[dict[str, Any]]:
    response = await matching.call(
        "GET", "/v1/connections/requests", user, params={"direction": direction}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def connections_of(matching: Matching, user: str) -> list[str]:
    response = await matching.call("GET", "/v1/connections", user)
    assert response.status_code == 200, response.text
    return [str(c["user_id"]) for c in response.json()["items"]]


async def test_a_request_reaches_the_recipient_and_accepting_connects_both(
    matching: Matching,
) -> None:
    ana, ben = await people(matching, "ana", "ben")
    sent = await matching.request(ana, ben)
    assert sent.status_code == 201, sent.text
    request = sent.json()
    assert request["state"] == "pending"
    assert request["note"] == NOTE
    (incoming,) = await listed(matching, ben, "incoming")
    assert incoming["id"] == request["id"]
    assert incoming["other"] == {
        "user_id": ana,
        "display_name": "Ana",
        "profession": "ux-designer",
        "profession_label": "UX designer",
        "city": "Berlin",
    }
    assert [r["id"] for r in await listed(matching, ana, "outgoing")] == [request["id"]]

    accepted = await matching.call("POST", f"/v1/connections/requests/{request['id']}/accept", ben)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    assert await connections_of(matching, ana) == [ben]
    assert await connections_of(matching, ben) == [ana]
    assert await listed(matching, ben, "incoming") == []
    assert await listed(matching, ana, "outgoing") == []

    events = await matching.published("matching.connections")
    assert [e.type for e in events] == ["connection.requested", "connection.accepted"]
    assert events[0].payload["note"] == NOTE
    assert events[1].payload["from_user_id"] == ana
    assert events[1].correlation_id == "test-corr"


async def test_a_decline_is_never_shown_to_the_sender(matching: Matching) -> None:
    ana, ben = await people(matching, "ana", "ben")
    rid = (await matching.request(ana, ben)).json()["id"]
    declined = await matching.call("POST", f"/v1/connections/requests/{rid}/decline", ben)
    assert declined.status_code == 200
    assert declined.json()["state"] == "declined"
    assert await listed(matching, ben, "incoming") == []
    (outgoing,) = await listed(matching, ana, "outgoing")
    assert outgoing["state"] == "pending"
    # Asking again looks exactly like asking while the first request is unanswered.
    again = await matching.request(ana, ben)
    assert again.status_code == 409
    assert again.json()["code"] == "request_pending"
    # Withdrawing works as for any pending request, and emits nothing new.
    withdrawn = await matching.call("POST", f"/v1/connections/requests/{rid}/withdraw", ana)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == "withdrawn"
    assert await listed(matching, ana, "outgoing") == []
    types = [e.type for e in await matching.published("matching.connections")]
    assert types == ["connection.requested", "connection.declined"]


async def test_withdrawing_a_pending_request_removes_it_for_both(matching: Matching) -> None:
    ana, ben = await people(matching, "ana", "ben")
    rid = (await matching.request(ana, ben)).json()["id"]
    response = await matching.call("POST", f"/v1/connections/requests/{rid}/withdraw", ana)
    assert response.json()["state"] == "withdrawn"
    assert await listed(matching, ben, "incoming") == []
    assert (await matching.request(ana, ben)).status_code == 201  # the pair is free again
    types = [e.type for e in await matching.published("matching.connections")]
    assert types == ["connection.requested", "connection.withdrawn", "connection.requested"]


async def test_bad_requests_are_clear_client_errors(matching: Matching) -> None:
    ana, ben, cleo = await people(matching, "ana", "ben", "cleo")
    cases = [
        (ana, ana, NOTE, 422, "self_request"),
        (ana, ben, "", 422, "note_too_short"),
        (ana, ben, "   hi   ", 422, "note_too_short"),
        (ana, ben, "x" * 301, 422, "note_too_long"),
        (ana, ben, "x" * 3000, 422, "invalid_request"),
        (ana, "nobody", NOTE, 404, "user_not_found"),
    ]
    for sender, to, note, status, code in cases:
        response = await matching.request(sender, to, note)
        assert (response.status_code, response.json()["code"]) == (status, code), (to, note)
    extra = await matching.call(
        "POST", "/v1/connections/requests", ana, json={"to_user_id": ben, "note": NOTE, "x": 1}
    )
    assert extra.status_code == 422
    unsigned = await matching.client.post("/v1/connections/requests", json={})
    assert unsigned.status_code == 401

    assert (await matching.request(ana, ben)).status_code == 201
    duplicate = await matching.request(ana, ben)
    assert (duplicate.status_code, duplicate.json()["code"]) == (409, "request_pending")
    reverse = await matching.request(ben, ana)
    assert (reverse.status_code, reverse.json()["code"]) == (409, "they_asked_you")

    await matching.connect(ana, cleo)
    again = await matching.request(cleo, ana)
    assert (again.status_code, again.json()["code"]) == (409, "already_connected")


async def test_only_the_recipient_answers_and_only_the_sender_withdraws(matching: Matching) -> None:
    ana, ben, cleo = await people(matching, "ana", "ben", "cleo")
    rid = (await matching.request(ana, ben)).json()["id"]
    for caller, action in ((cleo, "accept"), (ana, "accept"), (ana, "decline"), (ben, "withdraw")):
        response = await matching.call("POST", f"/v1/connections/requests/{rid}/{action}", caller)
        assert response.status_code == 403, (caller, action)
        assert response.json()["code"] == "not_your_request"
    missing = await matching.call("POST", "/v1/connections/requests/nope/accept", ben)
    assert missing.status_code == 404
    unknown = await matching.call("POST", f"/v1/connections/requests/{rid}/ignore", ben)
    assert unknown.status_code == 422
    assert (
        await matching.call("POST", f"/v1/connections/requests/{rid}/accept", ben)
    ).status_code == 200
    twice = await matching.call("POST", f"/v1/connections/requests/{rid}/decline", ben)
    assert (twice.status_code, twice.json()["code"]) == (409, "request_closed")


async def test_blocked_people_cannot_ask_each_other(matching: Matching) -> None:
    ana, ben = await people(matching, "ana", "ben")
    await matching.feed(UserBlocked(blocker_id=ana, blocked_id=ben))
    mine = await matching.request(ana, ben)
    assert (mine.status_code, mine.json()["code"]) == (403, "blocked")
    theirs = await matching.request(ben, ana)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "user_not_found")


async def test_a_block_ends_the_connection_and_open_requests(matching: Matching) -> None:
    ana, ben, cleo = await people(matching, "ana", "ben", "cleo")
    await matching.connect(ana, ben)
    rid = (await matching.request(cleo, ana)).json()["id"]
    await matching.feed(UserBlocked(blocker_id=ana, blocked_id=ben))
    await matching.feed(UserBlocked(blocker_id=ana, blocked_id=cleo))
    assert await connections_of(matching, ana) == []
    assert await listed(matching, ana, "incoming") == []
    request = await matching.call("POST", f"/v1/connections/requests/{rid}/accept", ana)
    assert request.status_code == 409
    published = await matching.published("matching.connections")
    assert [e.type for e in published].count("connection.removed") == 1
    # Cleo's request ends declined (never shown to Cleo). Pairs sit on different partitions,
    # so only the order within Cleo's pair is fixed.
    cleos = [e for e in published if e.payload.get("request_id") == rid]
    assert cleos[-1].type == "connection.declined"


async def test_the_daily_cap_answers_429_with_retry_after(make_matching: AppFactory) -> None:
    async with make_matching(daily_request_cap=2) as matching:
        ana, *others = await people(matching, "ana", "ben", "cleo", "dan")
        assert (await matching.request(ana, others[0])).status_code == 201
        assert (await matching.request(ana, others[1])).status_code == 201
        refused = await matching.request(ana, others[2])
        assert refused.status_code == 429
        assert refused.json()["code"] == "daily_request_limit"
        assert "2 connection requests a day" in refused.json()["message"]
        assert int(refused.headers["retry-after"]) == 15 * 3600  # until midnight UTC
        matching.clock.advance(days(1))
        assert (await matching.request(ana, others[2])).status_code == 201


async def test_the_pending_cap_answers_429_until_a_request_is_answered(
    make_matching: AppFactory,
) -> None:
    async with make_matching(pending_request_cap=2, request_ttl_days=10) as matching:
        ana, ben, cleo, dan = await people(matching, "ana", "ben", "cleo", "dan")
        first = (await matching.request(ana, ben)).json()["id"]
        assert (await matching.request(ana, cleo)).status_code == 201
        refused = await matching.request(ana, dan)
        assert (refused.status_code, refused.json()["code"]) == (429, "too_many_pending_requests")
        assert int(refused.headers["retry-after"]) == 10 * 24 * 3600
        await matching.call("POST", f"/v1/connections/requests/{first}/accept", ben)
        assert (await matching.request(ana, dan)).status_code == 201


async def test_concurrent_duplicates_leave_exactly_one_request(matching: Matching) -> None:
    ana, ben = await people(matching, "ana", "ben")
    results = await asyncio.gather(
        *(matching.request(ana, ben) for _ in range(4)),
        *(matching.request(ben, ana) for _ in range(4)),
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201, 409, 409, 409, 409, 409, 409, 409]
    created = [e for e in await matching.published("matching.connections")]
    assert [e.type for e in created] == ["connection.requested"]


async def test_concurrent_requests_never_exceed_the_daily_cap(make_matching: AppFactory) -> None:
    async with make_matching(daily_request_cap=3) as matching:
        ana, *others = await people(matching, "ana", "b1", "b2", "b3", "b4", "b5", "b6")
        results = await asyncio.gather(*(matching.request(ana, o) for o in others))
        assert sorted(r.status_code for r in results) == [201, 201, 201, 429, 429, 429]


async def test_accept_racing_withdraw_has_exactly_one_outcome(matching: Matching) -> None:
    ana, ben = await people(matching, "ana", "ben")
    rid = (await matching.request(ana, ben)).json()["id"]
    accept, withdraw = await asyncio.gather(
        matching.call("POST", f"/v1/connections/requests/{rid}/accept", ben),
        matching.call("POST", f"/v1/connections/requests/{rid}/withdraw", ana),
    )
    assert sorted([accept.status_code, withdraw.status_code]) == [200, 409]
    outcomes = [e.type for e in await matching.published("matching.connections")][1:]
    assert len(outcomes) == 1
    connected = await connections_of(matching, ana) == [ben]
    assert connected == (outcomes == ["connection.accepted"])


async def test_removing_a_connection_is_announced_once(matching: Matching) -> None:
    ana, ben = await people(matching, "ana", "ben")
    await matching.connect(ana, ben)
    first, second = await asyncio.gather(
        matching.call("DELETE", f"/v1/connections/{ben}", ana),
        matching.call("DELETE", f"/v1/connections/{ana}", ben),
    )
    assert {first.status_code, second.status_code} <= {204, 404}
    assert 204 in (first.status_code, second.status_code)
    assert await connections_of(matching, ana) == []
    assert await connections_of(matching, ben) == []
    types = [e.type for e in await matching.published("matching.connections")]
    assert types.count("connection.removed") == 1
    gone = await matching.call("DELETE", f"/v1/connections/{ben}", ana)
    assert (gone.status_code, gone.json()["code"]) == (404, "not_connected")
    assert (await matching.request(ana, ben)).status_code == 201  # they may reconnect


async def test_cadence_per_friend(matching: Matching) -> None:
    ana, ben, cleo = await people(matching, "ana", "ben", "cleo")
    await matching.connect(ana, ben)
    (conn,) = (await matching.call("GET", "/v1/connections", ana)).json()["items"]
    assert conn["cadence"] == "monthly"
    assert conn["last_interaction_at"] is None
    for value in ("weekly", "quarterly", "none", "monthly"):
        response = await matching.call(
            "PUT", f"/v1/connections/{ben}/cadence", ana, json={"cadence": value}
        )
        assert response.json() == {"user_id": ben, "cadence": value}
    await matching.call("PUT", f"/v1/connections/{ben}/cadence", ana, json={"cadence": "none"})
    (conn,) = (await matching.call("GET", "/v1/connections", ana)).json()["items"]
    assert conn["cadence"] == "none"
    bad = await matching.call(
        "PUT", f"/v1/connections/{ben}/cadence", ana, json={"cadence": "daily"}
    )
    assert bad.status_code == 422
    stranger = await matching.call(
        "PUT", f"/v1/connections/{cleo}/cadence", ana, json={"cadence": "weekly"}
    )
    assert (stranger.status_code, stranger.json()["code"]) == (404, "not_connected")


async def test_a_suggested_note_is_drafted_from_shared_context(matching: Matching) -> None:
    ana, ben = await people(matching, "ana", "ben")
    response = await matching.call(
        "GET", "/v1/connections/requests/draft", ana, params={"to_user_id": ben}
    )
    assert response.status_code == 200, response.text
    note = response.json()["note"]
    assert note.startswith("Hi Ben, we are both UX designers")
    assert (await matching.request(ana, ben, note)).status_code == 201
    missing = await matching.call(
        "GET", "/v1/connections/requests/draft", ana, params={"to_user_id": "nobody"}
    )
    assert missing.status_code == 404


async def test_unanswered_requests_expire_and_free_the_pair(make_matching: AppFactory) -> None:
    async with make_matching(request_ttl_days=14) as matching:
        ana, ben, cleo = await people(matching, "ana", "ben", "cleo")
        await matching.request(ana, ben)
        declined = (await matching.request(ana, cleo)).json()["id"]
        await matching.call("POST", f"/v1/connections/requests/{declined}/decline", cleo)
        matching.clock.advance(days(15))
        assert await matching.run_job("request-expiry") == 2
        assert await listed(matching, ana, "outgoing") == []
        assert await listed(matching, ben, "incoming") == []
        assert (await matching.request(ana, ben)).status_code == 201
        assert await matching.run_job("request-expiry") == 0
        types = [e.type for e in await matching.published("matching.connections")]
        assert types.count("connection.expired") == 1  # the declined one closes quietly
