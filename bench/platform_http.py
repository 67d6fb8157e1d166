"""What a request costs: the gateway's overhead on an authenticated GET, and sign-in's Argon2."""

from __future__ import annotations

import asyncio
import time

import httpx
from identity.security import Passwords
from identity.settings import IdentitySettings
from jobfriends_shared.settings import InfraSettings
from jobfriends_shared.testing import Endpoints, test_secret, unique_name

from bench.load import Process, free_port, hammer, interleaved
from bench.platform import infra_env
from bench.report import Figure

PASSWORD = "Kreuzberg-Design-2026"  # noqa: S105 (a benchmark account)


def _infra_env(endpoints: Endpoints, name: str, secret: str) -> dict[str, str]:
    """The platform's shared settings (`bench.platform.infra_env`), identity and the gateway
    logging warnings only."""
    return {
        **infra_env(endpoints, name, secret),
        "IDENTITY_LOG_LEVEL": "WARNING",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }


async def gateway_overhead(endpoints: Endpoints, seconds: float = 8.0) -> list[Figure]:
    name, secret = unique_name("b"), test_secret()
    env = _infra_env(endpoints, name, secret)
    id_port, gw_port = free_port(), free_port()
    identity = Process(
        "identity", {**env, "IDENTITY_PORT": str(id_port), "IDENTITY_DATABASE": name}, id_port
    )
    gateway = Process(
        "gateway",
        {
            **env,
            "GATEWAY_PORT": str(gw_port),
            "GATEWAY_IDENTITY_URL": identity.url,
            **{
                f"GATEWAY_{k}": "1000000"
                for k in ("USER_RATE", "USER_BURST", "IP_RATE", "IP_BURST")
            },
        },
        gw_port,
    )
    try:
        await identity.ready()
        await gateway.ready()
        async with httpx.AsyncClient(base_url=gateway.url) as client:
            body = {"email": "bench@example.org", "password": PASSWORD, "display_name": "Bench"}
            user_id = (await client.post("/v1/auth/register", json=body)).json()["id"]
            sign_in = {"email": body["email"], "password": PASSWORD}
            tokens = (await client.post("/v1/auth/token", json=sign_in)).json()
        direct_headers = {"x-jf-gateway-secret": secret, "x-jf-user-id": user_id}
        via_headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        targets = {
            "direct": (f"{identity.url}/v1/me", direct_headers),
            "via": (f"{gateway.url}/v1/me", via_headers),
        }
        await interleaved(targets, 2, rounds=1, connections=16)  # warm up
        cpu = (gateway.cpu_seconds(), identity.cpu_seconds())
        runs = await interleaved(targets, seconds, rounds=4, connections=16)
        cpu = (gateway.cpu_seconds() - cpu[0], identity.cpu_seconds() - cpu[1])
        direct, via = runs["direct"], runs["via"]
        trivial = await hammer(f"{gateway.url}/health/live", {}, seconds=seconds / 2)
    finally:
        gateway.stop()
        identity.stop()
    notes = {
        "through gateway p50/p99 ms": f"{via.percentile(50):.1f} / {via.percentile(99):.1f}",
        "direct p50/p99 ms": f"{direct.percentile(50):.1f} / {direct.percentile(99):.1f}",
        "errors": via.errors + direct.errors,
        "connections": 16,
        "gateway CPU ms per forwarded request": f"{cpu[0] / via.requests * 1000:.2f}",
        "identity CPU ms per request": f"{cpu[1] / (via.requests + direct.requests) * 1000:.2f}",
    }
    return [
        Figure(
            "GET /v1/me through gateway",
            via.rate,
            "req/s",
            direct.rate,
            "same request straight to identity",
            target=0.6,
            notes=notes,
        ),
        Figure(
            "GET /v1/me through gateway",
            via.rate,
            "req/s",
            trivial.rate,
            "gateway trivial route /health/live",
            notes={},
        ),
    ]


async def argon2_sign_in_rate(_endpoints: Endpoints, rounds: int = 40) -> list[Figure]:
    settings = IdentitySettings(infra=InfraSettings(JF_GATEWAY_SECRET=test_secret()))
    passwords = Passwords(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )
    stored = await passwords.hash(PASSWORD)
    started = time.perf_counter()
    for _round in range(rounds):
        assert await passwords.verify(stored, PASSWORD)
    per_core = rounds / (time.perf_counter() - started)  # verify runs on one thread at a time
    started = time.perf_counter()
    both = await asyncio.gather(*(passwords.verify(stored, PASSWORD) for _ in range(rounds)))
    all_cores = rounds / (time.perf_counter() - started)
    assert all(both)
    params = (
        f"Argon2id t={settings.argon2_time_cost}, m={settings.argon2_memory_kib} KiB, "
        f"p={settings.argon2_parallelism}"
    )
    return [
        Figure(
            "sign-in password checks, one core", per_core, "verifies/s", notes={"params": params}
        ),
        Figure(
            "sign-in password checks, all cores",
            all_cores,
            "verifies/s",
            per_core,
            "one core",
            notes={},
        ),
    ]
