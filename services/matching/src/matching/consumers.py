"""Matching listens to identity (profiles, blocks, erasures, milestones), feed (posts,
reactions, comments, mentions, groups, hashtags) and events (events, RSVPs, check-ins)."""

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
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.runtime import Runtime

from matching.service.activity import ActivityService
from matching.service.projections import ProjectionService

TOPICS = ("identity.users", "feed.posts", "feed.social", "events.events")


def register(runtime: Runtime, service: ProjectionService, activity: ActivityService) -> None:
    on = runtime.consumer.on

    # --- identity.users ---------------------------------------------------------------------

    @on("user.registered")
    async def registered(env: Envelope, e: UserRegistered) -> None:
        await service.registered(env, e)

    @on("profile.updated")
    async def profile_updated(env: Envelope, e: ProfileUpdated) -> None:
        await service.profile_updated(env, e)

    @on("user.blocked")
    async def blocked(env: Envelope, e: UserBlocked) -> None:
        await service.blocked(env, e.blocker_id, e.blocked_id)

    @on("user.unblocked")
    async def unblocked(env: Envelope, e: UserUnblocked) -> None:
        await service.unblocked(env, e.blocker_id, e.blocked_id)

    @on("user.deleted")
    async def deleted(env: Envelope, e: UserDeleted) -> None:
        await service.deleted(env, e)

    @on("milestone.recorded")
    async def milestone(env: Envelope, e: MilestoneRecorded) -> None:
        await service.milestone(env, e)

    # --- feed.posts -------------------------------------------------------------------------

    @on("post.created")
    async def post_created(env: Envelope, e: PostCreated) -> None:
        await activity.post(env, e, e.kind.value)

    @on("help_requested")
    async def help_requested(env: Envelope, e: HelpRequested) -> None:
        await activity.post(env, e, "help_request")

    @on("post.deleted")
    async def post_deleted(_: Envelope, e: PostDeleted) -> None:
        await activity.post_deleted(e)

    @on("reaction.changed")
    async def reaction(env: Envelope, e: ReactionChanged) -> None:
        await activity.reaction(env, e)

    @on("comment.added")
    async def comment(env: Envelope, e: CommentAdded) -> None:
        await activity.comment(env, e)

    @on("mention.created")
    async def mention(env: Envelope, e: MentionCreated) -> None:
        await activity.mention(env, e)

    # --- feed.social ------------------------------------------------------------------------

    @on("group.created")
    async def group_created(env: Envelope, e: GroupCreated) -> None:
        await service.group_created(env, e)

    @on("group.member_joined")
    async def joined(env: Envelope, e: GroupMemberJoined) -> None:
        await service.membership(env, "group", e.group_id, e.user_id, joined=True)

    @on("group.member_left")
    async def left(env: Envelope, e: GroupMemberLeft) -> None:
        await service.membership(env, "group", e.group_id, e.user_id, joined=False)

    @on("hashtag.followed")
    async def followed(env: Envelope, e: HashtagFollowed) -> None:
        await service.membership(env, "hashtag", e.hashtag, e.user_id, joined=True)

    @on("hashtag.unfollowed")
    async def unfollowed(env: Envelope, e: HashtagUnfollowed) -> None:
        await service.membership(env, "hashtag", e.hashtag, e.user_id, joined=False)

    # --- events.events ----------------------------------------------------------------------

    @on("event.created")
    async def event_created(_: Envelope, e: EventCreated) -> None:
        await service.event_changed(e)

    @on("event.updated")
    async def event_updated(_: Envelope, e: EventUpdated) -> None:
        await service.event_changed(e)

    @on("event.cancelled")
    async def event_cancelled(env: Envelope, e: EventCancelled) -> None:
        await service.event_cancelled(env, e)

    @on("rsvp.changed")
    async def rsvp(env: Envelope, e: RsvpChanged) -> None:
        await service.rsvp(env, e)

    @on("attendance.checked_in")
    async def checked_in(env: Envelope, e: AttendanceCheckedIn) -> None:
        await activity.checked_in(env, e)

    runtime.consume(TOPICS)
