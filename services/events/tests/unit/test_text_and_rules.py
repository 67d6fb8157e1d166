"""Search tokens, visibility, recommendation scoring, seats, check-ins and reminders."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from events.domain import attendance, discovery, text
from events.domain.attendance import Lead
from events.domain.discovery import Profile, Query, Viewer
from jobfriends_shared.contracts.events import RsvpStatus
from jobfriends_shared.errors import Conflict, Invalid

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_tokens_fold_case_and_accents_drop_plurals_and_stop_words() -> None:
    assert text.tokens("The Designers' Café in Kreuzberg, for UX-Workshops!") == [
        "designer",
        "cafe",
        "kreuzberg",
        "ux",
        "workshop",
    ]
    assert text.query_tokens("the a of") == []


def test_keywords_include_tags_and_are_capped() -> None:
    words = text.keywords("Title", " ".join(f"w{i}" for i in range(500)), extra=["ux-research"])
    assert len(words) == text.MAX_KEYWORDS
    assert text.keywords("Hi", None, extra=["ux-research"]) == ["hi", "ux", "research"]


def event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "_id": "e1",
        "host_id": "host",
        "group_id": None,
        "visibility": "public",
        "status": "scheduled",
        "starts_at": NOW + timedelta(days=1),
        "ends_at": NOW + timedelta(days=1, hours=2),
        "city_key": "berlin",
        "topics": ["ux-research"],
        "professions": ["ux-designer"],
        "kind": "meetup",
        "keywords": ["ux", "research", "meetup"],
    }
    return {**base, **overrides}


@pytest.mark.parametrize(
    ("overrides", "viewer", "visible"),
    [
        ({}, Viewer("ana"), True),
        ({}, Viewer("ana", blocked=frozenset({"host"})), False),
        ({"visibility": "connections"}, Viewer("ana"), False),
        ({"visibility": "connections"}, Viewer("ana", connections=frozenset({"host"})), True),
        ({"visibility": "group", "group_id": "g"}, Viewer("ana"), False),
        ({"visibility": "group", "group_id": "g"}, Viewer("ana", groups=frozenset({"g"})), True),
        ({"visibility": "connections"}, Viewer("host"), True),
    ],
)
def test_who_can_see_an_event(overrides: dict[str, Any], viewer: Viewer, visible: bool) -> None:
    assert discovery.can_see(event(**overrides), viewer) is visible


@pytest.mark.parametrize(
    ("query", "overrides", "found"),
    [
        (Query(), {}, True),
        (Query(), {"status": "cancelled"}, False),
        (Query(), {"ends_at": NOW}, False),
        (Query(city_key="berlin"), {}, True),
        (Query(city_key="hamburg"), {}, False),
        (Query(topic="ux-research"), {}, True),
        (Query(topic="sql"), {}, False),
        (Query(profession="ux-designer"), {}, True),
        (Query(profession="nurse"), {}, False),
        (Query(tokens=("ux", "meetup")), {}, True),
        (Query(tokens=("ux", "party")), {}, False),
        (Query(starts_from=NOW + timedelta(days=2)), {}, False),
        (Query(starts_to=NOW + timedelta(days=2)), {}, True),
        (Query(kind="workshop"), {}, False),
        (Query(only_ids=frozenset({"e2"})), {}, False),
    ],
)
def test_discovery_filters_in_code(query: Query, overrides: dict[str, Any], found: bool) -> None:
    assert discovery.matches(event(**overrides), query, Viewer("ana"), NOW) is found


def test_a_radius_beyond_the_limit_or_an_empty_range_is_refused() -> None:
    with pytest.raises(Invalid):
        Query(near=discovery.Near(52, 13, 500)).check()
    with pytest.raises(Invalid):
        Query(near=discovery.Near(52, 13, 0)).check()
    with pytest.raises(Invalid):
        Query(starts_from=NOW, starts_to=NOW).check()


def test_recommendation_scores_profession_interests_friends_and_closeness() -> None:
    me = Profile(profession="ux-designer", interests=frozenset({"ux-research"}), city_key="berlin")
    base = discovery.score(event(), me, 0, 0, None)
    assert base == 3 + 2 + 1
    assert discovery.score(event(), me, 2, 1, 1.0) == base + 4 + 1.5 + 1
    same_family = Profile(profession="ui-designer")
    assert discovery.score(event(), same_family, 0, 0, None) == 1
    assert discovery.score(event(), Profile(), 0, 0, None) == 0


def test_seats_go_by_rank_and_the_waitlist_counts_from_one() -> None:
    assert attendance.seat_status(4, 5) == RsvpStatus.going
    assert attendance.seat_status(5, 5) == RsvpStatus.waitlisted
    assert attendance.seat_status(10_000, None) == RsvpStatus.going
    assert attendance.waitlist_position(5, 5) == 1
    assert attendance.waitlist_position(4, 5) is None


def test_rsvps_close_for_cancelled_and_finished_events() -> None:
    with pytest.raises(Conflict) as cancelled:
        attendance.check_open_for_rsvp(event(status="cancelled"), NOW)
    assert cancelled.value.code == "event_cancelled"
    with pytest.raises(Conflict) as over:
        attendance.check_open_for_rsvp(event(), NOW + timedelta(days=2))
    assert over.value.code == "event_over"


def test_check_in_is_open_from_an_hour_before_until_two_hours_after() -> None:
    e = event()
    with pytest.raises(Conflict):
        attendance.check_checkin(e, e["starts_at"] - timedelta(hours=2))
    attendance.check_checkin(e, e["starts_at"] - timedelta(minutes=30))
    attendance.check_checkin(e, e["ends_at"] + timedelta(hours=1))
    with pytest.raises(Conflict):
        attendance.check_checkin(e, e["ends_at"] + timedelta(hours=3))


@pytest.mark.parametrize(
    ("before_start", "lead"),
    [
        (timedelta(hours=30), None),
        (timedelta(hours=24), Lead.day),
        (timedelta(hours=5), Lead.day),
        (timedelta(hours=1), Lead.hour),
        (timedelta(minutes=1), Lead.hour),
        (timedelta(0), None),
        (-timedelta(minutes=5), None),
    ],
)
def test_which_reminder_is_due(before_start: timedelta, lead: Lead | None) -> None:
    starts = NOW + timedelta(days=3)
    assert attendance.due_lead(starts, starts - before_start) == lead


def test_reminder_ids_change_when_the_start_moves() -> None:
    starts = NOW + timedelta(days=1)
    a = attendance.reminder_id("e", "u", Lead.day, starts)
    assert a == attendance.reminder_id("e", "u", Lead.day, starts)
    assert a != attendance.reminder_id("e", "u", Lead.day, starts + timedelta(hours=1))
    assert a != attendance.reminder_id("e", "u", Lead.hour, starts)
