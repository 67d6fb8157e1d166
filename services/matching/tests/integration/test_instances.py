"""Several instances share one store: each keeps its own in-memory index, and the journal of
index deltas keeps them in step without re-reading projections."""

from __future__ import annotations

from jobfriends_shared.contracts.feed import GroupCreated, GroupMemberJoined
from jobfriends_shared.contracts.identity import UserBlocked

from .conftest import KREUZBERG, AppFactory

UX = {"profession": "ux-designer", "city": "Berlin", "location": KREUZBERG}


async def test_an_instance_learns_what_another_changed(make_matching: AppFactory) -> None:
    async with make_matching() as a:
        await a.person("ana", "Ana", **UX)
        async with make_matching() as b:
            live_b = b.app.state.services.live
            assert set(live_b.index.people) == {"ana"}  # loaded from the store at start

            await a.person("ben", "Ben", **UX)
            await a.feed(GroupCreated(group_id="g1", owner_id="ana", name="Makers"))
            await a.feed(GroupMemberJoined(group_id="g1", user_id="ben"))
            await a.connect("ana", "ben")
            await a.feed(UserBlocked(blocker_id="ben", blocked_id="ana"))
            assert "ben" not in live_b.index.people

            assert await b.run_job("index-sync") > 0
            assert live_b.index.people["ben"].display_name == "Ben"
            assert live_b.index.user_groups["ben"] == {"g1"}
            assert live_b.index.group_names["g1"] == "Makers"
            assert live_b.blocked("ben", "ana") and not live_b.blocked("ana", "ben")
            assert "ben" not in live_b.index.friends.get("ana", set())  # the block ended it
            # Both instances now answer alike.
            assert await a.match_ids("ana") == await b.match_ids("ana") == []
            assert await b.run_job("index-sync") == 0  # nothing new, nothing applied twice


async def test_a_restarted_instance_rebuilds_its_index_from_the_store(
    make_matching: AppFactory,
) -> None:
    async with make_matching() as first:
        await first.person("ana", "Ana", **UX)
        await first.person("ben", "Ben", **UX)
        await first.feed(GroupCreated(group_id="g1", owner_id="ana", name="Makers"))
        await first.feed(GroupMemberJoined(group_id="g1", user_id="ben"))
        before = await first.matches("ana")
    async with make_matching() as second:
        after = await second.matches("ana")
        assert after == before
        assert "are both in the Makers group" in after["items"][0]["sentence"]
