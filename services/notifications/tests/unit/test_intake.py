"""Events from the other services becoming notifications: who is told what, once, and who
never is (themselves, blocked or deleted people)."""

from datetime import timedelta

from jobfriends_shared.contracts.events import (
    EventCancelled,
    EventCreated,
    EventKind,
    EventReminderDue,
    RsvpChanged,
)
from jobfriends_shared.contracts.events import RsvpStatus as Rsvp
from jobfriends_shared.contracts.feed import (
    Emoji,
    GroupCreated,
    GroupMemberJoined,
    HelpRequested,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import (
    GeoPoint,
    MilestoneKind,
    MilestoneRecorded,
    ProfileSnapshot,
    ProfileUpdated,
    UserBlocked,
    UserDeleted,
)
from jobfriends_shared.contracts.matching import (
    ConnectionDeclined,
    ConnectionRequested,
    SuggestionsRefreshed,
    TribeMemberAdded,
    pair_id,
)
from jobfriends_shared.contracts.notifications import NotificationCreated
from jobfriends_shared.fakes import recorded

from .conftest import Notifications


def request(from_user: str, to_user: str, request_id: str = "r1") -> ConnectionRequested:
    return ConnectionRequested(
        pair_id=pair_id(from_user, to_user),
        from_user_id=from_user,
        to_user_id=to_user,
        request_id=request_id,
        note="We both run UX research in Kreuzberg",
    )


def reaction(post: str, author: str, user: str, emoji: Emoji | None) -> ReactionChanged:
    return ReactionChanged(post_id=post, post_author_id=author, user_id=user, emoji=emoji)


async def test_a_connection_request_is_notified_once_and_announced(notes: Notifications) -> None:
    await notes.person("ana", "Ana")
    await notes.person("bo", "Bo")
    await notes.hear(request("bo", "ana"))
    await notes.hear(request("bo", "ana"))  # announced again (a retry upstream): same request
    (item,) = await notes.shown("ana")
    assert item["title"] == "Bo wants to connect"
    assert item["body"] == "We both run UX research in Kreuzberg"
    assert (item["type"], item["read"], item["alert"]) == ("connection_requested", False, True)
    (created,) = await recorded(notes.db, NotificationCreated)
    assert (created.recipient_id, created.type, created.notification_id) == (
        "ana",
        "connection_requested",
        item["id"],
    )
    assert await notes.shown("bo") == []


async def test_a_declined_request_leaves_the_inbox(notes: Notifications) -> None:
    await notes.hear(request("bo", "ana"))
    pair = {"pair_id": pair_id("bo", "ana"), "from_user_id": "bo", "to_user_id": "ana"}
    await notes.hear(ConnectionDeclined(request_id="r1", **pair))
    assert await notes.shown("ana") == []
    assert await notes.shown("bo") == []  # the sender is never told


async def test_reactions_to_a_post_are_one_growing_notification(notes: Notifications) -> None:
    for user, name in (("ana", "Ana"), ("bo", "Bo"), ("cy", "Cy"), ("di", "Di")):
        await notes.person(user, name)
    await notes.post("p1", "ana")
    await notes.hear(reaction("p1", "ana", "ana", Emoji.like))  # one's own: nothing
    assert await notes.shown("ana") == []
    for user in ("bo", "cy", "di"):
        await notes.hear(reaction("p1", "ana", user, Emoji.celebrate))
    (item,) = await notes.shown("ana")
    assert item["title"] == "Di and 2 others reacted 🎉 to your post"
    assert item["actor_count"] == 3
    await notes.hear(reaction("p1", "ana", "di", None))  # Di takes theirs back
    (item,) = await notes.shown("ana")
    assert (item["actor_count"], item["actor_ids"][0]) == (2, "cy")


async def test_blocked_people_never_notify_and_what_they_caused_goes(
    notes: Notifications,
) -> None:
    await notes.person("ana", "Ana")
    await notes.person("bo", "Bo")
    await notes.post("p1", "ana")
    await notes.hear(request("bo", "ana"))
    await notes.hear(reaction("p1", "ana", "bo", Emoji.like))
    assert len(await notes.shown("ana")) == 2
    await notes.hear(UserBlocked(blocker_id="ana", blocked_id="bo"))
    assert await notes.shown("ana") == []
    before = len(await recorded(notes.db, NotificationCreated))
    await notes.hear(request("bo", "ana", "r2"))
    assert await notes.shown("ana") == []
    assert len(await recorded(notes.db, NotificationCreated)) == before  # not even stored


async def test_a_deleted_person_is_forgotten_as_recipient_and_as_actor(
    notes: Notifications,
) -> None:
    await notes.person("ana", "Ana")
    await notes.person("bo", "Bo")
    await notes.hear(request("bo", "ana"))
    await notes.hear(request("ana", "bo", "r2"))
    await notes.hear(UserDeleted(user_id="bo"))
    assert await notes.shown("bo") == []
    assert await notes.shown("ana") == []  # Bo's request to Ana is gone too
    await notes.hear(request("ana", "bo", "r3"))
    assert await notes.shown("bo") == []  # a late event cannot bring Bo's inbox back


async def test_a_tribe_hears_help_requests_and_announced_milestones(notes: Notifications) -> None:
    await notes.person("ana", "Ana")
    for member in ("bo", "cy"):
        pair = pair_id("ana", member)
        await notes.hear(TribeMemberAdded(pair_id=pair, owner_id="ana", member_id=member))
    await notes.hear(HelpRequested(post_id="p1", author_id="ana", text="Who knows Figma tokens?"))
    on = notes.clock.now().date()
    milestone = {"user_id": "ana", "kind": MilestoneKind.promotion, "on": on, "title": "Lead"}
    await notes.hear(MilestoneRecorded(milestone_id="m1", announce=False, **milestone))
    await notes.hear(MilestoneRecorded(milestone_id="m2", announce=True, **milestone))
    for member in ("bo", "cy"):
        assert [i["type"] for i in await notes.shown(member)] == [
            "tribe_milestone",
            "tribe_help_request",
        ]
    assert await notes.shown("ana") == []


async def test_people_who_said_they_would_come_hear_of_a_cancellation(notes: Notifications) -> None:
    for user, status in (("a", Rsvp.going), ("b", Rsvp.interested), ("c", Rsvp.not_going)):
        await notes.hear(RsvpChanged(event_id="e1", user_id=user, status=status))
    starts = notes.clock.now() + timedelta(days=2)
    await notes.hear(EventCancelled(event_id="e1", host_id="h", title="UX night", starts_at=starts))
    assert [i["type"] for i in await notes.shown("a")] == ["event_cancelled"]
    assert [i["type"] for i in await notes.shown("b")] == ["event_cancelled"]
    assert await notes.shown("c") == []


async def test_one_reminder_per_lead_however_often_it_is_announced(notes: Notifications) -> None:
    starts = notes.clock.now() + timedelta(hours=20)
    due = {"event_id": "e1", "user_id": "a", "title": "UX night", "starts_at": starts}
    await notes.hear(EventReminderDue(lead="24h", **due))
    await notes.hear(EventReminderDue(lead="24h", **due))  # a second scheduler run upstream
    await notes.hear(EventReminderDue(lead="1h", **due))
    assert [i["type"] for i in await notes.shown("a")] == ["event_reminder", "event_reminder"]


async def test_new_matches_are_suggested_at_most_once_a_week(notes: Notifications) -> None:
    for n in range(4):  # days 0, 3, 6 and 9
        await notes.hear(SuggestionsRefreshed(user_id="a", count=2, new=(f"x{n}", f"y{n}")))
        notes.clock.advance(timedelta(days=3))
    assert [i["type"] for i in await notes.shown("a")] == ["match_suggestions"] * 2


async def test_a_new_event_reaches_its_group_and_fitting_people_nearby(
    notes: Notifications,
) -> None:
    berlin = GeoPoint(lat=52.52, lon=13.405)
    for user, interests in (("fits", ("ux-research",)), ("cooks", ("cooking",))):
        profile = ProfileSnapshot(
            display_name=user, city="Berlin", location=berlin, interests=interests
        )
        await notes.hear(ProfileUpdated(user_id=user, changed=("city",), profile=profile))
    await notes.hear(GroupCreated(group_id="g1", owner_id="owner", name="UX Berlin"))
    await notes.hear(GroupMemberJoined(group_id="g1", user_id="member"))
    starts = notes.clock.now() + timedelta(days=3)
    await notes.hear(
        EventCreated(
            event_id="e1",
            host_id="owner",
            group_id="g1",
            title="UX research night",
            kind=EventKind.meetup,
            topics=("ux-research",),
            city="Berlin",
            location=berlin,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            time_zone="Europe/Berlin",
        )
    )
    assert [i["type"] for i in await notes.shown("member")] == ["group_event"]
    assert [i["type"] for i in await notes.shown("fits")] == ["event_nearby"]
    assert await notes.shown("cooks") == []
    assert await notes.shown("owner") == []  # the host is not told of their own event
