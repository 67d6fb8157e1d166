"""Keep in touch: nudges when a friend is overdue, with a concrete starter; never doubled,
never skipped, at most three a month, across restarts (ControlledClock + real store)."""

from __future__ import annotations

from datetime import timedelta

from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.contracts.events import EventCreated, RsvpChanged, RsvpStatus
from jobfriends_shared.contracts.feed import CommentAdded
from jobfriends_shared.contracts.identity import MilestoneKind, MilestoneRecorded
from jobfriends_shared.envelope import Envelope

from .conftest import KREUZBERG, START, AppFactory, Matching, days

UX = {"profession": "ux-designer", "city": "Berlin", "location": KREUZBERG}


async def friends(matching: Matching) -> tuple[str, str]:
    ana = await matching.person("ana", "Ana Diaz", **UX)
    ben = await matching.person("ben", "Ben Ortiz", **UX)
    await matching.connect(ana, ben)
    return ana, ben


async def nudges(matching: Matching) -> list[Envelope]:
    return await matching.published("matching.connections", "nudge.due")


async def test_an_overdue_friend_gets_one_nudge_per_period_even_across_restarts(
    make_matching: AppFactory,
) -> None:
    clock = ControlledClock(START)
    async with make_matching(clock) as matching:
        ana, ben = await friends(matching)
        clock.advance(days(29))
        assert await matching.run_job("nudges") == 0
        clock.advance(days(2))
        assert await matching.run_job("nudges") == 2  # each of them about the other
        assert await matching.run_job("nudges") == 0
        first = await nudges(matching)
    async with make_matching(clock) as restarted:
        assert await restarted.run_job("nudges") == 0
        clock.advance(days(3))  # same period: still nothing new
        assert await restarted.run_job("nudges") == 0
        assert len(await nudges(restarted)) == 2
    (to_ana,) = [e for e in first if e.payload["user_id"] == ana]
    assert to_ana.payload["friend_id"] == ben
    assert to_ana.payload["cadence"] == "monthly"
    assert to_ana.payload["starter_kind"] == "catch_up"
    assert to_ana.payload["starter"] == (
        "It has been 4 weeks since you and Ben last talked. Ask how work is going?"
    )
    assert to_ana.payload["reason"] == "no contact for 31 days (monthly cadence)"


async def test_starters_come_from_milestones_and_shared_events(matching: Matching) -> None:
    ana, ben = await friends(matching)
    matching.clock.advance(days(25))
    await matching.feed(
        MilestoneRecorded(
            user_id=ben,
            milestone_id="m1",
            kind=MilestoneKind.new_job,
            title="Lead designer",
            organisation="Acme",
            on=(START + days(25)).date(),
        )
    )
    await matching.feed(
        EventCreated(
            event_id="e1",
            host_id="h",
            title="DesignHour",
            kind="meetup",
            starts_at=START + days(33),
            ends_at=START + days(33) + timedelta(hours=2),
            time_zone="Europe/Berlin",
        )
    )
    for user in (ana, ben):
        await matching.feed(RsvpChanged(event_id="e1", user_id=user, status=RsvpStatus.going))
    matching.clock.advance(days(6))
    assert await matching.run_job("nudges") == 2
    by_user = {e.payload["user_id"]: e.payload for e in await nudges(matching)}
    assert by_user[ana]["starter_kind"] == "friend_milestone"
    assert by_user[ana]["starter"] == (
        "Ben started a new job as Lead designer at Acme. Say congratulations?"
    )
    assert by_user[ben]["starter_kind"] == "shared_event"
    assert "You are both going to Saturday's DesignHour meetup" in by_user[ben]["starter"]


async def test_an_interaction_resets_the_clock(matching: Matching) -> None:
    ana, ben = await friends(matching)
    matching.clock.advance(days(20))
    await matching.feed(
        CommentAdded(comment_id="c1", post_id="p1", post_author_id=ben, author_id=ana, text="Nice")
    )
    matching.clock.advance(days(11))
    assert await matching.run_job("nudges") == 0
    (conn,) = (await matching.call("GET", "/v1/connections", ana)).json()["items"]
    assert conn["last_interaction_at"].startswith((START + days(20)).date().isoformat())
    matching.clock.advance(days(20))
    assert await matching.run_job("nudges") == 2


async def test_weekly_cadence_nudges_at_most_three_times_a_calendar_month(
    matching: Matching,
) -> None:
    ana, ben = await friends(matching)
    await matching.call("PUT", f"/v1/connections/{ben}/cadence", ana, json={"cadence": "weekly"})
    await matching.call("PUT", f"/v1/connections/{ana}/cadence", ben, json={"cadence": "none"})
    # Connected on Monday 9 March; weekly periods start 16, 23, 30 March, then 6, 13 April ...
    sent = []
    for _ in range(6):
        matching.clock.advance(days(7))
        sent.append(await matching.run_job("nudges"))
    assert sent == [1, 1, 1, 1, 1, 1]
    matching.clock.set(START + days(52))  # still April; the fourth April period is due
    months = [e.payload["due_at"][:7] for e in await nudges(matching)]
    assert all(e.payload["user_id"] == ana for e in await nudges(matching))
    assert months.count("2026-03") == 3
    await matching.run_job("nudges")
    assert len(await nudges(matching)) == 6


async def test_no_nudges_when_the_cadence_is_none(matching: Matching) -> None:
    ana, ben = await friends(matching)
    await matching.call("PUT", f"/v1/connections/{ben}/cadence", ana, json={"cadence": "none"})
    matching.clock.advance(days(100))
    assert await matching.run_job("nudges") == 1  # only Ben, who kept the monthly default
    (only,) = await nudges(matching)
    assert only.payload["user_id"] == ben


async def test_a_run_that_dies_before_writing_is_made_up_by_the_next(
    make_matching: AppFactory,
) -> None:
    clock = ControlledClock(START)
    async with make_matching(clock) as matching:
        await friends(matching)
        clock.advance(days(31))
        repo = matching.app.state.services.connections.repos.connections
        original = repo.insert_nudge

        async def crash(*_: object, **__: object) -> bool:
            raise ConnectionError("store went away")

        repo.insert_nudge = crash
        try:
            await matching.run_job("nudges")
        except ConnectionError:
            pass
        finally:
            repo.insert_nudge = original
        assert await nudges(matching) == []
    async with make_matching(clock) as restarted:
        assert await restarted.run_job("nudges") == 2
        assert len(await nudges(restarted)) == 2
