"""Messaging through the gateway, with identity and matching, on the real broker and store:
connections write to each other, strangers ask first, blocks close, only participants read on
any route (BOLA), erasure blanks, and a message reaches an open stream. The facts messaging
builds on (accounts, connections, blocks, deletions) arrive through Kafka from their owners."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from jobfriends_shared.testing import Endpoints, wait_for

from tests.harness import Person, Stack, running_stack

SERVICES = ("identity", "matching", "messaging")


@pytest.fixture
async def stack(infra: Endpoints) -> AsyncIterator[Stack]:
    """Only what messaging builds on, so the module starts in seconds."""
    async with running_stack(infra, SERVICES) as running:
        yield running


async def known(stack: Stack, *people: Person) -> None:
    """Wait until messaging has heard of these accounts (from identity, through Kafka)."""
    projections = stack.apps["messaging"].state.services.conversations.projections

    async def heard() -> bool:
        await stack.settle()
        return len(await projections.existing([p.id for p in people])) == len(people)

    await wait_for(heard, timeout=30)


async def connect(stack: Stack, a: Person, b: Person) -> None:
    """A connection request accepted through matching, heard by messaging."""
    sent = await stack.call(
        "POST",
        "/v1/connections/requests",
        a,
        json={"to_user_id": b.id, "note": "We are both designers in Kreuzberg - coffee?"},
    )
    assert sent.status_code == 201, sent.text
    accepted = await stack.call("POST", f"/v1/connections/requests/{sent.json()['id']}/accept", b)
    assert accepted.status_code in (200, 204), accepted.text
    projections = stack.apps["messaging"].state.services.conversations.projections

    async def heard() -> bool:
        await stack.settle()
        return bool(await projections.connected(a.id, b.id))

    await wait_for(heard, timeout=30)


async def ok(stack: Stack, method: str, path: str, person: Person, **kwargs: Any) -> Any:
    response = await stack.call(method, path, person, **kwargs)
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json() if response.content else None


ROUTES = (
    ("GET", "/v1/conversations/{cid}", None),
    ("PATCH", "/v1/conversations/{cid}", {"name": "mine"}),
    ("POST", "/v1/conversations/{cid}/members", {"user_ids": ["x"]}),
    ("DELETE", "/v1/conversations/{cid}/members/me", None),
    ("GET", "/v1/conversations/{cid}/messages", None),
    ("POST", "/v1/conversations/{cid}/messages", {"text": "let me in"}),
    ("PATCH", "/v1/conversations/{cid}/messages/1", {"text": "mine now"}),
    ("DELETE", "/v1/conversations/{cid}/messages/1", None),
    ("POST", "/v1/conversations/{cid}/read", {}),
)


async def test_connections_write_and_only_participants_read_on_any_route(stack: Stack) -> None:
    ana, bo, eve = await stack.join("Ana"), await stack.join("Bo"), await stack.join("Eve")
    await known(stack, ana, bo, eve)
    await connect(stack, ana, bo)
    started = await stack.call("POST", "/v1/conversations", ana, json={"participant_ids": [bo.id]})
    assert started.status_code == 201, started.text
    cid = started.json()["id"]
    again = await stack.call("POST", "/v1/conversations", bo, json={"participant_ids": [ana.id]})
    assert (again.status_code, again.json()["id"]) == (200, cid)
    sent = await ok(stack, "POST", f"/v1/conversations/{cid}/messages", ana, json={"text": "Hi!"})
    assert sent["seq"] == 1
    listed = await ok(stack, "GET", "/v1/conversations", bo)
    assert [(c["id"], c["unread"], c["preview"]["text"]) for c in listed["items"]] == [
        (cid, 1, "Hi!")
    ]
    for method, path, body in ROUTES:
        response = await stack.call(method, path.format(cid=cid), eve, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "conversation_not_found"
    anonymous = await stack.call("GET", f"/v1/conversations/{cid}/messages")
    assert anonymous.status_code == 401
    stranger = await stack.call(
        "POST", "/v1/conversations", eve, json={"participant_ids": [ana.id]}
    )
    assert (stranger.status_code, stranger.json()["code"]) == (403, "not_connected")


async def test_a_stranger_asks_first_and_a_block_closes_everything(stack: Stack) -> None:
    ana, dia = await stack.join("Ana"), await stack.join("Dia")
    await known(stack, ana, dia)
    request = await ok(
        stack,
        "POST",
        "/v1/message-requests",
        dia,
        json={"to_user_id": ana.id, "reason": "We both mentor juniors", "text": "Coffee?"},
    )
    inbox = await ok(stack, "GET", "/v1/message-requests", ana)
    assert [r["id"] for r in inbox] == [request["id"]]
    conversation = await ok(stack, "POST", f"/v1/message-requests/{request['id']}/accept", ana)
    cid = conversation["id"]
    page = await ok(stack, "GET", f"/v1/conversations/{cid}/messages", ana)
    assert [m["text"] for m in page["items"]] == ["Coffee?"]
    await ok(stack, "POST", f"/v1/conversations/{cid}/messages", ana, json={"text": "Sure"})
    assert (await stack.call("POST", f"/v1/users/{dia.id}/block", ana)).status_code == 204

    async def closed() -> bool:
        await stack.settle()
        response = await stack.call(
            "POST", f"/v1/conversations/{cid}/messages", dia, json={"text": "Hello?"}
        )
        return response.status_code == 409 and response.json()["code"] == "conversation_closed"

    await wait_for(closed, timeout=30)
    shown = await ok(stack, "GET", f"/v1/conversations/{cid}", ana)
    assert shown["closed"] is True


async def test_erasure_blanks_what_the_person_wrote(stack: Stack) -> None:
    ana, bo = await stack.join("Ana"), await stack.join("Bo")
    await known(stack, ana, bo)
    await connect(stack, ana, bo)
    cid = (await ok(stack, "POST", "/v1/conversations", ana, json={"participant_ids": [bo.id]}))[
        "id"
    ]
    await ok(stack, "POST", f"/v1/conversations/{cid}/messages", ana, json={"text": "my secret"})
    await ok(stack, "POST", f"/v1/conversations/{cid}/messages", bo, json={"text": "noted"})
    export = await ok(stack, "GET", "/v1/me/messages", ana)
    assert [m["text"] for m in export["messages"]] == ["my secret"]
    assert (await stack.call("DELETE", "/v1/me", ana)).status_code in (200, 202, 204)

    async def blanked() -> list[object]:
        await stack.settle()
        page = await ok(stack, "GET", f"/v1/conversations/{cid}/messages", bo)
        texts = [m["text"] for m in page["items"]]
        return texts if texts == [None, "noted"] else []

    assert await wait_for(blanked, timeout=30)
    await stack.settle()
    bodies = [
        e.to_bytes().decode()
        for e in await stack.events_of("messaging.conversations", "message.sent")
    ]
    assert bodies and not any("my secret" in body for body in bodies)


async def test_a_message_reaches_an_open_stream(stack: Stack) -> None:
    ana, bo = await stack.join("Ana"), await stack.join("Bo")
    await known(stack, ana, bo)
    await connect(stack, ana, bo)
    cid = (await ok(stack, "POST", "/v1/conversations", ana, json={"participant_ids": [bo.id]}))[
        "id"
    ]
    frames: list[dict[str, object]] = []
    client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=30)
    async with client, client.stream("GET", "/v1/conversations/stream", headers=bo.auth) as stream:
        assert stream.status_code == 200

        async def read() -> None:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "message":
                    frames.append(json.loads(line.removeprefix("data: ")))
                    return

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.2)  # the stream's first frame is out: its listener is open
        await ok(stack, "POST", f"/v1/conversations/{cid}/messages", ana, json={"text": "Live?"})
        await asyncio.wait_for(reader, 15)
    assert [(f["conversation_id"], f["text"]) for f in frames] == [(cid, "Live?")]
