"""The head of a grouped notification, without servers."""

from notifications.domain.groups import Head


def test_contributors_are_counted_once_and_the_latest_named_first() -> None:
    head = Head("ana", "post_reacted:p1")
    for i, actor in enumerate(["ben", "cara", "dan", "eve"]):
        head = head.contribute(actor, {"emoji": "like"}, f"ev{i}")
    assert head.count == 4
    assert head.latest == ("eve", "dan", "cara")
    assert set(head.details) == {"eve", "dan", "cara"}


def test_a_redelivered_contribution_or_withdrawal_changes_nothing() -> None:
    head = Head("ana", "g").contribute("ben", {}, "ev1")
    assert head.contribute("ben", {}, "ev1") == head
    gone = head.withdraw("ben", "ev2")
    assert gone.withdraw("ben", "ev2") == gone
    assert gone.count == 0 and gone.latest == ()


def test_changing_a_detail_of_someone_named_keeps_the_count() -> None:
    head = Head("ana", "g").contribute("ben", {"emoji": "like"}, "ev1")
    changed = head.change_detail("ben", {"emoji": "love"})
    assert changed.count == 1 and changed.details["ben"] == {"emoji": "love"}
    assert head.change_detail("zed", {"emoji": "love"}) == head


def test_a_newer_version_replaces_the_shown_one_and_an_older_never_does() -> None:
    head, previous = Head("ana", "g").showing("n1", 5)
    assert (head.current, previous) == ("n1", None)
    head, previous = head.showing("n2", 9)
    assert (head.current, previous) == ("n2", "n1")
    same, previous = head.showing("n1", 5)
    assert same == head and previous is None


def test_a_head_with_people_counted_but_none_named_needs_a_recount() -> None:
    head = Head("ana", "g", count=5, latest=())
    assert head.needs_recount
    assert not Head("ana", "g").needs_recount
