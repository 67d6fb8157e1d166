"""The in-memory index's deltas, without servers: facts, their order, and derived state."""

from __future__ import annotations

from typing import Any

from jobfriends_shared.clock import ControlledClock
from matching.service.deltas import (
    block_op,
    drop_op,
    listed_op,
    member_op,
    pair_op,
    profile_op,
    support_op,
)
from matching.service.live import LiveIndex


def live() -> LiveIndex:
    repos: Any = None  # applying deltas never touches the store
    return LiveIndex(repos, ControlledClock(), writer="w")


def test_a_later_fact_wins_even_when_an_earlier_one_arrives_after_it() -> None:
    index = live()
    index.apply([member_op("group", "g1", "ana", True)], seq=20)
    index.apply([member_op("group", "g1", "ana", False)], seq=10)  # late, older
    assert index.index.user_groups["ana"] == {"g1"}
    index.apply([member_op("group", "g1", "ana", False)], seq=30)
    assert "ana" not in index.index.user_groups
    index.apply([member_op("group", "g1", "ana", False)], seq=30)  # the same again: harmless
    assert "g1" not in index.index.group_members


def test_hidden_stays_while_either_side_still_blocks() -> None:
    index = live()
    index.apply([block_op("ana", "ben", True), block_op("ben", "ana", True)], seq=1)
    index.apply([block_op("ana", "ben", False)], seq=2)
    assert "ben" in index.index.hidden["ana"]
    assert index.blocked("ben", "ana") and not index.blocked("ana", "ben")
    index.apply([block_op("ben", "ana", False)], seq=3)
    assert "ana" not in index.index.hidden


def test_support_is_counted_per_fact_and_can_be_taken_back() -> None:
    index = live()
    index.apply([support_op("r1", "ana", "ben", True), support_op("c1", "ana", "ben", True)], 1)
    index.apply([support_op("r2", "ben", "ana", True)], 1)
    assert index.support_between("ana", "ben") == (2, 1)
    index.apply([support_op("r1", "ana", "ben", False)], 2)
    assert index.support_between("ana", "ben") == (1, 1)


def test_stored_lists_give_the_reverse_map_and_a_drop_clears_everything() -> None:
    index = live()
    index.apply(
        [
            profile_op("ana", {"display_name": "Ana", "profession": "chef"}),
            profile_op("ben", {"display_name": "Ben"}),
            pair_op("friends", "ana", "ben", True),
            listed_op("ana", {"job_friends": ("ben", "cleo")}, "sig"),
            listed_op("ben", {"job_friends": ("ana",)}, "sig2"),
        ],
        seq=1,
    )
    assert index.holders["cleo"] == {"ana"}
    assert index.index.people["ana"].family == "hospitality"
    index.apply([listed_op("ana", {"job_friends": ("ben",)}, "sig3")], seq=2)
    assert "cleo" not in index.holders
    index.apply([drop_op("ana")], seq=3)
    assert "ana" not in index.index.people
    assert "ana" not in index.index.friends.get("ben", set())
    assert "ana" not in index.lists and index.holders.get("ana") == {"ben"}
    index.apply([profile_op("ana", {"display_name": "Back"})], seq=2)  # older than the drop
    assert "ana" not in index.index.people
