"""What matching keeps of other services' facts, and how it shows: groups and hashtags people
share, support given on help requests, a second instance catching up through the journal."""

from datetime import timedelta

from jobfriends_shared.clock import ControlledClock
from jobfriends_shared.contracts.feed import (
    Emoji,
    GroupCreated,
    GroupMemberJoined,
    GroupMemberLeft,
    HashtagFollowed,
    HelpRequested,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import MilestoneKind, MilestoneRecorded
from jobfriends_shared.fakes import FakeDatabase
from matching.ranking import Intent

from .conftest import START, UX, Matching, wire


async def reasons(matching: Matching, viewer: str, other: str) -> set[str]:
    items, _, _ = await matching.suggestions.matches(viewer, Intent.job_friends, 0, 30)
    return next({r["kind"] for r in i["reasons"]} for i in items if i["user_id"] == other)


async def test_shared_groups_and_hashtags_become_reasons(matching: Matching) -> None:
    await matching.person("ana", "Ana", **UX)
    await matching.person("ben", "Ben", **UX)
    await matching.hear(GroupCreated(group_id="g1", owner_id="ana", name="UX Berlin"))
    await matching.hear(GroupMemberJoined(group_id="g1", user_id="ben"))
    for user in ("ana", "ben"):
        await matching.hear(HashtagFollowed(user_id=user, hashtag="researchops"))
    assert {"shared_groups", "shared_hashtags"} <= await reasons(matching, "ana", "ben")
    await matching.hear(GroupMemberLeft(group_id="g1", user_id="ben"))
    assert "shared_groups" not in await reasons(matching, "ana", "ben")


async def test_reacting_to_a_help_request_counts_as_support_in_the_tribe(
    matching: Matching,
) -> None:
    await matching.person("ana", "Ana", **UX)
    await matching.person("bo", "Bo", **UX)
    await matching.connect("ana", "bo")
    await matching.tribe.add("ana", "bo")
    await matching.hear(HelpRequested(post_id="p1", author_id="ana", text="Portfolio review?"))
    support = {"post_id": "p1", "post_author_id": "ana", "user_id": "bo"}
    await matching.hear(ReactionChanged(emoji=Emoji.support, **support))
    (member,) = (await matching.tribe.tribe("ana"))["members"]
    assert (member["support_given"], member["support_received"]) == (0, 1)


async def test_a_friends_milestone_opens_the_conversation_a_nudge_suggests(
    matching: Matching,
) -> None:
    await matching.person("ana", "Ana", **UX)
    await matching.person("bo", "Bo", **UX)
    await matching.connect("ana", "bo")
    matching.clock.advance(timedelta(days=31))
    milestone = MilestoneRecorded(
        user_id="bo",
        milestone_id="m1",
        kind=MilestoneKind.promotion,
        title="Design lead",
        on=matching.clock.now().date(),
    )
    await matching.hear(milestone)
    await matching.nudges.run()
    nudges = await matching.events("nudge.due")
    starters = {e.payload["user_id"]: e.payload["starter"] for e in nudges}
    assert "Design lead" in starters["ana"]


async def test_a_second_instance_learns_what_the_first_heard_through_the_journal() -> None:
    db = FakeDatabase("matching")
    first = await wire(db, ControlledClock(START))
    second = await wire(db, first.clock)
    await first.person("ana", "Ana", **UX)
    await first.person("ben", "Ben", **UX)
    assert "ana" not in second.live.index.people
    assert await second.live.sync() > 0
    assert "ana" in await second.match_ids("ben")  # stored by the first, explained here
    assert await second.match_ids("ana") == []  # Ana's list still waits in the first's backlog
    await first.suggestions.refresh_backlog()
    assert "ben" in await second.match_ids("ana")
