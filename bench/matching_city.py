"""The demo city as matching hears of it, for the incremental bench: the events that announce
its people, meetups and RSVPs, either sent through Kafka one by one (as sign-ups arrive) or
written straight into matching's store by matching's own handlers (`preload`).

Why a preload: through Kafka every sign-up refreshes up to `refresh_cap` neighbours' lists, so
loading a city costs people x 150 rankings and list writes before anything is measured (1,000
people took ~3 minutes on two cores, 10,000 would take most of an hour). Preloaded, the store
holds the same projections, and the service builds its index and every list once when it
starts (its daily rebuild), which is what the cost curves need to reach 10,000 people.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, cast

from jobfriends_seed.city import City
from jobfriends_seed.city import Person as CityPerson
from jobfriends_shared.clock import SystemClock
from jobfriends_shared.contracts import Payload, build_event
from jobfriends_shared.contracts.events import EventCreated, EventKind, RsvpChanged, RsvpStatus
from jobfriends_shared.contracts.identity import ProfileSnapshot, ProfileUpdated, UserRegistered
from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.testing import Endpoints
from matching.repository import Repositories
from matching.service.projections import ProjectionService

_BATCH = 500  # events handed to a batch handler at once, as a consumer's poll would
# Per-event handlers at once: a few connections' worth, as consumers' workers would; the store
# is shared, and a hundred concurrent writers make FerretDB queue for PostgreSQL connections.
_CONCURRENT = 16


def snapshot(p: CityPerson, skills: list[str]) -> ProfileSnapshot:
    return ProfileSnapshot.model_validate({"display_name": p.display_name, **p.profile(skills)})


def city_payloads(city: City, ids: dict[str, str]) -> Iterator[Payload]:
    """Each person's registration and profile, then each meetup and its RSVPs."""
    for p in city.people:
        uid = ids[p.key]
        yield UserRegistered(user_id=uid, email=f"{uid}@b.org", display_name=uid)
        yield ProfileUpdated(user_id=uid, changed=("skills",), profile=snapshot(p, p.skills))
    for e in city.events:
        yield EventCreated(
            event_id=e.key,
            host_id=ids[e.host],
            title=e.title,
            kind=EventKind(e.kind),
            city="Berlin",
            starts_at=e.starts_at,
            ends_at=e.starts_at + timedelta(hours=e.hours),
            time_zone="Europe/Berlin",
        )
        for k in e.going:
            yield RsvpChanged(event_id=e.key, user_id=ids[k], status=RsvpStatus.going)


class _NoRefresh:
    """Stands in for the suggestion service while preloading: the handlers write what they
    write for each event, and nothing is ranked (the starting service does it all at once)."""

    async def changed(self, *_args: object, **_kwargs: object) -> None:
        return None


async def preload(endpoints: Endpoints, database: str, payloads: Iterable[Payload]) -> None:
    """Write the payloads' projections into `database` with matching's own handlers, before
    the service starts on it."""
    client = mongo_client(endpoints.mongodb, "bench")
    repos = Repositories.on(client[database])
    handlers = ProjectionService(repos, SystemClock(), cast(Any, _NoRefresh()), cast(Any, None))
    now = datetime.now(UTC)
    by_type: dict[type, list[Any]] = {}
    for payload in payloads:
        by_type.setdefault(type(payload), []).append(
            (build_event(payload, producer="bench", occurred_at=now), payload)
        )
    try:
        await repos.ensure_indexes()
        for batch_handler, kind in (
            (handlers.registered, UserRegistered),
            (handlers.profile_updated, ProfileUpdated),
        ):
            events = by_type.get(kind, [])
            for start in range(0, len(events), _BATCH):
                await batch_handler(events[start : start + _BATCH])
        # One event per call, as their consumers take them.
        meetups = [partial(handlers.event_changed, e) for _, e in by_type.get(EventCreated, [])]
        rsvps = [partial(handlers.rsvp, env, e) for env, e in by_type.get(RsvpChanged, [])]
        for calls in (meetups, rsvps):
            for start in range(0, len(calls), _CONCURRENT):
                await asyncio.gather(*(call() for call in calls[start : start + _CONCURRENT]))
    finally:
        await client.close()
