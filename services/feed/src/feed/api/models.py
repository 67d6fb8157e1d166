"""Request and response bodies of the feed API.

Input models forbid unknown fields (no mass assignment of ids, counts or authors) and cap every
length, so typed fields refuse objects such as `{"$gt": ""}` and huge bodies are refused before
any rule runs. The domain then applies the real limits (e.g. 3,000 characters of text) with
their own error codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Path
from jobfriends_shared.contracts.feed import Emoji, GroupAccess, PostKind, PostVisibility
from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9_-]+$"
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
PathId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
PathTag = Annotated[str, Path(min_length=1, max_length=100)]
LongText = Annotated[str, Field(max_length=20_000)]
Link = Annotated[str, Field(max_length=4096)]
Short = Annotated[str, Field(max_length=1000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostIn(Strict):
    text: LongText
    kind: PostKind = PostKind.update
    visibility: PostVisibility = PostVisibility.public
    group_id: Id | None = None
    links: list[Link] = Field(default_factory=list, max_length=20)


class PostPatch(Strict):
    text: LongText | None = None
    kind: PostKind | None = None
    visibility: PostVisibility | None = None
    links: list[Link] | None = Field(None, max_length=20)


class AuthorOut(BaseModel):
    id: str
    display_name: str | None = None
    headline: str | None = None
    profession: str | None = None
    city: str | None = None


class PostOut(BaseModel):
    id: str
    author: AuthorOut
    kind: PostKind
    text: str
    hashtags: list[str]
    mentions: list[str]
    links: list[str]
    visibility: PostVisibility
    group_id: str | None = None
    created_at: datetime
    edited_at: datetime | None = None
    reactions: dict[Emoji, int]
    my_reaction: Emoji | None = None
    comment_count: int


class ReactionIn(Strict):
    emoji: Emoji


class ReactionsOut(BaseModel):
    post_id: str
    my_reaction: Emoji | None = None
    reactions: dict[Emoji, int]


class CommentIn(Strict):
    text: LongText
    parent_id: Id | None = None


class CommentPatch(Strict):
    text: LongText


class CommentOut(BaseModel):
    id: str
    post_id: str
    parent_id: str | None = None
    author: AuthorOut
    text: str
    mentions: list[str]
    links: list[str]
    created_at: datetime
    edited_at: datetime | None = None
    reply_count: int | None = Field(None, description="For top-level comments")


class SettingsIn(Strict):
    auto_milestone_posts: bool | None = Field(
        None, description="Announce milestones recorded on your profile as posts"
    )


class SettingsOut(BaseModel):
    auto_milestone_posts: bool


class TrendingItem(BaseModel):
    hashtag: str
    posts: int


class TrendingOut(BaseModel):
    city: str | None = Field(description="The city counted; null means everywhere")
    window_hours: int
    items: list[TrendingItem]


class GroupIn(Strict):
    name: Short
    topic: Short | None = None
    profession: Annotated[str, Field(max_length=60)] | None = None
    city: Short | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    access: GroupAccess = GroupAccess.public


class GroupOut(BaseModel):
    id: str
    name: str
    topic: str | None = None
    profession: str | None = None
    city: str | None = None
    description: str | None = None
    access: GroupAccess
    owner_id: str
    created_at: datetime
    member_count: int
    my_status: Literal["member", "pending"] | None = None
    my_role: Literal["member", "moderator"] | None = None


class MembershipOut(BaseModel):
    group_id: str
    status: Literal["member", "pending"]


class MemberOut(BaseModel):
    user: AuthorOut
    status: Literal["member", "pending"]
    role: Literal["member", "moderator"]
    since: datetime
