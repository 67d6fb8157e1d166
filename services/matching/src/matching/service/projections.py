"""Applying other services' events to matching's projections, then refreshing what they affect:
people (identity), groups and hashtags (feed), events and RSVPs (events). Activity between
people (posts, reactions, comments, mentions, check-ins) is in `service.activity`.

Handlers are idempotent: writes are upserts or deletes keyed by natural ids, so a redelivered
event writes the same state again, and the index deltas they publish are facts ("ana is in
g1"), not increments. Facts about a person who deleted their account are ignored (a late event
must not bring them back). Refreshes follow the issue's list of relevant events: profiles,
connections, RSVPs, groups and hashtags, plus check-ins (having met is the moment to suggest
connecting); other facts (reactions, comments, mentions, posts) update the index and are picked
up by the next refresh, as they are too frequent to refresh on each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts.events import (
    EventCancelled,
    EventSnapshot,
    RsvpChanged,
)
from jobfriends_shared.contracts.feed import (
    GroupCreated,
)
from jobfriends_shared.contracts.identity import (
    MilestoneRecorded,
    ProfileUpdated,
    UserDeleted,
    UserRegistered,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import Document

from matching.repository import Repositories
from matching.repository.projections import ATTENDING
from matching.service.deltas import (
    block_op,
    drop_op,
    event_op,
    group_op,
    member_op,
    profile_op,
)
from matching.service.outcomes import Outcomes
from matching.service.suggestions import SuggestionService

RANKED_FIELDS = frozenset(
    {
        "profession",
        "seniority",
        "skills",
        "interests",
        "city",
        "neighbourhood",
        "location",
        "languages",
        "open_to",
    }
)
EVENT_REFRESH_CAP = 100


class ProjectionService:
    def __init__(
        self,
        repos: Repositories,
        clock: Clock,
        suggestions: SuggestionService,
        outcomes: Outcomes,
    ) -> None:
        self.repos = repos
        self.clock = clock
        self.suggestions = suggestions
        self.outcomes = outcomes

    async def _gone(self, *user_ids: str) -> bool:
        for uid in user_ids:
            if await self.repos.projections.is_deleted(uid):
                return True
        return False

    # --- identity ---------------------------------------------------------------------------

    async def registered(self, events: Sequence[tuple[Envelope, UserRegistered]]) -> None:
        """Consecutive registrations (a batch handler): bare profiles in one bulk write, and
        their index deltas in one journal record."""
        gone = await self.repos.projections.deleted_among(e.user_id for _, e in events)
        bare: dict[str, tuple[str, datetime]] = {}
        for env, e in events:
            if e.user_id not in gone:
                bare.setdefault(e.user_id, (e.display_name, env.occurred_at))
        docs = await self.repos.projections.ensure_profiles(bare)
        await self.suggestions.changed([profile_op(uid, doc) for uid, doc in docs.items()])

    async def profile_updated(self, events: Sequence[tuple[Envelope, ProfileUpdated]]) -> None:
        """Consecutive profile changes (a batch handler): each person's latest snapshot in one
        bulk write, one journal record, and one refresh of everyone whose ranked fields
        changed."""
        gone = await self.repos.projections.deleted_among(e.user_id for _, e in events)
        latest: dict[str, tuple[Document, datetime]] = {}
        ranked: set[str] = set()
        for env, e in events:
            if e.user_id in gone:
                continue
            latest[e.user_id] = (e.profile.model_dump(mode="json"), env.occurred_at)
            if RANKED_FIELDS & set(e.changed):
                ranked.add(e.user_id)
        written = await self.repos.projections.put_profiles(latest)
        await self.suggestions.changed(
            [profile_op(uid, latest[uid][0]) for uid in written],
            refresh=[uid for uid in written if uid in ranked],
        )

    async def blocked(self, env: Envelope, blocker: str, blocked: str) -> None:
        await self.repos.projections.block(blocker, blocked, env.occurred_at)
        await self.suggestions.changed(
            [block_op(blocker, blocked, True)], refresh=[blocker, blocked]
        )
        await self.outcomes.blocked(blocker, blocked)

    async def unblocked(self, _env: Envelope, blocker: str, blocked: str) -> None:
        await self.repos.projections.unblock(blocker, blocked)
        await self.suggestions.changed(
            [block_op(blocker, blocked, False)], refresh=[blocker, blocked]
        )

    async def deleted(self, env: Envelope, e: UserDeleted) -> None:
        """Erase the person everywhere in matching, then correct everyone who listed them."""
        uid = e.user_id
        p = self.repos.projections
        await p.mark_deleted(uid, env.occurred_at)
        holders = sorted(self.suggestions.live.holders.get(uid, set()))
        partners = await self.outcomes.erase(uid)
        await p.erase(uid)
        await self.repos.suggestions.delete(uid)
        await self.suggestions.changed([drop_op(uid)], refresh=[uid, *partners], extra=holders)

    async def milestone(self, env: Envelope, e: MilestoneRecorded) -> None:
        if await self._gone(e.user_id):
            return
        await self.repos.projections.remember(
            e.user_id,
            "milestones",
            {
                "id": e.milestone_id,
                "kind": e.kind.value,
                "title": e.title,
                "organisation": e.organisation,
                "on": e.on.isoformat(),
                "at": env.occurred_at,
            },
        )

    # --- feed: groups and hashtags ----------------------------------------------------------

    async def group_created(self, env: Envelope, e: GroupCreated) -> None:
        await self.repos.projections.put_group(e.group_id, e.name)
        await self.suggestions.changed([group_op(e.group_id, e.name)])
        await self.membership(env, "group", e.group_id, e.owner_id, joined=True)

    async def membership(
        self, env: Envelope, kind: str, key: str, user_id: str, *, joined: bool
    ) -> None:
        p = self.repos.projections
        if joined:
            if await self._gone(user_id):
                return
            await p.join(kind, key, user_id, env.occurred_at)
        else:
            await p.leave(kind, key, user_id)
        await self.suggestions.changed([member_op(kind, key, user_id, joined)], refresh=[user_id])

    # --- events -----------------------------------------------------------------------------

    async def event_changed(self, e: EventSnapshot) -> None:
        doc = await self.repos.projections.put_event(
            e.event_id,
            {
                "title": e.title,
                "kind": e.kind.value,
                "starts_at": e.starts_at,
                "ends_at": e.ends_at,
                "time_zone": e.time_zone,
                "city": e.city,
                "cancelled": False,
            },
        )
        await self.suggestions.changed([event_op(doc)])

    async def event_cancelled(self, _env: Envelope, e: EventCancelled) -> None:
        doc = await self.repos.projections.put_event(
            e.event_id, {"title": e.title, "starts_at": e.starts_at, "cancelled": True}
        )
        going = self.suggestions.live.index.event_people.get(e.event_id, {})
        await self.suggestions.changed([event_op(doc)], refresh=list(going)[:EVENT_REFRESH_CAP])

    async def rsvp(self, env: Envelope, e: RsvpChanged) -> None:
        if await self._gone(e.user_id):
            return
        await self.repos.projections.set_rsvp(
            e.event_id, e.user_id, e.status.value, env.occurred_at
        )
        attending = e.status.value in ATTENDING
        await self.suggestions.changed(
            [member_op("event", e.event_id, e.user_id, attending)], refresh=[e.user_id]
        )
