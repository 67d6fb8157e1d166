"""Which event from which service feeds which use case.

Notifications listens to every other service. All handlers are idempotent: projections are
upserts and deletes keyed by natural ids, notifications are inserts with derived ids.
"""

from __future__ import annotations

from jobfriends_shared.runtime import Runtime

from notifications.service.content import ContentIntake
from notifications.service.people import PeopleIntake

TOPICS = (
    "identity.users",
    "feed.posts",
    "feed.social",
    "events.events",
    "matching.connections",
    "matching.suggestions",
)


def register(runtime: Runtime, people: PeopleIntake, content: ContentIntake) -> None:
    on = runtime.consumer.on
    # identity
    on("user.registered")(people.registered)
    on("profile.updated")(people.profile_updated)
    on("user.blocked")(people.blocked)
    on("user.unblocked")(people.unblocked)
    on("user.deleted")(people.deleted)
    on("endorsement.added")(people.endorsed)
    on("milestone.recorded")(people.milestone)
    # matching
    on("connection.requested")(people.connection_requested)
    on("connection.accepted")(people.connection_accepted)
    on("connection.declined")(people.connection_declined)
    on("connection.withdrawn")(people.connection_closed)
    on("connection.expired")(people.connection_closed)
    on("tribe.member_added")(people.tribe_added)
    on("tribe.member_removed")(people.tribe_removed)
    on("nudge.due")(people.nudge)
    on("match.suggestions_refreshed")(people.suggestions)
    # feed
    on("post.created")(content.post_saved)
    on("post.updated")(content.post_saved)
    on("post.deleted")(content.post_deleted)
    on("reaction.changed")(content.reaction)
    on("comment.added")(content.comment)
    on("mention.created")(content.mention)
    on("help_requested")(content.help_requested)
    on("group.created")(content.group_created)
    on("group.member_joined")(content.member_joined)
    on("group.member_left")(content.member_left)
    # events
    on("event.created")(content.event_created)
    on("rsvp.changed")(content.rsvp)
    on("waitlist.promoted")(content.promoted)
    on("event.reminder_due")(content.reminder)
    on("event.cancelled")(content.cancelled)
    runtime.consume(TOPICS)
