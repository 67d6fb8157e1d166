"""Suggestions through the HTTP API, built from events, explained, refreshed and filtered."""

from __future__ import annotations

from datetime import timedelta

from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.events import EventCreated, RsvpChanged, RsvpStatus
from jobfriends_shared.contracts.feed import (
    GroupCreated,
    GroupMemberJoined,
    GroupMemberLeft,
    HashtagFollowed,
    HashtagUnfollowed,
)
from jobfriends_shared.contracts.identity import UserBlocked, UserDeleted
from matching.repository.suggestions import SuggestionRepository

from .conftest import KREUZBERG, NEUKOELLN, SPANDAU, START, Matching

UX = {"profession": "ux-designer", "city": "Berlin", "seniority": "senior"}


async def thursday_meetup(matching: Matching, *going: str) -> str:
    await matching.feed(
        EventCreated(
            event_id="ev-designhour",
            host_id="host",
            title="DesignHour",
            kind="meetup",
            city="Berlin",
            starts_at=START + timedelta(days=3, hours=9),  # Thursday 18:00 UTC
            ends_at=START + timedelta(days=3, hours=11),
            time_zone="Europe/Berlin",
        )
    )
    for user in going:
        await matching.feed(
            RsvpChanged(event_id="ev-designhour", user_id=user, status=RsvpStatus.going)
        )
    return "ev-designhour"


async def test_suggestions_are_explained_with_reasons_and_a_sentence(matching: Matching) -> None:
    ana = await matching.person(
        "ana", "Ana", neighbourhood="Kreuzberg", location=KREUZBERG, skills=["figma"], **UX
    )
    ben = await matching.person(
        "ben", "Ben Ortiz", neighbourhood="Kreuzberg", location=KREUZBERG, skills=["figma"], **UX
    )
    eve = await matching.person("eve", "Eve", profession="copywriter", city="Berlin")
    await matching.connect(ana, eve)
    await matching.connect(ben, eve)
    await thursday_meetup(matching, ana, ben)

    body = await matching.matches(ana)

    first = body["items"][0]
    assert first["user_id"] == ben
    assert first["display_name"] == "Ben Ortiz"
    assert first["sentence"] == (
        "You are both UX designers in Kreuzberg, share a friend, "
        "and are both going to Thursday's DesignHour meetup."
    )
    kinds = [r["kind"] for r in first["reasons"]]
    assert {"same_profession", "same_neighbourhood", "mutual_friends", "shared_event"} <= set(kinds)
    mutual = next(r for r in first["reasons"] if r["kind"] == "mutual_friends")
    assert mutual == {"kind": "mutual_friends", "count": 1, "user_ids": [eve]}


async def test_each_intent_has_its_own_list(matching: Matching) -> None:
    ana = await matching.person(
        "ana",
        "Ana",
        location=KREUZBERG,
        profession="ux-designer",
        city="Berlin",
        seniority="junior",
        open_to=["being_mentored"],
    )
    await matching.person(
        "writer",
        "Wes",
        location=NEUKOELLN,
        profession="copywriter",
        city="Berlin",
        open_to=["collaborating"],
    )
    await matching.person(
        "lead",
        "Lia",
        location=NEUKOELLN,
        city="Berlin",
        profession="ux-designer",
        seniority="lead",
        open_to=["mentoring"],
    )
    await matching.person("far", "Fay", location=SPANDAU, profession="accountant", city="Berlin")

    assert (await matching.match_ids(ana, intent="collaborators")) == ["writer"]
    mentors = await matching.matches(ana, intent="mentors")
    assert [i["user_id"] for i in mentors["items"]] == ["lead"]
    assert mentors["items"][0]["sentence"].startswith("Lia is a lead UX designer open to mentoring")
    assert mentors["hint"] is None
    mentees = await matching.matches(ana, intent="mentees")
    assert mentees["items"] == []
    assert "mentoring" in mentees["hint"]
    assert "lead" in await matching.match_ids(ana)  # job friends: the nearby UX designer
    bad = await matching.call("GET", "/v1/matches", ana, params={"intent": "dates"})
    assert bad.status_code == 422


async def test_connected_requested_blocked_dismissed_and_deleted_people_are_not_suggested(
    matching: Matching,
) -> None:
    names = ["ana", "friend", "asked", "blocker", "blocked", "dismissed", "deleted", "ok"]
    for name in names:
        await matching.person(name, name.title(), location=KREUZBERG, **UX)
    assert set(await matching.match_ids("ana")) == set(names) - {"ana"}

    await matching.connect("ana", "friend")
    assert (await matching.request("asked", "ana")).status_code == 201
    await matching.feed(UserBlocked(blocker_id="blocker", blocked_id="ana"))
    await matching.feed(UserBlocked(blocker_id="ana", blocked_id="blocked"))
    dismissed = await matching.call("POST", "/v1/matches/dismissed/dismiss", "ana")
    assert dismissed.status_code == 204
    await matching.feed(UserDeleted(user_id="deleted"))

    assert await matching.match_ids("ana") == ["ok"]
    for other in ("friend", "asked", "blocker", "blocked"):
        assert "ana" not in await matching.match_ids(other)
    # the stored lists were corrected, not only filtered when read
    stored = await SuggestionRepository(matching.db).list_of("ana")
    assert stored is not None
    assert [i["user_id"] for i in stored["lists"]["job_friends"]] == ["ok"]


async def test_dismissing_needs_a_real_other_person(matching: Matching) -> None:
    await matching.person("ana", "Ana", **UX)
    me = await matching.call("POST", "/v1/matches/ana/dismiss", "ana")
    assert me.status_code == 422
    nobody = await matching.call("POST", "/v1/matches/nobody/dismiss", "ana")
    assert (nobody.status_code, nobody.json()["code"]) == (404, "user_not_found")
    weird = await matching.call("POST", "/v1/matches/a%20b/dismiss", "ana")
    assert weird.status_code == 422


async def test_an_rsvp_refreshes_both_peoples_suggestions_and_announces_it(
    matching: Matching,
) -> None:
    ana = await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    ben = await matching.person("ben", "Ben", location=SPANDAU, **UX)
    await thursday_meetup(matching, ana)
    before = await matching.published("matching.suggestions", "match.suggestions_refreshed")

    await matching.feed(RsvpChanged(event_id="ev-designhour", user_id=ben, status=RsvpStatus.going))

    (first,) = (await matching.matches(ben))["items"]
    assert "Thursday's DesignHour meetup" in first["sentence"]
    (mine,) = (await matching.matches(ana))["items"]
    assert "Thursday's DesignHour meetup" in mine["sentence"]
    after = await matching.published("matching.suggestions", "match.suggestions_refreshed")
    fresh = {e.payload["user_id"] for e in after[len(before) :]}
    assert fresh == {ana, ben}
    assert all(e.payload["top"] for e in after[len(before) :])


async def test_a_redelivered_event_changes_nothing_twice(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    await matching.person("ben", "Ben", location=KREUZBERG, **UX)
    event = matching.event(GroupMemberJoined(group_id="g1", user_id=ana))
    assert await matching.deliver(event) == Outcome.applied
    assert await matching.deliver(event) == Outcome.duplicate
    # Even if the marker was lost (a crash after the write), applying again is harmless.
    await matching.db["processed_events"].delete_one({"_id": str(event.id)})
    before = await matching.published("matching.suggestions")
    assert await matching.deliver(event) == Outcome.applied
    assert await matching.db["memberships"].count_documents({}) == 1
    assert await matching.published("matching.suggestions") == before


async def test_groups_and_hashtags_are_reasons(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    ben = await matching.person("ben", "Ben", location=SPANDAU, profession="chef", city="Berlin")
    await matching.feed(GroupCreated(group_id="g1", owner_id=ana, name="Berlin Makers"))
    await matching.feed(GroupMemberJoined(group_id="g1", user_id=ben))
    await matching.feed(HashtagFollowed(user_id=ana, hashtag="a11y"))
    await matching.feed(HashtagFollowed(user_id=ben, hashtag="a11y"))
    (item,) = (await matching.matches(ana))["items"]
    assert item["user_id"] == ben
    kinds = {r["kind"] for r in item["reasons"]}
    assert {"shared_groups", "shared_hashtags"} <= kinds
    assert "are both in the Berlin Makers group" in item["sentence"]
    await matching.feed(GroupMemberLeft(group_id="g1", user_id=ben))
    await matching.feed(HashtagUnfollowed(user_id=ben, hashtag="a11y"))
    assert await matching.match_ids(ana) == []


async def test_pages_of_matches_follow_the_cursor(matching: Matching) -> None:
    for i in range(7):
        await matching.person(f"p{i}", f"P{i}", location=KREUZBERG, **UX)
    first = await matching.matches("p0", limit=4)
    assert len(first["items"]) == 4 and first["next_cursor"]
    second = await matching.matches("p0", limit=4, cursor=first["next_cursor"])
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    seen = [i["user_id"] for i in first["items"] + second["items"]]
    assert sorted(seen) == [f"p{i}" for i in range(1, 7)]
    for bad in ("not-a-cursor", "Ii0xIg=="):
        response = await matching.call("GET", "/v1/matches", "p0", params={"cursor": bad})
        assert response.status_code == 422
    too_many = await matching.call("GET", "/v1/matches", "p0", params={"limit": 1000})
    assert too_many.status_code == 422


async def test_a_stranger_without_profile_gets_a_hint_not_an_error(matching: Matching) -> None:
    body = await matching.matches("newcomer")
    assert body["items"] == [] and "profile" in body["hint"]
    unauthenticated = await matching.call("GET", "/v1/matches")
    assert unauthenticated.status_code == 401


async def test_a_daily_rebuild_catches_up_with_time_once_per_day(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    ben = await matching.person("ben", "Ben", location=SPANDAU, **UX)
    await thursday_meetup(matching, ana, ben)
    assert "DesignHour" in (await matching.matches(ana))["items"][0]["sentence"]
    matching.clock.advance(timedelta(days=5))  # the meetup is over
    assert await matching.run_job("rebuild") == 2
    assert await matching.run_job("rebuild") == 0  # done for today, on any instance
    assert "DesignHour" not in (await matching.matches(ana))["items"][0]["sentence"]


async def test_a_connection_refreshes_the_two_at_once_and_their_neighbours_once_soon_after(
    matching: Matching,
) -> None:
    """A request or an answer recomputes the two people's lists in the request; the lists of
    everyone around them follow from the refresh backlog, once per person however many
    changes touched them, traced to the change that caused it."""
    names = [f"p{i}" for i in range(6)]
    for name in names:
        await matching.person(name, name.title(), location=KREUZBERG, **UX)
    await matching.connect("p0", "p5")
    await matching.run_job("refresh-backlog")
    stored = await SuggestionRepository(matching.db).list_of("p5")
    assert stored is not None
    score_before = {i["user_id"]: i["score"] for i in stored["lists"]["job_friends"]}["p1"]
    before = await matching.published("matching.suggestions", "match.suggestions_refreshed")

    await matching.connect("p0", "p1")  # p5 and p1 now share a friend: p5's list changes
    await matching.connect("p2", "p3")
    during = await matching.published("matching.suggestions", "match.suggestions_refreshed")
    assert {e.payload["user_id"] for e in during[len(before) :]} <= {"p0", "p1", "p2", "p3"}

    assert await matching.run_job("refresh-backlog") >= 1
    after = await matching.published("matching.suggestions", "match.suggestions_refreshed")
    later = after[len(during) :]
    refreshed = [e.payload["user_id"] for e in later]
    assert "p5" in refreshed
    assert len(refreshed) == len(set(refreshed))  # coalesced: once each
    assert all(e.correlation_id == "test-corr" for e in later)
    stored = await SuggestionRepository(matching.db).list_of("p5")
    assert stored is not None
    score_after = {i["user_id"]: i["score"] for i in stored["lists"]["job_friends"]}["p1"]
    assert score_after > score_before  # the mutual friend counts now
    assert await matching.run_job("refresh-backlog") == 0  # nothing left waiting


async def test_a_reader_waiting_on_the_backlog_sees_their_list_fresh(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    await matching.match_ids(ana)
    await matching.person("ben", "Ben", location=KREUZBERG, **UX)  # ana's list waits for him
    assert await matching.match_ids(ana) == ["ben"]
    assert await matching.run_job("refresh-backlog") == 0  # read already refreshed it


async def test_lists_stored_before_they_were_packed_are_still_served(matching: Matching) -> None:
    """Lists are stored packed now; a document in the nested shape written before (until the
    daily rebuild replaces it) reads the same."""
    await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    await matching.person("ben", "Ben", location=KREUZBERG, **UX)
    await matching.run_job("refresh-backlog")
    repo = SuggestionRepository(matching.db)
    packed = await repo.list_of("ana")
    assert packed is not None
    assert [i["user_id"] for i in packed["lists"]["job_friends"]] == ["ben"]
    nested = {"_id": "old", "lists": packed["lists"], "signature": packed["signature"]}
    await matching.db["suggestions"].insert_one(nested)
    old = await repo.list_of("old")
    assert old is not None and old["lists"] == packed["lists"]
    assert {d["_id"]: d["lists"] async for d in repo.all_lists()}["old"] == packed["lists"]
