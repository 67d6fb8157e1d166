"""Who may see a post, why it belongs in someone's home timeline, and how posts are ordered.

Visibility is decided from *facts* about the viewer's relations to the authors and groups in
question (connected? blocked either way? member? following?), gathered by the service for a
batch of posts at once; the rules themselves stay here, in one place, for every list endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobfriends_shared.contracts.feed import Emoji, PostKind, PostVisibility
from jobfriends_shared.contracts.identity import MilestoneKind
from jobfriends_shared.errors import Invalid

EMOJIS = tuple(e.value for e in Emoji)
SURFACED_KINDS = (PostKind.help_request.value, PostKind.milestone.value)
_MILESTONE_NAMESPACE = uuid.UUID("6f0c6c64-5d0e-4a8a-9a53-5b1f0e3c7a21")


def rank(created_at: datetime, post_id: str) -> str:
    """A sort key that orders posts newest-first when sorted descending and never ties:
    zero-padded epoch milliseconds, then the post id. Cursors carry it as is."""
    millis = int(created_at.timestamp() * 1000)
    return f"{millis:015d}:{post_id}"


def milestone_post_id(milestone_id: str) -> str:
    """The automatic post for a milestone has an id derived from the milestone, so however
    often the event arrives there is only ever one."""
    return uuid.uuid5(_MILESTONE_NAMESPACE, f"milestone:{milestone_id}").hex


def milestone_text(kind: MilestoneKind, title: str, organisation: str | None) -> str:
    where = f" at {organisation}" if organisation else ""
    if kind == MilestoneKind.new_job:
        return f"Started a new job: {title}{where} 🎉"
    if kind == MilestoneKind.promotion:
        return f"Promoted: {title}{where} 🎉"
    return f"Work anniversary: {title}{where} 🎉"


def check_placement(visibility: PostVisibility, group_id: str | None) -> None:
    if visibility == PostVisibility.group and not group_id:
        raise Invalid("group_id: a group post needs its group", code="group_required")
    if visibility != PostVisibility.group and group_id:
        raise Invalid(
            "group_id: only group posts belong to a group (visibility must be 'group')",
            code="group_not_allowed",
        )


@dataclass(frozen=True)
class Facts:
    """What is known about the viewer's relations, for the authors/groups/tags asked about."""

    viewer_id: str
    blocked: frozenset[str] = frozenset()  # authors blocked by or blocking the viewer
    connected: frozenset[str] = frozenset()
    following: frozenset[str] = frozenset()
    hashtags: frozenset[str] = frozenset()  # followed by the viewer
    groups: frozenset[str] = frozenset()  # the viewer is a member of
    extra: Mapping[str, Any] = field(default_factory=dict)


def can_see(post: Mapping[str, Any], facts: Facts) -> bool:
    """Every list and every read goes through this."""
    if post.get("deleted"):
        return False
    author = post["author_id"]
    if author == facts.viewer_id:
        return True
    if author in facts.blocked:
        return False
    visibility = post["visibility"]
    if visibility == PostVisibility.public:
        return True
    if visibility == PostVisibility.connections:
        return author in facts.connected
    return post.get("group_id") in facts.groups


def belongs_in_home(post: Mapping[str, Any], facts: Facts) -> bool:
    """A visible post is in the home timeline when the viewer wrote it, is connected to its
    author, follows the author (public posts), follows one of its hashtags (public posts) or is
    a member of its group. Decided at read time, so an unfollow takes effect at once even
    though older timeline entries are only trimmed later."""
    if not can_see(post, facts):
        return False
    author = post["author_id"]
    if author == facts.viewer_id:
        return True
    visibility = post["visibility"]
    if visibility == PostVisibility.group:
        return True  # can_see already required membership
    if author in facts.connected:
        return True
    if visibility != PostVisibility.public:
        return False
    return author in facts.following or any(t in facts.hashtags for t in post.get("hashtags", ()))


def surfaced(post: Mapping[str, Any], tribe: Iterable[str], not_before: str, facts: Facts) -> bool:
    """Help requests and milestones from the viewer's tribe go to the top of the first page
    while they are recent (rank at or after `not_before`)."""
    return (
        post.get("kind") in SURFACED_KINDS
        and post["author_id"] in set(tribe)
        and str(post.get("rank", "")) >= not_before
        and belongs_in_home(post, facts)
    )


def audience_sources(post: Mapping[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """Whose audiences a post goes to, as (source, lists of that source's audience):
    a public post to its author's connections and followers and to its hashtags' followers; a
    connections-only post to the author's connections; a group post to the group's members."""
    visibility = post["visibility"]
    author = f"author:{post['author_id']}"
    if visibility == PostVisibility.group:
        return [(f"group:{post['group_id']}", ("members",))]
    if visibility == PostVisibility.connections:
        return [(author, ("connections",))]
    tags = [(f"tag:{t}", ("followers",)) for t in post.get("hashtags", ())]
    return [(author, ("connections", "followers")), *tags]


def widens(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether an edit can have added people to a post's audience: it made the post public, or
    gave a public post a new hashtag. Only then is the post fanned out again (re-inserting
    10,000 existing entries is not free); a narrower audience needs nothing, as every read
    checks visibility."""
    if after["visibility"] != PostVisibility.public:
        return False
    if before["visibility"] != PostVisibility.public:
        return True
    return bool(set(after.get("hashtags", ())) - set(before.get("hashtags", ())))


def trending_tags(post: Mapping[str, Any]) -> tuple[str, ...]:
    """The hashtags a post counts for in trending: a public post's, none of any other's."""
    if post.get("visibility") != PostVisibility.public:
        return ()
    return tuple(post.get("hashtags", ()))
