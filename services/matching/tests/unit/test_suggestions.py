"""Suggestions built from other services' events: ranked, explained, announced, and filtered
for anyone blocked, dismissed, connected or deleted."""

from datetime import timedelta

from jobfriends_shared.contracts.events import EventCreated, EventKind, RsvpChanged, RsvpStatus
from jobfriends_shared.contracts.identity import UserBlocked, UserDeleted, UserUnblocked
from jobfriends_shared.contracts.matching import SuggestionsRefreshed
from jobfriends_shared.fakes import recorded
from matching.ranking import Intent

from .conftest import KREUZBERG, START, UX, Matching


async def designers(matching: Matching) -> tuple[str, str, str]:
    """Two UX designers in Kreuzberg who share a friend and an event, and a copywriter."""
    local = {"neighbourhood": "Kreuzberg", "location": KREUZBERG, "skills": ["figma"], **UX}
    ana = await matching.person("ana", "Ana", **local)
    ben = await matching.person("ben", "Ben Ortiz", **local)
    eve = await matching.person("eve", "Eve", profession="copywriter", city="Berlin")
    await matching.connect(ana, eve)
    await matching.connect(ben, eve)
    starts = START + timedelta(days=3, hours=9)
    await matching.hear(
        EventCreated(
            event_id="designhour",
            host_id="host",
            title="DesignHour",
            kind=EventKind.meetup,
            city="Berlin",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            time_zone="Europe/Berlin",
        )
    )
    for user in (ana, ben):
        going = RsvpChanged(event_id="designhour", user_id=user, status=RsvpStatus.going)
        await matching.hear(going)
    return ana, ben, eve


async def test_a_close_match_comes_first_with_its_reasons(matching: Matching) -> None:
    ana, ben, _ = await designers(matching)
    items, _, hint = await matching.suggestions.matches(ana, Intent.job_friends, 0, 10)
    assert hint is None
    first = items[0]
    assert (first["user_id"], first["display_name"]) == (ben, "Ben Ortiz")
    assert first["sentence"] and first["reasons"]
    assert {r["kind"] for r in first["reasons"]} >= {"same_profession"}
    refreshed = await recorded(matching.db, SuggestionsRefreshed)
    assert any(r.user_id == ana and ben in r.top for r in refreshed)


async def test_blocked_dismissed_and_deleted_people_are_not_suggested(matching: Matching) -> None:
    ana, ben, _ = await designers(matching)
    cy = await matching.person("cy", "Cy", neighbourhood="Kreuzberg", location=KREUZBERG, **UX)
    assert {ben, cy} <= set(await matching.match_ids(ana))
    await matching.hear(UserBlocked(blocker_id=ben, blocked_id=ana))
    assert ben not in await matching.match_ids(ana)
    assert ana not in await matching.match_ids(ben)
    await matching.hear(UserUnblocked(blocker_id=ben, blocked_id=ana))
    assert ben in await matching.match_ids(ana)
    await matching.suggestions.dismiss(ana, ben)
    assert ben not in await matching.match_ids(ana)
    await matching.hear(UserDeleted(user_id=cy))
    assert cy not in await matching.match_ids(ana)


async def test_people_without_a_profile_are_told_what_is_missing(matching: Matching) -> None:
    items, _, hint = await matching.suggestions.matches("nobody", Intent.job_friends, 0, 10)
    assert items == []
    assert hint is not None and "profile" in hint


async def test_connected_people_are_no_longer_suggested(matching: Matching) -> None:
    ana, ben, _ = await designers(matching)
    assert ben in await matching.match_ids(ana)
    await matching.connect(ana, ben)
    assert ben not in await matching.match_ids(ana)
