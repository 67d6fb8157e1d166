"""Events that arrive in one poll are applied together and leave what one-by-one would."""

from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.identity import (
    ProfileSnapshot,
    ProfileUpdated,
    UserDeleted,
    UserRegistered,
)

from .conftest import Instance, new_id


def _profile(user_id: str, name: str, city: str) -> ProfileUpdated:
    snapshot = ProfileSnapshot(display_name=name, city=city)
    return ProfileUpdated(user_id=user_id, changed=("display_name", "city"), profile=snapshot)


async def test_a_persons_changes_in_one_batch_leave_the_latest_and_spare_the_erased(
    notif: Instance,
) -> None:
    ana, ben = new_id(), new_id()
    await notif.feed(UserRegistered(user_id=ben, email="ben@x.org", display_name="Ben"))
    await notif.feed(UserDeleted(user_id=ben))
    outcomes = await notif.deliver_together(
        notif.event(UserRegistered(user_id=ana, email="ana@x.org", display_name="Ana")),
        notif.event(_profile(ana, "Ana L", "Berlin")),
        notif.event(_profile(ben, "Ben back?", "Berlin")),
        notif.event(_profile(ana, "Ana López", "Hamburg")),
    )
    assert outcomes == [Outcome.applied] * 4
    person = await notif.db["people"].find_one({"_id": ana})
    assert person is not None
    assert (person["email"], person["display_name"], person["city"]) == (
        "ana@x.org",
        "Ana López",
        "Hamburg",
    )
    assert await notif.db["people"].find_one({"_id": ben}) == {"_id": ben, "deleted": True}
