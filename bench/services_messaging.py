"""Messaging: how long from a message accepted by the gateway to its arrival on the recipient's
open stream, against the raw Kafka produce-to-consume hop measured in the same run (target
p99 <= 5x). Two messaging instances run, so both paths are measured: a stream on the instance
that stored the message (handed over in memory) and a stream on the other instance (woken by
its broadcast subscription, after the outbox relay and a Kafka hop)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from jobfriends_shared.kafka import ensure_topics
from jobfriends_shared.testing import Endpoints

from bench.platform import Platform
from bench.report import Figure
from bench.services_notifications import _join, _raw_hop

SERVICES = ("identity", "matching", "messaging")


def _platform(endpoints: Endpoints) -> Platform:
    """identity, matching and two messaging instances as processes, the gateway in front of
    the first messaging instance."""
    return Platform(endpoints, SERVICES, instances={"messaging-2": "messaging"})


async def _connected(
    client: httpx.AsyncClient, a: dict[str, str], b_id: str, b: dict[str, str]
) -> str:
    note = {"to_user_id": b_id, "note": "We are both designers in Kreuzberg - coffee?"}
    sent = (await client.post("/v1/connections/requests", headers=a, json=note)).json()
    await client.post(f"/v1/connections/requests/{sent['id']}/accept", headers=b)
    for _ in range(300):  # until messaging has heard of the connection from matching
        started = await client.post(
            "/v1/conversations", headers=b, json={"participant_ids": [sent["from_user_id"]]}
        )
        if started.status_code in (200, 201):
            return str(started.json()["id"])
        await asyncio.sleep(0.1)
    raise TimeoutError("messaging never heard of the connection")


async def _measure(
    client: httpx.AsyncClient,
    stream_client: httpx.AsyncClient,
    stream_headers: dict[str, str],
    sender: dict[str, str],
    conversation_id: str,
    messages: int,
    rate: float,
) -> tuple[list[float], int]:
    accepted: dict[str, float] = {}
    arrived: dict[str, float] = {}
    async with stream_client.stream(
        "GET", "/v1/conversations/stream", headers=stream_headers, timeout=None
    ) as stream:

        async def listen() -> None:
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    data = json.loads(line[5:])
                    if "seq" in data and "text" in data:
                        arrived.setdefault(str(data["text"]), time.perf_counter())
                if len(arrived) >= messages:
                    return

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0.5)  # the listener is open before the first message
        path = f"/v1/conversations/{conversation_id}/messages"
        for n in range(messages):
            text = f"bench {time.time_ns()} {n}"
            started = time.perf_counter()
            response = await client.post(path, headers=sender, json={"text": text})
            if response.status_code == 201:
                accepted[text] = started
            await asyncio.sleep(1 / rate)
        try:
            await asyncio.wait_for(listener, 30)
        except TimeoutError:
            listener.cancel()
    return sorted(arrived[t] - s for t, s in accepted.items() if t in arrived), len(accepted)


def _pct(xs: list[float], q: float) -> float:
    return xs[min(len(xs) - 1, int(len(xs) * q / 100))] * 1000 if xs else float("nan")


async def send_to_stream(
    endpoints: Endpoints, messages: int = 60, rate: float = 4.0
) -> list[Figure]:
    await ensure_topics(endpoints.kafka, "bench-hop.", 1)
    raw = sorted(await _raw_hop(endpoints.kafka, "bench-hop.identity.users", messages, rate))
    raw_p99 = _pct(raw, 99)
    figures: list[Figure] = []
    async with (
        _platform(endpoints) as platform,
        httpx.AsyncClient(base_url=platform.processes["gateway"].url, timeout=30) as client,
        httpx.AsyncClient(base_url=platform.processes["messaging-2"].url, timeout=30) as other,
    ):
        ana_id, ana = await _join(client, "ana@example.org")
        bo_id, bo = await _join(client, "bo@example.org")
        await asyncio.sleep(2)  # matching learns about both from identity's events
        conversation_id = await _connected(client, ana, bo_id, bo)
        # Straight to the second instance, as the gateway would forward it there.
        direct = {"x-jf-gateway-secret": platform.secret, "x-jf-user-id": bo_id}
        for path, stream_client, headers in (
            ("same instance", client, bo),
            ("other instance", other, direct),
        ):
            latencies, sent = await _measure(
                client, stream_client, headers, ana, conversation_id, messages, rate
            )
            figures.append(
                Figure(
                    f"message to stream p99 ({path})",
                    _pct(latencies, 99),
                    "ms",
                    raw_p99,
                    "raw Kafka hop p99",
                    target=5.0,
                    higher_is_better=False,
                    notes={
                        "p50 ms (stream / raw)": f"{_pct(latencies, 50):.1f} / {_pct(raw, 50):.1f}",
                        "delivered": f"{len(latencies)}/{sent}",
                        "rate": f"{rate}/s",
                    },
                )
            )
    del ana_id
    return figures
