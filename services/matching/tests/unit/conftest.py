"""Matching wired as `main.py` wires it, on the in-memory store, its consumer fed the other
services' events, with a clock that moves only when told: projections, suggestions, requests,
tribes and nudges in milliseconds."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts import Payload
from jobfriends_shared.contracts.identity import ProfileSnapshot, ProfileUpdated, UserRegistered
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.fakes import (
    FakeDatabase,
    OfflineRuntime,
    offline_runtime,
    offline_settings,
    recorded_events,
)
from matching import main
from matching.domain.requests import Action
from matching.ranking import Intent
from matching.service.connections import ConnectionService
from matching.service.live import LiveIndex
from matching.service.nudges import NudgeService
from matching.service.outcomes import Outcomes
from matching.service.suggestions import SuggestionService
from matching.service.tribe import TribeService
from matching.settings import MatchingSettings

START = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # a Monday morning
KREUZBERG = {"lat": 52.4986, "lon": 13.4030}
UX = {"profession": "ux-designer", "city": "Berlin", "seniority": "senior"}
NOTE = "Loved your talk on research ops"


@dataclass
class Matching:
    bus: OfflineRuntime
    db: Any
    clock: ControlledClock
    live: LiveIndex
    suggestions: SuggestionService
    connections: ConnectionService
    outcomes: Outcomes
    tribe: TribeService
    nudges: NudgeService

    async def hear(self, payload: Payload | Envelope) -> None:
        outcome = await self.bus.deliver(payload)
        assert outcome in (Outcome.applied, Outcome.duplicate), outcome

    async def person(self, user_id: str, name: str, **profile: Any) -> str:
        """A registered person with a profile, as identity announces them."""
        email = f"{user_id}@example.org"
        await self.hear(UserRegistered(user_id=user_id, email=email, display_name=name))
        snapshot = ProfileSnapshot.model_validate({"display_name": name, **profile})
        changed = ("display_name", *profile)
        await self.hear(ProfileUpdated(user_id=user_id, changed=changed, profile=snapshot))
        return user_id

    async def connect(self, a: str, b: str) -> str:
        sent = await self.connections.request(a, b, NOTE)
        await self.connections.act(b, sent["id"], Action.accept)
        return str(sent["id"])

    async def match_ids(self, user_id: str, intent: Intent = Intent.job_friends) -> list[str]:
        items, _, _ = await self.suggestions.matches(user_id, intent, 0, 30)
        return [str(i["user_id"]) for i in items]

    async def events(self, *types: str) -> list[Envelope]:
        return await recorded_events(self.db, *types)


async def wire(db: Any, clock: ControlledClock, **overrides: Any) -> Matching:
    """One matching instance on `db`, built by `main.wire` as the app is."""
    settings = offline_settings(MatchingSettings, run_jobs=False, **overrides)
    bus = offline_runtime("matching", settings, db, clock)
    s = main.wire(bus.runtime, settings)
    await bus.runtime.prepare_store()
    return Matching(
        bus, db, clock, s.live, s.suggestions, s.connections, s.outcomes, s.tribe, s.nudges
    )


@pytest.fixture
async def matching() -> Matching:
    return await wire(FakeDatabase("matching"), ControlledClock(START))
