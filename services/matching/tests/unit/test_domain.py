"""Matching's rules without servers: notes, request permissions, caps, tribes, nudges, words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jobfriends_shared.errors import Conflict, Forbidden, Invalid
from matching.domain import nudges, requests, tribe
from matching.domain.notes import draft_note
from matching.domain.nudges import Cadence, Milestone, StarterContext
from matching.domain.requests import Action, RequestState
from matching.ranking.model import EventInfo
from matching.ranking.wording import event_phrase, plural, profession_label, with_article

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("note", ["", "   ", "too short", "x" * 301, "nul\x00byte in a note"])
def test_a_note_must_say_why_in_10_to_300_printable_characters(note: str) -> None:
    with pytest.raises(Invalid):
        requests.clean_note(note)


def test_a_note_is_trimmed_and_kept() -> None:
    assert requests.clean_note("  Loved your talk on research ops \n") == (
        "Loved your talk on research ops"
    )
    assert len(requests.clean_note("x" * 300)) == 300


def test_nobody_can_ask_themselves() -> None:
    with pytest.raises(Invalid):
        requests.check_not_self("a", "a")


@pytest.mark.parametrize("action", [Action.accept, Action.decline])
def test_only_the_recipient_answers(action: Action) -> None:
    requests.check_actor(action, "to", "from", "to")
    for caller in ("from", "stranger"):
        with pytest.raises(Forbidden):
            requests.check_actor(action, caller, "from", "to")


def test_only_the_sender_withdraws() -> None:
    requests.check_actor(Action.withdraw, "from", "from", "to")
    with pytest.raises(Forbidden):
        requests.check_actor(Action.withdraw, "to", "from", "to")


def test_a_declined_request_looks_pending_to_its_sender_who_may_still_withdraw_it() -> None:
    assert requests.sender_view(RequestState.declined) is RequestState.pending
    requests.check_open_for(Action.withdraw, RequestState.declined, caller_is_sender=True)
    with pytest.raises(Conflict):
        requests.check_open_for(Action.accept, RequestState.declined, caller_is_sender=False)
    with pytest.raises(Conflict):
        requests.check_open_for(Action.withdraw, RequestState.accepted, caller_is_sender=True)


def test_retry_after_counts_to_midnight_or_to_a_moment() -> None:
    assert requests.seconds_until_next_day(datetime(2026, 3, 9, 23, 0, tzinfo=UTC)) == 3600
    assert requests.seconds_until(NOW + timedelta(seconds=90), NOW) == 90
    assert requests.seconds_until(NOW - timedelta(seconds=5), NOW) == 1
    assert requests.day_key(NOW) == "2026-03-09"


def test_tribe_progress_toward_15_to_30() -> None:
    assert tribe.progress(0).status == "building"
    assert tribe.progress(6).percent == 40
    assert tribe.progress(15).status == "complete"
    assert tribe.progress(30).status == "full"
    tribe.check_room(29)
    with pytest.raises(Conflict):
        tribe.check_room(30)
    with pytest.raises(Invalid):
        tribe.check_member("a", "a")


def test_reciprocity_in_words() -> None:
    assert tribe.reciprocity(0, 0) == "none_yet"
    assert tribe.reciprocity(2, 2) == "balanced"
    assert tribe.reciprocity(7, 1) == "you_give_more"
    assert tribe.reciprocity(0, 4) == "you_receive_more"


def test_a_friend_is_due_once_per_elapsed_period_since_last_contact() -> None:
    last = NOW - timedelta(days=29)
    assert nudges.due_at(last, Cadence.monthly, NOW) is None
    assert nudges.due_at(last, Cadence.monthly, NOW + timedelta(days=1)) == last + timedelta(
        days=30
    )
    # still the same period a week later: the same nudge id
    assert nudges.due_at(last, Cadence.monthly, NOW + timedelta(days=8)) == last + timedelta(
        days=30
    )
    assert nudges.due_at(last, Cadence.monthly, NOW + timedelta(days=32)) == last + timedelta(
        days=60
    )
    assert nudges.due_at(last, Cadence.none, NOW + timedelta(days=400)) is None
    assert nudges.due_at(last, Cadence.weekly, NOW) == last + timedelta(days=28)


def test_nudge_ids_and_slots_are_deterministic() -> None:
    due = NOW - timedelta(days=1)
    assert nudges.period_key("a", "b", due) == nudges.period_key("a", "b", due)
    assert nudges.period_key("a", "b", due) != nudges.period_key("b", "a", due)
    assert nudges.slot_ids("a", "b", nudges.month_key(NOW)) == [
        "a|b|2026-03#0",
        "a|b|2026-03#1",
        "a|b|2026-03#2",
    ]


def test_conversation_starters_prefer_the_most_concrete_context() -> None:
    last = NOW - timedelta(days=40)
    meetup = EventInfo(
        "e", "DesignHour", NOW + timedelta(days=3, hours=9), "meetup", "Europe/Berlin"
    )
    full = StarterContext(
        friend_name="Mia Lopez",
        last_contact=last,
        milestones=[Milestone("new_job", "Lead designer", "Acme")],
        shared_events=[meetup],
        help_requests=["Looking for a usability tester for our app"],
        posts=["Shipped our design system today"],
    )
    kind, text = nudges.conversation_starter(full, NOW)
    assert kind == "friend_milestone"
    assert text == "Mia started a new job as Lead designer at Acme. Say congratulations?"
    kind, text = nudges.conversation_starter(
        StarterContext("Mia", last, shared_events=[meetup], posts=["x"]), NOW
    )
    assert (kind, text) == (
        "shared_event",
        "You are both going to Thursday's DesignHour meetup. Suggest meeting there?",
    )
    kind, text = nudges.conversation_starter(
        StarterContext("Mia", last, help_requests=["Need a tester"], posts=["x"]), NOW
    )
    assert kind == "help_request" and "“Need a tester”" in text
    kind, text = nudges.conversation_starter(StarterContext("Mia", last, posts=["Shipped it"]), NOW)
    assert kind == "recent_post" and "Shipped it" in text
    kind, text = nudges.conversation_starter(StarterContext("Mia", last), NOW)
    assert (kind, text) == (
        "catch_up",
        "It has been 5 weeks since you and Mia last talked. Ask how work is going?",
    )


def test_a_drafted_note_speaks_from_the_sender_and_fits_the_limits() -> None:
    sentence = "You are both UX designers in Kreuzberg and share 3 friends."
    note = draft_note("Mia Lopez", sentence, "Berlin")
    assert note == (
        "Hi Mia, we are both UX designers in Kreuzberg and share 3 friends. Would love to connect."
    )
    assert requests.clean_note(note) == note
    long = draft_note("Mia", "You " + "share many things, " * 40 + "and more.", None)
    assert len(long) <= requests.NOTE_MAX
    requests.clean_note(long)
    plain = draft_note("Mia", None, "Berlin")
    assert "Berlin" in plain
    requests.clean_note(plain)


def test_profession_words() -> None:
    assert profession_label("ux-designer") == "UX designer"
    assert profession_label("devops-engineer") == "DevOps engineer"
    assert plural("UX designer") == "UX designers"
    assert plural("sales representative") == "sales representatives"
    assert with_article("illustrator") == "an illustrator"
    assert with_article("UX designer") == "a UX designer"
    assert with_article("HR manager") == "an HR manager"


def test_events_are_named_by_how_soon_they_are() -> None:
    def at(days: float) -> EventInfo:
        return EventInfo("e", "DesignHour", NOW + timedelta(days=days), "meetup", "Europe/Berlin")

    assert event_phrase(at(0.2), NOW) == "today's DesignHour meetup"
    assert event_phrase(at(1), NOW) == "tomorrow's DesignHour meetup"
    assert event_phrase(at(3), NOW) == "Thursday's DesignHour meetup"
    assert event_phrase(at(12), NOW) == "the DesignHour meetup on 21 March"
    workshop = EventInfo("w", "Figma Workshop", NOW + timedelta(days=2), "workshop")
    assert event_phrase(workshop, NOW) == "Wednesday's Figma Workshop"
