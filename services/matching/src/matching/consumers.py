"""Matching listens to identity (profiles, blocks, erasures, milestones), feed (posts,
reactions, comments, mentions, groups, hashtags) and events (events, RSVPs, check-ins).

A use case that already takes `(envelope, payload)` is registered as it is; a wrapper stays only
where the event must be taken apart first."""

from __future__ import annotations

from jobfriends_shared.contracts.events import (
    EventCreated,
    EventUpdated,
)
from jobfriends_shared.contracts.feed import (
    GroupMemberJoined,
    GroupMemberLeft,
    HashtagFollowed,
    HashtagUnfollowed,
    HelpRequested,
    PostCreated,
    PostDeleted,
)
from jobfriends_shared.contracts.identity import (
    UserBlocked,
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

    on("user.registered")(service.registered)

    on("profile.updated")(service.profile_updated)

    @on("user.blocked")
    async def blocked(env: Envelope, e: UserBlocked) -> None:
        await service.blocked(env, e.blocker_id, e.blocked_id)

    @on("user.unblocked")
    async def unblocked(env: Envelope, e: UserUnblocked) -> None:
        await service.unblocked(env, e.blocker_id, e.blocked_id)

    on("user.deleted")(service.deleted)

    on("milestone.recorded")(service.milestone)

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

    on("reaction.changed")(activity.reaction)

    on("comment.added")(activity.comment)

    on("mention.created")(activity.mention)

    # --- feed.social ------------------------------------------------------------------------

    on("group.created")(service.group_created)

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

    on("event.cancelled")(service.event_cancelled)

    on("rsvp.changed")(service.rsvp)

    on("attendance.checked_in")(activity.checked_in)

    runtime.consume(TOPICS)
