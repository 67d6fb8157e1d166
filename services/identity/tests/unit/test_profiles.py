"""Profiles, who sees what, endorsements, blocks and milestones, at the service layer."""

from datetime import date

import pytest
from jobfriends_shared.contracts.identity import (
    EndorsementAdded,
    MilestoneKind,
    MilestoneRecorded,
    ProfileUpdated,
    UserBlocked,
    UserUnblocked,
)
from jobfriends_shared.contracts.matching import ConnectionAccepted, ConnectionRemoved, pair_id
from jobfriends_shared.errors import Conflict, Forbidden, Invalid, NotFound
from jobfriends_shared.fakes import recorded

from .conftest import Identity

LOCATION = {"lat": 52.5, "lon": 13.4}


async def test_a_profile_change_is_saved_and_announced_with_what_changed(
    identity: Identity,
) -> None:
    ana = await identity.register("ana@example.org")
    me = await identity.service.update_profile(
        ana, {"headline": " Designer ", "skills": ["Figma", "figma", "UX"], "city": "Berlin"}
    )
    assert (me["headline"], me["skills"], me["city"]) == ("Designer", ["figma", "ux"], "Berlin")
    (event,) = await recorded(identity.db, ProfileUpdated)
    assert set(event.changed) == {"headline", "skills", "city"}
    assert (event.profile.headline, event.profile.city) == ("Designer", "Berlin")

    await identity.service.update_profile(ana, {"headline": "Designer"})  # nothing changes
    assert len(await recorded(identity.db, ProfileUpdated)) == 1


async def test_a_bad_profile_change_is_refused_and_not_announced(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    with pytest.raises(Invalid) as unknown:
        await identity.service.update_profile(ana, {"profession": "wizard"})
    assert unknown.value.code == "unknown_profession"
    with pytest.raises(Invalid):
        await identity.service.update_profile(ana, {"display_name": "   "})
    assert await identity.events("profile.updated") == []


async def test_connections_see_connections_only_fields_and_strangers_do_not(
    identity: Identity,
) -> None:
    ana = await identity.register("ana@example.org")
    bo = await identity.register("bo@example.org", "Bo")
    await identity.service.update_profile(ana, {"location": LOCATION, "bio": "Hi"})
    stranger_view = await identity.service.view(bo, ana)
    assert (stranger_view["relation"], stranger_view["bio"]) == ("other", "Hi")
    assert "location" not in stranger_view

    pair = {"pair_id": pair_id(ana, bo), "from_user_id": bo, "to_user_id": ana}
    await identity.bus.deliver(ConnectionAccepted(request_id="r1", **pair))
    connected_view = await identity.service.view(bo, ana)
    assert (connected_view["relation"], connected_view["location"]) == ("connection", LOCATION)

    await identity.bus.deliver(ConnectionRemoved(**pair))
    assert "location" not in await identity.service.view(bo, ana)


async def test_endorsements_count_once_per_person_and_skill(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    bo = await identity.register("bo@example.org", "Bo")
    cy = await identity.register("cy@example.org", "Cy")
    await identity.service.update_profile(ana, {"skills": ["figma", "ux"]})
    assert await identity.service.endorse(bo, ana, "Figma") == {"figma": 1}
    assert await identity.service.endorse(cy, ana, "figma") == {"figma": 2}
    with pytest.raises(Conflict) as again:
        await identity.service.endorse(bo, ana, "figma")
    assert again.value.code == "already_endorsed"
    with pytest.raises(Forbidden):
        await identity.service.endorse(ana, ana, "ux")
    with pytest.raises(Invalid) as unknown:
        await identity.service.endorse(bo, ana, "cobol")
    assert unknown.value.code == "unknown_skill"

    endorsers = sorted([bo, cy])
    assert await identity.service.endorsers(cy, ana, "figma", None, 1) == endorsers[:1]
    assert await identity.service.endorsers(cy, ana, "figma", endorsers[0], 5) == endorsers[1:]
    announced = await recorded(identity.db, EndorsementAdded)
    assert [(e.endorser_id, e.skill) for e in announced] == [(bo, "figma"), (cy, "figma")]


async def test_blocking_hides_people_from_each_other_until_unblocked(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    bo = await identity.register("bo@example.org", "Bo")
    await identity.service.update_profile(ana, {"skills": ["figma"]})
    await identity.service.set_block(ana, bo, True)
    await identity.service.set_block(ana, bo, True)  # already so: nothing new to announce
    for viewer, viewed in ((bo, ana), (ana, bo)):
        with pytest.raises(NotFound):
            await identity.service.view(viewer, viewed)
    with pytest.raises(NotFound):
        await identity.service.endorse(bo, ana, "figma")

    await identity.service.set_block(ana, bo, False)
    assert (await identity.service.view(bo, ana))["display_name"] == "Ana"
    assert await recorded(identity.db, UserBlocked) == [UserBlocked(blocker_id=ana, blocked_id=bo)]
    assert await recorded(identity.db, UserUnblocked) == [
        UserUnblocked(blocker_id=ana, blocked_id=bo)
    ]
    with pytest.raises(Invalid):
        await identity.service.set_block(ana, ana, True)
    with pytest.raises(NotFound):
        await identity.service.set_block(ana, "nobody", True)


async def test_milestones_are_announced_and_listed_newest_first(identity: Identity) -> None:
    ana = await identity.register("ana@example.org")
    bo = await identity.register("bo@example.org", "Bo")
    await identity.service.record_milestone(
        ana, MilestoneKind.new_job, "Designer", "Acme", date(2024, 1, 1), announce=True
    )
    later = await identity.service.record_milestone(
        ana, MilestoneKind.promotion, " Lead designer ", None, date(2025, 2, 1), announce=False
    )
    assert later["title"] == "Lead designer"
    listed = await identity.service.milestones(bo, ana)
    assert [m["title"] for m in listed] == ["Lead designer", "Designer"]
    announced = await recorded(identity.db, MilestoneRecorded)
    assert [(m.title, m.announce) for m in announced] == [
        ("Designer", True),
        ("Lead designer", False),
    ]
    with pytest.raises(Invalid):
        await identity.service.record_milestone(
            ana, MilestoneKind.new_job, "  ", None, date(2025, 1, 1), announce=True
        )
    await identity.service.set_block(bo, ana, True)
    with pytest.raises(NotFound):
        await identity.service.milestones(bo, ana)
