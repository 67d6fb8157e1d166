"""What the events service hears from the others, and what it does about it.

- `identity.users`: profiles (for recommendations), blocks (hidden both ways), deletions;
- `matching.connections`: who is connected ("events my connections are going to");
- `matching.suggestions`: a person's top matches ("where their matches go");
- `feed.social`: groups and their members (only members may host for a group).

Handlers only call use cases; every one is an upsert, a delete, or a guarded insert, so a
redelivered event changes nothing twice (the shared consumer also dedupes by event id).
"""

from __future__ import annotations

from collections.abc import Sequence

from jobfriends_shared.contracts.feed import GroupCreated, GroupMemberJoined, GroupMemberLeft
from jobfriends_shared.contracts.identity import (
    ProfileUpdated,
    UserBlocked,
    UserDeleted,
    UserUnblocked,
)
from jobfriends_shared.contracts.matching import (
    ConnectionAccepted,
    ConnectionRemoved,
    SuggestionsRefreshed,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime

from events.service import Services


def register(runtime: Runtime, services: Services) -> None:
    on = runtime.consumer.on
    projections = services.projections

    @runtime.consumer.on_batch(ProfileUpdated)
    async def profiles_updated(events: Sequence[tuple[Envelope, ProfileUpdated]]) -> None:
        await projections.profiles_updated([(e.user_id, e.profile) for _, e in events])

    @on(UserBlocked)
    async def blocked(_: Envelope, event: UserBlocked) -> None:
        await projections.block_changed(event.blocker_id, event.blocked_id, blocked=True)

    @on(UserUnblocked)
    async def unblocked(_: Envelope, event: UserUnblocked) -> None:
        await projections.block_changed(event.blocker_id, event.blocked_id, blocked=False)

    @on(UserDeleted)
    async def deleted(_: Envelope, event: UserDeleted) -> None:
        await projections.erase(event.user_id)

    @on(ConnectionAccepted)
    async def accepted(_: Envelope, event: ConnectionAccepted) -> None:
        await projections.connection_changed(event.from_user_id, event.to_user_id, True)

    @on(ConnectionRemoved)
    async def removed(_: Envelope, event: ConnectionRemoved) -> None:
        await projections.connection_changed(event.from_user_id, event.to_user_id, False)

    @on(SuggestionsRefreshed)
    async def suggestions(_: Envelope, event: SuggestionsRefreshed) -> None:
        await projections.matches_refreshed(event.user_id, event.top)

    @on(GroupCreated)
    async def group_created(_: Envelope, event: GroupCreated) -> None:
        await projections.group_created(event.group_id, event.owner_id, event.name)

    @on(GroupMemberJoined)
    async def joined(_: Envelope, event: GroupMemberJoined) -> None:
        await projections.membership_changed(event.group_id, event.user_id, member=True)

    @on(GroupMemberLeft)
    async def left(_: Envelope, event: GroupMemberLeft) -> None:
        await projections.membership_changed(event.group_id, event.user_id, member=False)

    runtime.consume()
