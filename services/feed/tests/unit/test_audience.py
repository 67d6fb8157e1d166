"""Stored audiences: what a fan-out reads, and how one person's change patches it."""

from __future__ import annotations

from feed.domain.audience import build, decode, needs_rebuild, patch


def test_an_audience_lists_each_member_once_and_counts_people_across_lists() -> None:
    stored = build({"connections": ["b", "c"], "followers": ["c", "d", "d"]}, threshold=10)
    audience = decode(stored)
    assert audience.size == 3
    assert audience.lists == {"connections": ["b", "c"], "followers": ["c", "d"]}


def test_a_follow_and_an_unfollow_patch_only_that_person() -> None:
    stored = build({"connections": ["b"], "followers": ["c"]}, threshold=10)
    followed = patch(stored, "d", {"followers": True}, threshold=10)
    assert decode(followed).lists == {"connections": ["b"], "followers": ["c", "d"]}
    unfollowed = patch(followed, "c", {"followers": False}, threshold=10)
    assert decode(unfollowed).lists == {"connections": ["b"], "followers": ["d"]}
    assert patch(unfollowed, "d", {"followers": True}, threshold=10) == unfollowed


def test_an_audience_over_the_threshold_keeps_its_size_only_and_stays_big() -> None:
    stored = build({"followers": ["a", "b"]}, threshold=2)
    grown = patch(stored, "c", {"followers": True}, threshold=2)
    assert decode(grown).big and decode(grown).size == 3
    assert patch(grown, "c", {"followers": False}, threshold=2) == grown
    assert not needs_rebuild(grown, threshold=2)
    assert needs_rebuild(grown, threshold=5)  # the threshold was raised: read it afresh
    assert needs_rebuild(None, threshold=5)
