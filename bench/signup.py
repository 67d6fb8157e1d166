"""The sign-up path end to end: people register through the gateway, and each is counted once
matching and notifications both hold them (their projections, fed by identity's event). Its
limit is what this machine can do of the one costly step alone: hash passwords (Argon2id with
identity's own settings, as many at a time as there are cores)."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
from identity.security import Passwords
from identity.settings import IdentitySettings
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.settings import InfraSettings
from jobfriends_shared.testing import Endpoints, test_secret

from bench.platform import Platform
from bench.platform_http import PASSWORD
from bench.report import Figure

# The processes on the path, in start order (the gateway last, in front of the others).
PATH = ("identity", "matching", "notifications")
# Where each service keeps the people it has heard of.
HOLDERS = {"matching": "profiles", "notifications": "people"}


async def _hash_rate(rounds: int) -> float:
    settings = IdentitySettings(infra=InfraSettings(JF_GATEWAY_SECRET=test_secret()))
    passwords = Passwords(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )
    started = time.perf_counter()
    await asyncio.gather(*(passwords.hash(PASSWORD) for _ in range(rounds)))
    return rounds / (time.perf_counter() - started)


async def _everyone_known(endpoints: Endpoints, name: str, people: int) -> None:
    client = mongo_client(endpoints.mongodb, "bench")
    try:
        while True:
            counts = [
                await client[f"{name}_{svc}"][collection].count_documents({})
                for svc, collection in HOLDERS.items()
            ]
            if min(counts) >= people:
                return
            await asyncio.sleep(0.25)
    finally:
        await client.close()


async def signup_end_to_end(
    endpoints: Endpoints, people: int = 120, connections: int = 8
) -> list[Figure]:
    hashes = await _hash_rate(rounds=4 * (os.cpu_count() or 1))
    async with Platform(endpoints, PATH) as platform:
        name, processes, gateway = platform.name, platform.processes, platform.gateway
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(people):
            queue.put_nowait(n)
        failures: list[int] = []

        async def sign_up(client: httpx.AsyncClient) -> None:
            while not queue.empty():
                n = queue.get_nowait()
                body = {"email": f"p{n}@{name}.org", "password": PASSWORD, "display_name": f"P{n}"}
                response = await client.post("/v1/auth/register", json=body)
                if response.status_code != 201:
                    failures.append(response.status_code)

        cpu = {svc: p.cpu_seconds() for svc, p in processes.items()}
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=gateway.url, timeout=60) as client:
            await asyncio.gather(*(sign_up(client) for _ in range(connections)))
        answered = time.perf_counter() - started
        await asyncio.wait_for(_everyone_known(endpoints, name, people), timeout=120)
        elapsed = time.perf_counter() - started
        cpu = {svc: p.cpu_seconds() - cpu[svc] for svc, p in processes.items()}
    assert not failures, failures
    notes = {
        "people": people,
        "connections": connections,
        "all registrations answered after (s)": round(answered, 2),
        "all known to matching and notifications after (s)": round(elapsed, 2),
        "CPU ms per sign-up": ", ".join(
            f"{svc} {seconds / people * 1000:.1f}" for svc, seconds in cpu.items()
        ),
    }
    return [
        Figure(
            "sign-ups, registered to known everywhere",
            people / elapsed,
            "sign-ups/s",
            hashes,
            "Argon2id password hashes alone (all cores)",
            target=0.5,
            notes=notes,
        )
    ]
