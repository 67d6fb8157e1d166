"""Who sees which post, what belongs in a home timeline, ranks, milestone posts, groups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from feed.domain import groups
from feed.domain.groups import Role, Status
from feed.domain.posts import (
    Facts,
    audience_sources,
    belongs_in_home,
    can_see,
    check_placement,
    milestone_post_id,
    milestone_text,
    rank,
    surfaced,
)
from jobfriends_shared.contracts.feed import GroupAccess, PostVisibility
from jobfriends_shared.contracts.identity import MilestoneKind
from jobfriends_shared.errors import Conflict, Forbidden, Invalid


def post(visibility: str = "public", author: str = "a", **extra: Any) -> dict[str, Any]:
    return {"_id": "p", "author_id": author, "visibility": visibility, "kind": "update", **extra}


@pytest.mark.parametrize(
    ("visibility", "facts", "visible"),
    [
        ("public", Facts("v"), True),
        ("public", Facts("v", blocked=frozenset({"a"})), False),
        ("connections", Facts("v"), False),
        ("connections", Facts("v", connected=frozenset({"a"})), True),
        ("connections", Facts("v", connected=frozenset({"a"}), blocked=frozenset({"a"})), False),
        ("group", Facts("v"), False),
        ("group", Facts("v", connected=frozenset({"a"})), False),
        ("group", Facts("v", groups=frozenset({"g"})), True),
        ("group", Facts("a"), True),  # the author
    ],
)
def test_visibility(visibility: str, facts: Facts, visible: bool) -> None:
    assert can_see(post(visibility, group_id="g"), facts) is visible


def test_deleted_posts_are_seen_by_nobody() -> None:
    assert not can_see(post(deleted=True), Facts("a"))


@pytest.mark.parametrize(
    ("the_post", "facts", "in_home"),
    [
        (post(), Facts("v"), False),  # public, but no reason to be in v's timeline
        (post(), Facts("v", following=frozenset({"a"})), True),
        (post(), Facts("v", connected=frozenset({"a"})), True),
        (post(hashtags=["ux"]), Facts("v", hashtags=frozenset({"ux"})), True),
        (post("connections", hashtags=["ux"]), Facts("v", hashtags=frozenset({"ux"})), False),
        (post("connections"), Facts("v", following=frozenset({"a"})), False),
        (post(), Facts("a"), True),
        (post(), Facts("v", following=frozenset({"a"}), blocked=frozenset({"a"})), False),
    ],
)
def test_what_belongs_in_a_home_timeline(
    the_post: dict[str, Any], facts: Facts, in_home: bool
) -> None:
    assert belongs_in_home(the_post, facts) is in_home


def test_only_recent_help_and_milestones_from_the_tribe_are_surfaced() -> None:
    facts = Facts("v", connected=frozenset({"a", "b"}))
    help_post = post(kind="help_request", rank="2")
    assert surfaced(help_post, ["a"], "1", facts)
    assert not surfaced(help_post, ["b"], "1", facts)  # not in the tribe
    assert not surfaced(help_post, ["a"], "3", facts)  # too old
    assert not surfaced({**help_post, "kind": "tip"}, ["a"], "1", facts)


def test_ranks_sort_by_time_then_id() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    later = rank(t + timedelta(milliseconds=1), "a")
    assert rank(t, "b") < later
    assert rank(t, "a") < rank(t, "b")
    assert sorted([later, rank(t, "z")]) == [rank(t, "z"), later]


def test_a_milestone_always_maps_to_the_same_post() -> None:
    assert milestone_post_id("m1") == milestone_post_id("m1") != milestone_post_id("m2")
    assert len(milestone_post_id("m1")) == 32
    text = milestone_text(MilestoneKind.new_job, "Designer", "Acme")
    assert "Designer" in text and "Acme" in text


def test_group_placement() -> None:
    check_placement(PostVisibility.group, "g")
    check_placement(PostVisibility.public, None)
    with pytest.raises(Invalid):
        check_placement(PostVisibility.group, None)
    with pytest.raises(Invalid):
        check_placement(PostVisibility.connections, "g")


def test_who_a_post_is_fanned_out_to() -> None:
    assert audience_sources(post(hashtags=["ux"])) == [
        ("author:a", ("connections", "followers")),
        ("tag:ux", ("followers",)),
    ]
    assert audience_sources(post("connections", hashtags=["ux"])) == [
        ("author:a", ("connections",))
    ]
    assert audience_sources(post("group", group_id="g")) == [("group:g", ("members",))]


def test_joining_depends_on_the_groups_access() -> None:
    assert groups.join_status(GroupAccess.public, None) == Status.member
    assert groups.join_status(GroupAccess.approval, None) == Status.pending
    assert groups.join_status(GroupAccess.approval, Status.left) == Status.pending
    assert groups.join_status(GroupAccess.approval, Status.member) == Status.member


def test_moderation_rules() -> None:
    groups.require_moderator(Role.moderator, Status.member)
    with pytest.raises(Forbidden):
        groups.require_moderator(Role.member, Status.member)
    with pytest.raises(Forbidden):
        groups.require_moderator(Role.moderator, Status.left)
    groups.check_can_leave(Role.moderator, 2)
    groups.check_can_leave(Role.member, 0)
    with pytest.raises(Conflict):
        groups.check_can_leave(Role.moderator, 1)


def test_group_fields_are_cleaned() -> None:
    cleaned = groups.clean_group(" UX ", None, "ux-designer", " Berlin ", None)
    assert cleaned == {
        "name": "UX",
        "topic": None,
        "city": "Berlin",
        "description": None,
        "profession": "ux-designer",
    }
    with pytest.raises(Invalid):
        groups.clean_group("UX", None, "wizard", None, None)
