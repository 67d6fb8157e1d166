"""Which event from which service feeds which use case.

Notifications listens to every other service. All handlers are idempotent: projections are
upserts and deletes keyed by natural ids, notifications are inserts with derived ids.
"""

from __future__ import annotations

from jobfriends_shared.contracts.events import (
    EventCancelled,
    EventCreated,
    EventReminderDue,
    RsvpChanged,
    WaitlistPromoted,
)
from jobfriends_shared.contracts.feed import (
    CommentAdded,
    GroupCreated,
    GroupMemberJoined,
    GroupMemberLeft,
    HelpRequested,
    MentionCreated,
    PostCreated,
    PostDeleted,
    PostUpdated,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import (
    EndorsementAdded,
    MilestoneRecorded,
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
from jobfriends_shared.contracts.messaging import MessageRequestSent, MessagesWaiting
from jobfriends_shared.runtime import Runtime

from notifications.service.content import ContentIntake
from notifications.service.messages import MessagesIntake
from notifications.service.people import PeopleIntake


def register(
    runtime: Runtime, people: PeopleIntake, content: ContentIntake, messages: MessagesIntake
) -> None:
    on, on_batch = runtime.consumer.on, runtime.consumer.on_batch
    # identity
    on_batch(UserRegistered)(people.registered)
    on_batch(ProfileUpdated)(people.profile_updated)
    on(UserBlocked)(people.blocked)
    on(UserUnblocked)(people.unblocked)
    on(UserDeleted)(people.deleted)
    on(EndorsementAdded)(people.endorsed)
    on(MilestoneRecorded)(people.milestone)
    # matching
    on(ConnectionRequested)(people.connection_requested)
    on(ConnectionAccepted)(people.connection_accepted)
    on(ConnectionDeclined)(people.connection_declined)
    on(ConnectionWithdrawn)(people.connection_closed)
    on(ConnectionExpired)(people.connection_closed)
    on(TribeMemberAdded)(people.tribe_added)
    on(TribeMemberRemoved)(people.tribe_removed)
    on(NudgeDue)(people.nudge)
    on(SuggestionsRefreshed)(people.suggestions)
    # feed
    on_batch(PostCreated)(content.posts_saved)
    on_batch(PostUpdated)(content.posts_saved)
    on(PostDeleted)(content.post_deleted)
    on(ReactionChanged)(content.reaction)
    on(CommentAdded)(content.comment)
    on(MentionCreated)(content.mention)
    on(HelpRequested)(content.help_requested)
    on(GroupCreated)(content.group_created)
    on(GroupMemberJoined)(content.member_joined)
    on(GroupMemberLeft)(content.member_left)
    # events
    on(EventCreated)(content.event_created)
    on(RsvpChanged)(content.rsvp)
    on(WaitlistPromoted)(content.promoted)
    on(EventReminderDue)(content.reminder)
    on(EventCancelled)(content.cancelled)
    # messaging
    on(MessagesWaiting)(messages.waiting)
    on(MessageRequestSent)(messages.requested)
    runtime.consume()
