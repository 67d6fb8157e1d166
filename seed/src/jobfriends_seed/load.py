"""Loads a generated city into a running platform through the public API only — the same
requests a client makes — so a seeded city exercises every service and every event path.

Every person signs up and signs in (Argon2 makes this the slowest step: about 30 sign-ups per
second per core with the default parameters), then profiles, groups, events and RSVPs, posts,
connections and tribes follow, each step a bounded number of concurrent requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from jobfriends_seed.city import CITY, TIME_ZONE, City, Person

DEMO_PASSWORD = "JobFriends-Demo-2026"  # noqa: S105 (documented password of demo accounts)


@dataclass
class Loaded:
    ids: dict[str, str] = field(default_factory=dict)  # person key -> user id
    tokens: dict[str, str] = field(default_factory=dict)  # person key -> access token
    groups: dict[str, str] = field(default_factory=dict)
    events: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, tuple[int, float]] = field(default_factory=dict)  # label -> (items, s)


class Loader:
    def __init__(self, client: httpx.AsyncClient, city: City, concurrency: int = 8) -> None:
        self.client, self.city = client, city
        self.result = Loaded()
        self._limit = asyncio.Semaphore(concurrency)

    async def call(
        self, key: str | None, method: str, path: str, json: Any = None, ok: Iterable[int] = ()
    ) -> httpx.Response | None:
        headers = {"Authorization": f"Bearer {self.result.tokens[key]}"} if key else {}
        async with self._limit:
            for attempt in range(5):
                response = await self.client.request(method, path, json=json, headers=headers)
                self.result.requests += 1
                if response.status_code in (429, 503) and attempt < 4:
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                    continue
                break
        if response.status_code >= 300 and response.status_code not in ok:
            self.result.failures.append(
                f"{method} {path}: {response.status_code} {response.text[:200]}"
            )
            return None
        return response

    async def _person(self, p: Person) -> None:
        body = {"email": p.email, "password": DEMO_PASSWORD, "display_name": p.display_name}
        registered = await self.call(None, "POST", "/v1/auth/register", body, ok=(409,))
        signed_in = await self.call(
            None, "POST", "/v1/auth/token", {"email": p.email, "password": DEMO_PASSWORD}
        )
        if registered is None or signed_in is None:
            return
        self.result.ids[p.key] = signed_in.json()["user_id"]
        self.result.tokens[p.key] = signed_in.json()["access_token"]
        await self.call(p.key, "PATCH", "/v1/me", p.profile())

    async def _group(self, index: int) -> None:
        g = self.city.groups[index]
        if g.owner not in self.result.tokens:
            return
        body = {"name": g.name, "topic": g.topic, "profession": g.profession, "city": CITY}
        created = await self.call(g.owner, "POST", "/v1/groups", body)
        if created is None:
            return
        group_id = created.json()["id"]
        self.result.groups[g.key] = group_id
        await asyncio.gather(
            *(
                self.call(m, "PUT", f"/v1/groups/{group_id}/membership", ok=(409,))
                for m in g.members
                if m != g.owner and m in self.result.tokens
            )
        )

    async def _event(self, index: int) -> None:
        e = self.city.events[index]
        if e.host not in self.result.tokens:
            return
        body: dict[str, Any] = {
            "title": e.title,
            "kind": e.kind,
            "description": f"A {e.kind} for people into {e.topic} in {e.neighbourhood}.",
            "topics": [e.topic],
            "professions": [e.profession] if e.profession else [],
            "city": CITY,
            "neighbourhood": e.neighbourhood,
            "venue_name": f"{e.neighbourhood} community space",
            "location": {"lat": e.lat, "lon": e.lon},
            "starts_at": e.starts_at.isoformat(),
            "ends_at": (e.starts_at + timedelta(hours=e.hours)).isoformat(),
            "time_zone": TIME_ZONE,
        }
        if e.capacity:
            body["capacity"] = e.capacity
        created = await self.call(e.host, "POST", "/v1/events", body)
        if created is None:
            return
        event_id = created.json()["id"]
        self.result.events[e.key] = event_id
        await asyncio.gather(
            *(
                self.call(k, "PUT", f"/v1/events/{event_id}/rsvp", {"status": "going"})
                for k in e.going
                if k in self.result.tokens
            )
        )

    async def _post(self, index: int) -> None:
        post = self.city.posts[index]
        if post.author in self.result.tokens:
            await self.call(
                post.author, "POST", "/v1/posts", {"text": post.text, "kind": post.kind}
            )

    async def _connect(self, index: int) -> None:
        a, b = self.city.connections[index]
        if a not in self.result.tokens or b not in self.result.tokens:
            return
        to_b = self.result.ids[b]
        note = "We work in the same field in Berlin — let's swap notes over coffee!"
        sent = await self.call(
            a, "POST", "/v1/connections/requests", {"to_user_id": to_b, "note": note}, ok=(409,)
        )
        if sent is not None and sent.status_code < 300:
            request_id = sent.json()["id"]
            await self.call(b, "POST", f"/v1/connections/requests/{request_id}/accept")

    async def _tribe(self, owner: str) -> None:
        for member in self.city.tribes[owner]:
            if owner in self.result.tokens and member in self.result.ids:
                await self.call(owner, "PUT", f"/v1/tribe/{self.result.ids[member]}", ok=(404, 409))

    async def run(self, progress: Progress | None = None) -> Loaded:
        started = time.perf_counter()
        city = self.city
        steps: list[tuple[str, int, Callable[[int], Awaitable[None]]]] = [
            ("people", len(city.people), lambda i: self._person(city.people[i])),
            ("groups", len(city.groups), self._group),
            ("events and RSVPs", len(city.events), self._event),
            ("posts", len(city.posts), self._post),
            ("connections", len(city.connections), self._connect),
            ("tribes", len(city.tribes), lambda i: self._tribe(sorted(city.tribes)[i])),
        ]
        for label, count, step in steps:
            await self._step(step, count, progress, label)
        self.result.seconds = time.perf_counter() - started
        return self.result

    async def _step(
        self,
        step: Callable[[int], Awaitable[None]],
        count: int,
        progress: Progress | None,
        label: str,
    ) -> None:
        task = progress.add_task(label, total=count) if progress is not None else None

        async def one(i: int) -> None:
            await step(i)
            if progress is not None and task is not None:
                progress.advance(task)

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        self.result.steps[label] = (count, time.perf_counter() - started)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
