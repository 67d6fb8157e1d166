"""Reactions to identity's and matching's events: who people are, who blocks whom, tribes,
connections, endorsements, milestones, keep-in-touch nudges and match suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobfriends_shared.contracts.identity import (
    EndorsementAdded,
    MilestoneRecorded,
    ProfileSnapshot,
    ProfileUpdated,
    UserBlocked,
    UserDeleted,
    UserRegistered,
    UserUnblocked,
)
from jobfriends_shared.contracts.matching import (
    ConnectionAccepted,
    ConnectionDeclined,
    ConnectionExpired,
    ConnectionRequested,
    ConnectionWithdrawn,
    NudgeDue,
    SuggestionsRefreshed,
    TribeMemberAdded,
    TribeMemberRemoved,
)
from jobfriends_shared.contracts.messaging import direct_conversation_id
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.mongo import merged_by_key

from notifications.domain.drafts import Draft, excerpt, normalise_place, notification_id
from notifications.domain.kinds import NotificationType as T
from notifications.repository import ProjectionRepository
from notifications.service.notifier import Notifier
from notifications.settings import NotificationsSettings

SUGGESTIONS_SHOWN = 5


def _person(p: ProfileSnapshot) -> dict[str, Any]:
    """What notifications keeps of a profile: how to address, place and interest a person."""
    return {
        "display_name": p.display_name,
        "city": p.city,
        "city_key": normalise_place(p.city),
        "lat": p.location.lat if p.location else None,
        "lon": p.location.lon if p.location else None,
        "interests": sorted({*p.interests, *p.skills}),
        "profession": p.profession,
        "time_zone": p.time_zone,
    }


REQUEST_KEY = "connection.requested:{request_id}"


class PeopleIntake:
    def __init__(
        self, notifier: Notifier, projections: ProjectionRepository, settings: NotificationsSettings
    ) -> None:
        self.notifier = notifier
        self.projections = projections
        self.settings = settings

    # --- identity -------------------------------------------------------------------------

    async def registered(self, events: Sequence[tuple[Envelope, UserRegistered]]) -> None:
        """Consecutive registrations, in one bulk write (a batch handler)."""
        await self.projections.set_people(
            merged_by_key(
                (e.user_id, {"email": e.email, "display_name": e.display_name}) for _, e in events
            )
        )

    async def profile_updated(self, events: Sequence[tuple[Envelope, ProfileUpdated]]) -> None:
        """Consecutive profile changes, in one bulk write (a batch handler)."""
        await self.projections.set_people(
            merged_by_key((e.user_id, _person(e.profile)) for _, e in events)
        )

    async def blocked(self, _: Envelope, e: UserBlocked) -> None:
        await self.projections.set_block(e.blocker_id, e.blocked_id, active=True)
        await self.notifier.forget_between(e.blocker_id, e.blocked_id)

    async def unblocked(self, _: Envelope, e: UserUnblocked) -> None:
        await self.projections.set_block(e.blocker_id, e.blocked_id, active=False)

    async def deleted(self, _: Envelope, e: UserDeleted) -> None:
        await self.notifier.forget_person(e.user_id)

    async def endorsed(self, env: Envelope, e: EndorsementAdded) -> None:
        await self.notifier.deliver(
            Draft(
                e.user_id,
                T.endorsement_received,
                str(env.id),
                actor_id=e.endorser_id,
                data={"skill": e.skill},
            ),
            env,
        )

    async def milestone(self, env: Envelope, e: MilestoneRecorded) -> None:
        if not e.announce:
            return  # they chose not to tell anyone
        data = {
            "milestone_id": e.milestone_id,
            "kind": e.kind.value,
            "title": e.title,
            "organisation": e.organisation,
            "on": e.on.isoformat(),
        }
        await self.notifier.to_tribe(env, e.user_id, T.tribe_milestone, data)

    # --- matching -------------------------------------------------------------------------

    async def connection_requested(self, env: Envelope, e: ConnectionRequested) -> None:
        await self.notifier.deliver(
            Draft(
                e.to_user_id,
                T.connection_requested,
                REQUEST_KEY.format(request_id=e.request_id),
                actor_id=e.from_user_id,
                data={"request_id": e.request_id, "note": excerpt(e.note, 280)},
                request_id=e.request_id,
            ),
            env,
        )

    async def connection_accepted(self, env: Envelope, e: ConnectionAccepted) -> None:
        # The requester hears that the other person accepted.
        await self.notifier.deliver(
            Draft(
                e.from_user_id,
                T.connection_accepted,
                f"connection.accepted:{e.request_id}",
                actor_id=e.to_user_id,
                data={"request_id": e.request_id},
                request_id=e.request_id,
            ),
            env,
        )

    async def connection_declined(self, _: Envelope, e: ConnectionDeclined) -> None:
        # The sender is never told. The person who declined has dealt with the request.
        await self._close_request(e.request_id, e.to_user_id)

    async def connection_closed(
        self, _: Envelope, e: ConnectionWithdrawn | ConnectionExpired
    ) -> None:
        """Withdrawn or expired: nothing is left to answer."""
        await self._close_request(e.request_id, e.to_user_id)

    async def _close_request(self, request_id: str, recipient: str) -> None:
        # The request's notification id is derived, so it is found without a search.
        key = REQUEST_KEY.format(request_id=request_id)
        await self.notifier.inbox.hide_ids([notification_id(key, recipient)])

    async def tribe_added(self, _: Envelope, e: TribeMemberAdded) -> None:
        await self.projections.set_tribe_member(e.owner_id, e.member_id, member=True)

    async def tribe_removed(self, _: Envelope, e: TribeMemberRemoved) -> None:
        await self.projections.set_tribe_member(e.owner_id, e.member_id, member=False)

    async def nudge(self, env: Envelope, e: NudgeDue) -> None:
        await self.notifier.deliver(
            Draft(
                e.user_id,
                T.keep_in_touch,
                f"nudge:{e.nudge_id}",
                actor_id=e.friend_id,
                data={
                    "friend_id": e.friend_id,
                    "conversation_id": direct_conversation_id(e.user_id, e.friend_id),
                    "nudge_id": e.nudge_id,
                    "starter": excerpt(e.starter, 280),
                    "reason": e.reason,
                },
            ),
            env,
        )

    async def suggestions(self, env: Envelope, e: SuggestionsRefreshed) -> None:
        fresh = list(e.new or e.top)
        if not fresh:
            return  # nothing new to meet
        await self.notifier.deliver(
            Draft(
                e.user_id,
                T.match_suggestions,
                str(env.id),
                data={
                    "count": len(e.new) if e.new else e.count,
                    "top": fresh[:SUGGESTIONS_SHOWN],
                },
            ),
            env,
        )
