"""Other services' events become matching's projections: check-ins, erasure, bad messages."""

from __future__ import annotations

from typing import Any

from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.events import AttendanceCheckedIn, EventCreated
from jobfriends_shared.contracts.identity import (
    ProfileSnapshot,
    ProfileUpdated,
    UserDeleted,
    UserRegistered,
)
from jobfriends_shared.envelope import Envelope

from .conftest import KREUZBERG, SPANDAU, START, Matching, days, topic_of

UX = {"profession": "ux-designer", "city": "Berlin"}


async def test_people_checked_in_at_one_event_met_there(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    ben = await matching.person("ben", "Ben", location=SPANDAU, profession="chef", city="Berlin")
    await matching.feed(
        EventCreated(
            event_id="e1",
            host_id="h",
            title="Founders Breakfast",
            kind="networking",
            starts_at=START - days(1),
            ends_at=START - days(1),
            time_zone="Europe/Berlin",
        )
    )
    for user in (ana, ben):
        await matching.feed(AttendanceCheckedIn(event_id="e1", user_id=user))
    (item,) = (await matching.matches(ana))["items"]
    assert item["user_id"] == ben
    kinds = {r["kind"] for r in item["reasons"]}
    assert {"attended_together", "interacted"} <= kinds
    assert "were both at Founders Breakfast" in item["sentence"]
    contact = await matching.db["contacts"].find_one({"_id": "ana:ben"})
    assert contact is not None


async def test_a_deleted_person_is_erased_and_stays_gone(matching: Matching) -> None:
    ana = await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    ben = await matching.person("ben", "Ben", location=KREUZBERG, **UX)
    await matching.connect(ana, ben)
    await matching.feed(UserDeleted(user_id=ben))
    assert await matching.db["profiles"].find_one({"_id": ben}) is None
    assert await matching.db["connections"].count_documents({}) == 0
    assert await matching.db["requests"].count_documents({}) == 0
    assert (await matching.call("GET", "/v1/connections", ana)).json()["items"] == []
    # A late profile event must not bring them back.
    late = ProfileUpdated(
        user_id=ben, changed=("headline",), profile=ProfileSnapshot(display_name="Ben", **UX)
    )
    assert await matching.feed(late) == Outcome.applied
    assert await matching.db["profiles"].find_one({"_id": ben}) is None
    assert await matching.match_ids(ana) == []


async def test_an_older_profile_snapshot_does_not_overwrite_a_newer_one(
    matching: Matching,
) -> None:
    await matching.person("ana", "Ana", location=KREUZBERG, **UX)
    stale = ProfileUpdated(
        user_id="ana", changed=("profession",), profile=ProfileSnapshot(display_name="Old")
    )
    await matching.feed(stale, at=START - days(1))
    assert (await matching.db["profiles"].find_one({"_id": "ana"}) or {})["display_name"] == "Ana"


async def test_malformed_messages_go_to_the_dead_letter_topic(matching: Matching) -> None:
    runtime = matching.app.state.runtime
    topic = f"{matching.prefix}identity.users"
    assert await runtime.consumer.handle(b"{not json", topic=topic) == Outcome.dead_lettered
    event = matching.event(
        ProfileUpdated(user_id="x", changed=(), profile=ProfileSnapshot(display_name="X"))
    )
    broken = event.model_copy(update={"payload": {"user_id": "x"}})
    assert await runtime.consumer.handle(broken.to_bytes(), topic=topic) == Outcome.dead_lettered
    assert topic_of(event) == "identity.users"


async def test_profiles_arriving_in_one_batch_rank_as_their_latest_snapshot(
    matching: Matching,
) -> None:
    """A poll of registrations and profile changes is applied in bulk: each person ends as
    their latest snapshot, someone erased stays gone, and the new people match at once."""
    await matching.person("ben", "Ben", location=KREUZBERG, **UX)
    await matching.feed(UserDeleted(user_id="ben"))
    await matching.person("cara", "Cara", location=KREUZBERG, **UX)

    def profile(user_id: str, name: str, **fields: Any) -> Envelope:
        snapshot = ProfileSnapshot(display_name=name, **fields)
        changed = ("display_name", *fields)
        return matching.event(ProfileUpdated(user_id=user_id, changed=changed, profile=snapshot))

    outcomes = await matching.deliver_together(
        matching.event(UserRegistered(user_id="ana", email="ana@x.org", display_name="Ana")),
        matching.event(UserRegistered(user_id="dan", email="dan@x.org", display_name="Dan")),
        profile("ana", "Ana draft"),
        profile("ben", "Ben again", location=KREUZBERG, **UX),
        profile("ana", "Ana", location=KREUZBERG, **UX),
    )
    assert outcomes == [Outcome.applied] * 5
    assert (await matching.db["profiles"].find_one({"_id": "ana"}) or {})["display_name"] == "Ana"
    assert await matching.db["profiles"].find_one({"_id": "ben"}) is None
    assert (await matching.db["profiles"].find_one({"_id": "dan"}) or {})["display_name"] == "Dan"
    assert "cara" in await matching.match_ids("ana")
