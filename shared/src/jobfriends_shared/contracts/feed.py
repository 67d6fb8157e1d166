"""Events produced by the feed service.

`feed.posts` is keyed by post id (a post's life in order); `feed.social` by the person or group
the fact is about. Texts travel whole so that notifications and matching need not call back.
"""

from __future__ import annotations

from enum import StrEnum

from jobfriends_shared.contracts.base import Payload, event

POSTS = "feed.posts"
SOCIAL = "feed.social"
CACHE = "feed.cache"


class PostKind(StrEnum):
    update = "update"
    tip = "tip"
    portfolio = "portfolio"
    milestone = "milestone"
    help_request = "help_request"
    question = "question"


class PostVisibility(StrEnum):
    public = "public"
    connections = "connections"
    group = "group"


class Emoji(StrEnum):
    like = "like"
    celebrate = "celebrate"
    support = "support"
    insightful = "insightful"
    funny = "funny"
    love = "love"


class _PostContent(Payload):
    post_id: str
    author_id: str
    kind: PostKind
    text: str
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    visibility: PostVisibility
    group_id: str | None = None


@event(
    "post.created",
    version=1,
    topic_name=POSTS,
    key="post_id",
    description="A post was published (also milestone posts made from identity's events).",
)
class PostCreated(_PostContent):
    city: str | None = None


@event(
    "post.updated",
    version=1,
    topic_name=POSTS,
    key="post_id",
    description="The author edited a post; the payload is the new content.",
)
class PostUpdated(_PostContent):
    pass


@event(
    "post.deleted",
    version=1,
    topic_name=POSTS,
    key="post_id",
    description="A post was deleted by its author (or with its author's account).",
)
class PostDeleted(Payload):
    post_id: str
    author_id: str


@event(
    "reaction.changed",
    version=1,
    topic_name=POSTS,
    key="post_id",
    description="`user_id` set, changed or removed (`emoji` null) their reaction.",
)
class ReactionChanged(Payload):
    post_id: str
    post_author_id: str
    user_id: str
    emoji: Emoji | None
    previous: Emoji | None = None


@event(
    "comment.added",
    version=1,
    topic_name=POSTS,
    key="post_id",
    description="A comment or a reply (`parent_id`) was added to a post.",
)
class CommentAdded(Payload):
    comment_id: str
    post_id: str
    post_author_id: str
    author_id: str
    parent_id: str | None = None
    parent_author_id: str | None = None
    text: str


@event(
    "mention.created",
    version=1,
    topic_name=POSTS,
    key="post_id",
    description="`mentioned_user_id` was @mentioned in a post or comment.",
)
class MentionCreated(Payload):
    post_id: str
    author_id: str
    mentioned_user_id: str
    comment_id: str | None = None


@event(
    "help_requested",
    version=1,
    topic_name=POSTS,
    key="post_id",
    description="Someone asked their network for help (a help_request post).",
)
class HelpRequested(Payload):
    post_id: str
    author_id: str
    text: str
    hashtags: tuple[str, ...] = ()


@event(
    "hashtag.followed",
    version=1,
    topic_name=SOCIAL,
    key="user_id",
    description="`user_id` followed a hashtag.",
)
class HashtagFollowed(Payload):
    user_id: str
    hashtag: str


@event(
    "hashtag.unfollowed",
    version=1,
    topic_name=SOCIAL,
    key="user_id",
    description="`user_id` stopped following a hashtag.",
)
class HashtagUnfollowed(Payload):
    user_id: str
    hashtag: str


@event(
    "user.followed",
    version=1,
    topic_name=SOCIAL,
    key="user_id",
    description="`user_id` follows `followed_id`'s public posts.",
)
class UserFollowed(Payload):
    user_id: str
    followed_id: str


@event(
    "user.unfollowed",
    version=1,
    topic_name=SOCIAL,
    key="user_id",
    description="`user_id` stopped following `followed_id`.",
)
class UserUnfollowed(Payload):
    user_id: str
    followed_id: str


class GroupAccess(StrEnum):
    public = "public"
    approval = "approval"


@event(
    "group.created",
    version=1,
    topic_name=SOCIAL,
    key="group_id",
    description="A group was created; its creator is its first member and moderator.",
)
class GroupCreated(Payload):
    group_id: str
    owner_id: str
    name: str
    topic: str | None = None
    profession: str | None = None
    city: str | None = None
    access: GroupAccess = GroupAccess.public


@event(
    "group.member_joined",
    version=1,
    topic_name=SOCIAL,
    key="group_id",
    description="`user_id` became a member of the group.",
)
class GroupMemberJoined(Payload):
    group_id: str
    user_id: str


@event(
    "group.member_left",
    version=1,
    topic_name=SOCIAL,
    key="group_id",
    description="`user_id` left (or was removed from) the group.",
)
class GroupMemberLeft(Payload):
    group_id: str
    user_id: str


@event(
    "documents.changed",
    version=1,
    topic_name=CACHE,
    key="collection",
    description="Internal to the feed: these documents of one of its collections were written "
    "(`ids` absent: any of them may have been), so every feed instance drops its copies. Sent "
    "straight after the write rather than through the outbox: a lost one only delays an "
    "instance's refresh until its copies expire.",
)
class DocumentsChanged(Payload):
    collection: str
    ids: list[str] | None = None
    instance: str = ""
