"""Keeping this service's copies of other services' facts, and erasing a deleted person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobfriends_shared.contracts.identity import ProfileSnapshot

from events.domain.event import city_key
from events.service.base import Context
from events.service.events import EventService
from events.service.rsvp import RsvpService


class ProjectionService:
    def __init__(self, ctx: Context, events: EventService, rsvps: RsvpService) -> None:
        self.ctx = ctx
        self.projections = ctx.repo.projections
        self.events = events
        self.rsvps = rsvps

    async def profiles_updated(self, profiles: Sequence[tuple[str, ProfileSnapshot]]) -> None:
        """Consecutive profile changes, each person's latest in one bulk write. Only what
        recommendations use: profession, interests, city, location."""
        latest = {user_id: _recommendable(profile) for user_id, profile in profiles}
        await self.projections.save_profiles(latest)

    async def connection_changed(self, a: str, b: str, connected: bool) -> None:
        if connected:
            await self.projections.connect(a, b)
        else:
            await self.projections.disconnect(a, b)

    async def block_changed(self, blocker_id: str, blocked_id: str, blocked: bool) -> None:
        if blocked:
            await self.projections.block(blocker_id, blocked_id, self.ctx.clock.now())
        else:
            await self.projections.unblock(blocker_id, blocked_id)

    async def group_created(self, group_id: str, owner_id: str, name: str) -> None:
        await self.projections.save_group(group_id, owner_id, name)
        await self.projections.join_group(group_id, owner_id)

    async def membership_changed(self, group_id: str, user_id: str, member: bool) -> None:
        if member:
            await self.projections.join_group(group_id, user_id)
        else:
            await self.projections.leave_group(group_id, user_id)

    async def matches_refreshed(self, user_id: str, top: Sequence[str]) -> None:
        await self.projections.save_matches(user_id, top)

    async def erase(self, user_id: str) -> None:
        """`user.deleted`. Policy: the person's RSVPs go (the waitlists they were on move up,
        promoted people are told); events they host are cancelled if still to come (attendees
        are told) and then erased with everything attached; our copies of their profile,
        connections, blocks, memberships and matches are deleted. Safe to repeat."""
        await self.rsvps.erase_person(user_id)
        await self.events.erase_hosted(user_id)
        await self.projections.erase(user_id)


def _recommendable(profile: ProfileSnapshot) -> dict[str, Any]:
    location = profile.location
    return {
        "profession": profile.profession,
        "interests": sorted({t.strip().lower().replace(" ", "-") for t in profile.interests}),
        "city_key": city_key(profile.city),
        "location": {"lat": location.lat, "lon": location.lon} if location else None,
    }
