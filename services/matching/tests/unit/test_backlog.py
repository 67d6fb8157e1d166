"""The refresh backlog: coalescing, order, and what a change leaves to trace it by."""

from __future__ import annotations

from matching.domain.backlog import RefreshBacklog


def test_a_person_marked_many_times_waits_once_in_their_first_place() -> None:
    backlog = RefreshBacklog()
    backlog.mark(["ana", "ben"], "c1")
    backlog.mark(["cem", "ana"], "c2")
    assert len(backlog) == 3
    assert backlog.take(2) == {"ana": "c2", "ben": "c1"}  # ana keeps her place, latest cause
    assert backlog.take(5) == {"cem": "c2"}
    assert backlog.take(5) == {}


def test_people_recomputed_anyway_leave_the_backlog() -> None:
    backlog = RefreshBacklog()
    backlog.mark(["ana", "ben", "cem"])
    backlog.discard(["ben"])
    assert backlog.take_one("cem") is None and "cem" not in backlog
    assert list(backlog.take(10)) == ["ana"]
