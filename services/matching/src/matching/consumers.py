"""Matching listens to identity (profiles, blocks, erasures, milestones), feed (posts,
reactions, comments, mentions, groups, hashtags) and events (events, RSVPs, check-ins).

A use case that already takes `(envelope, payload)` is registered as it is; a wrapper stays only
where the event must be taken apart first."""

from __future__ import annotations

from jobfriends_shared.contracts.events import (
    AttendanceCheckedIn,
    EventCancelled,
    EventCreated,
    EventUpdated,
    RsvpChanged,
)
from jobfriends_shared.contracts.feed import (
    CommentAdded,
    GroupCreated,
    GroupMemberJoined,
    GroupMemberLeft,
    HashtagFollowed,
    HashtagUnfollowed,
    HelpRequested,
    MentionCreated,
    PostCreated,
    PostDeleted,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import (
    MilestoneRecorded,
    ProfileUpdated,
    UserBlocked,
    UserDeleted,
    UserRegistered,
    UserUnblocked,
)
from jobfriends_shared.contracts.messaging import MessageSent
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime

from matching.service.activity import ActivityService
from matching.service.projections import ProjectionService


def register(runtime: Runtime, service: ProjectionService, activity: ActivityService) -> None:
    on, on_batch = runtime.consumer.on, runtime.consumer.on_batch

    # --- identity.users ---------------------------------------------------------------------

    on_batch(UserRegistered)(service.registered)

    on_batch(ProfileUpdated)(service.profile_updated)

    @on(UserBlocked)
    async def blocked(env: Envelope, e: UserBlocked) -> None:
        await service.blocked(env, e.blocker_id, e.blocked_id)

    @on(UserUnblocked)
    async def unblocked(env: Envelope, e: UserUnblocked) -> None:
        await service.unblocked(env, e.blocker_id, e.blocked_id)

    on(UserDeleted)(service.deleted)

    on(MilestoneRecorded)(service.milestone)

    # --- feed.posts -------------------------------------------------------------------------

    @on(PostCreated)
    async def post_created(env: Envelope, e: PostCreated) -> None:
        await activity.post(env, e, e.kind.value)

    @on(HelpRequested)
    async def help_requested(env: Envelope, e: HelpRequested) -> None:
        await activity.post(env, e, "help_request")

    @on(PostDeleted)
    async def post_deleted(_: Envelope, e: PostDeleted) -> None:
        await activity.post_deleted(e)

    on(ReactionChanged)(activity.reaction)

    on(CommentAdded)(activity.comment)

    on(MentionCreated)(activity.mention)

    # --- feed.social ------------------------------------------------------------------------

    on(GroupCreated)(service.group_created)

    @on(GroupMemberJoined)
    async def joined(env: Envelope, e: GroupMemberJoined) -> None:
        await service.membership(env, "group", e.group_id, e.user_id, joined=True)

    @on(GroupMemberLeft)
    async def left(env: Envelope, e: GroupMemberLeft) -> None:
        await service.membership(env, "group", e.group_id, e.user_id, joined=False)

    @on(HashtagFollowed)
    async def followed(env: Envelope, e: HashtagFollowed) -> None:
        await service.membership(env, "hashtag", e.hashtag, e.user_id, joined=True)

    @on(HashtagUnfollowed)
    async def unfollowed(env: Envelope, e: HashtagUnfollowed) -> None:
        await service.membership(env, "hashtag", e.hashtag, e.user_id, joined=False)

    # --- events.events ----------------------------------------------------------------------

    @on(EventCreated)
    async def event_created(_: Envelope, e: EventCreated) -> None:
        await service.event_changed(e)

    @on(EventUpdated)
    async def event_updated(_: Envelope, e: EventUpdated) -> None:
        await service.event_changed(e)

    on(EventCancelled)(service.event_cancelled)

    on(RsvpChanged)(service.rsvp)

    on(AttendanceCheckedIn)(activity.checked_in)

    # --- messaging.conversations ------------------------------------------------------------

    on(MessageSent)(activity.message)

    runtime.consume()
