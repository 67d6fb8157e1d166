"""What an event may hold: every bad input is a clear, coded client error."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from events.domain import event as rules
from jobfriends_shared.errors import Invalid

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def draft(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "UX research meetup",
        "description": "Designers sharing research methods.",
        "kind": "meetup",
        "topics": ["UX Research", "figma"],
        "professions": ["ux-designer"],
        "city": "Berlin",
        "venue_name": "Betahaus",
        "location": {"lat": 52.4986, "lon": 13.4030},
        "starts_at": datetime(2026, 3, 10, 18, 30),
        "ends_at": datetime(2026, 3, 10, 21, 0),
        "time_zone": "Europe/Berlin",
        "capacity": 30,
    }
    return {**base, **overrides}


def test_a_valid_draft_is_normalised_and_times_are_read_in_the_events_time_zone() -> None:
    event = rules.clean_event(draft(), NOW)
    assert event["starts_at"] == datetime(2026, 3, 10, 17, 30, tzinfo=UTC)
    assert event["topics"] == ["ux-research", "figma"]
    assert event["city_key"] == "berlin"
    assert {"ux", "research", "meetup", "designer", "figma"} <= set(event["keywords"])


def test_times_with_an_offset_are_taken_as_given() -> None:
    event = rules.clean_event(
        draft(
            starts_at=datetime(2026, 3, 10, 18, 0, tzinfo=UTC),
            ends_at=datetime(2026, 3, 10, 20, 0, tzinfo=UTC),
        ),
        NOW,
    )
    assert event["starts_at"] == datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"ends_at": datetime(2026, 3, 10, 18, 0)}, "ends_before_start"),
        ({"ends_at": datetime(2026, 3, 10, 18, 30)}, "ends_before_start"),
        (
            {"starts_at": datetime(2026, 3, 1, 18, 0), "ends_at": datetime(2026, 3, 1, 19, 0)},
            "starts_in_past",
        ),
        ({"capacity": 0}, "invalid_capacity"),
        ({"capacity": -5}, "invalid_capacity"),
        ({"capacity": 1_000_000}, "invalid_capacity"),
        ({"location": {"lat": 91, "lon": 13.4}}, "invalid_location"),
        ({"location": {"lat": 52.5, "lon": -180.5}}, "invalid_location"),
        ({"location": {"lat": float("nan"), "lon": 1}}, "invalid_location"),
        ({"time_zone": "Mars/Olympus_Mons"}, "unknown_time_zone"),
        ({"time_zone": ""}, "unknown_time_zone"),
        ({"professions": ["wizard"]}, "unknown_profession"),
        ({"topics": ["no spaces? ok", "bad/slash"]}, "invalid_tag"),
        ({"topics": [f"t{i}" for i in range(11)]}, "too_many"),
        ({"title": "  "}, "invalid_text"),
        ({"title": "nul\x00byte"}, "invalid_text"),
        ({"description": "x" * 5001}, "too_long"),
        ({"kind": "party"}, "invalid_kind"),
        ({"location": None}, "location_required"),
        ({"city": None}, "location_required"),
        ({"kind": "online", "location": None}, "online_url_required"),
        ({"kind": "online", "online_url": "ftp://example.org/x"}, "invalid_url"),
        ({"visibility": "group"}, "invalid_visibility"),
        ({"visibility": "secret"}, "invalid_visibility"),
        ({"ends_at": datetime(2026, 4, 20, 18, 0)}, "too_long_event"),
        (
            {"starts_at": datetime(2029, 3, 10, 18, 0), "ends_at": datetime(2029, 3, 10, 19, 0)},
            "too_far_ahead",
        ),
        # 02:30 on 29 March 2026 does not exist in Berlin (clocks jump from 02:00 to 03:00).
        (
            {"starts_at": datetime(2026, 3, 29, 2, 30), "ends_at": datetime(2026, 3, 29, 5, 0)},
            "nonexistent_local_time",
        ),
    ],
)
def test_bad_drafts_are_refused_with_a_precise_code(overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.clean_event(draft(**overrides), NOW)
    assert refused.value.code == code


def test_an_online_event_needs_no_venue() -> None:
    event = rules.clean_event(
        draft(kind="online", location=None, city=None, online_url="https://meet.example.org/x"),
        NOW,
    )
    assert event["location"] is None and event["online_url"] == "https://meet.example.org/x"


def test_an_edit_may_keep_a_start_that_has_passed_but_not_move_the_start_into_the_past() -> None:
    before = rules.clean_event(draft(), NOW)
    later = NOW + timedelta(days=9)  # the event started an hour ago... and is still on
    kept = rules.clean_event(
        {**before, "title": "New title"}, later - timedelta(hours=8), before=before
    )
    assert kept["title"] == "New title"
    with pytest.raises(Invalid) as refused:
        rules.clean_event({**before, "starts_at": NOW - timedelta(hours=1)}, NOW, before=before)
    assert refused.value.code == "starts_in_past"


def test_changed_fields_name_only_what_changed() -> None:
    before = rules.clean_event(draft(), NOW)
    after = rules.clean_event(
        {**before, "capacity": 40, "title": "UX research meetup"}, NOW, before=before
    )
    assert rules.changed_fields(before, after) == ["capacity"]


def test_city_keys_ignore_case_accents_and_spacing() -> None:
    assert rules.city_key("  München ") == rules.city_key("munchen") == "munchen"
    assert rules.city_key(None) is None
