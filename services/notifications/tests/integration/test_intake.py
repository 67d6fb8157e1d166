"""Which event notifies whom, with what, on the real broker and store."""

from datetime import UTC, datetime, timedelta

from jobfriends_shared.consumer import Outcome
from jobfriends_shared.contracts.events import (
    EventCancelled,
    EventCreated,
    EventKind,
    EventReminderDue,
    RsvpChanged,
    RsvpStatus,
    WaitlistPromoted,
)
from jobfriends_shared.contracts.feed import (
    CommentAdded,
    Emoji,
    GroupCreated,
    GroupMemberJoined,
    HelpRequested,
    MentionCreated,
    PostCreated,
    PostKind,
    PostVisibility,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import (
    EndorsementAdded,
    GeoPoint,
    MilestoneKind,
    MilestoneRecorded,
)
from jobfriends_shared.contracts.matching import (
    ConnectionAccepted,
    ConnectionDeclined,
    ConnectionRequested,
    ConnectionWithdrawn,
    NudgeDue,
    SuggestionsRefreshed,
    TribeMemberAdded,
    pair_id,
)
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import wait_for

from .conftest import Instance, new_id

KREUZBERG = (52.4986, 13.4030)
MITTE = (52.5200, 13.4050)


async def post(notif: Instance, author: str, text: str = "Shipped our new onboarding") -> str:
    post_id = new_id("p")
    await notif.feed(
        PostCreated(
            post_id=post_id,
            author_id=author,
            kind=PostKind.update,
            text=text,
            visibility=PostVisibility.public,
        )
    )
    return post_id


async def react(notif: Instance, post_id: str, author: str, who: str, emoji: Emoji | None) -> None:
    await notif.feed(
        ReactionChanged(post_id=post_id, post_author_id=author, user_id=who, emoji=emoji)
    )


async def test_a_connection_request_tells_the_recipient_with_the_note(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    await notif.feed(
        ConnectionRequested(
            pair_id=pair_id(ben, ana),
            from_user_id=ben,
            to_user_id=ana,
            request_id=new_id("r"),
            note="Loved your talk on research ops",
        )
    )
    (item,) = await notif.items(ana)
    assert item["type"] == "connection_requested"
    assert item["title"] == "Ben wants to connect"
    assert item["body"] == "Loved your talk on research ops"
    assert item["actor_ids"] == [ben] and item["read"] is False
    assert await notif.items(ben) == []


async def test_an_accepted_request_tells_the_requester_and_a_decline_tells_nobody(
    notif: Instance,
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    accepted, declined = new_id("r"), new_id("r")
    await notif.feed(
        ConnectionRequested(
            pair_id=pair_id(ana, ben),
            from_user_id=ana,
            to_user_id=ben,
            request_id=accepted,
            note="Hi",
        )
    )
    await notif.feed(
        ConnectionAccepted(
            pair_id=pair_id(ana, ben), from_user_id=ana, to_user_id=ben, request_id=accepted
        )
    )
    await notif.feed(
        ConnectionRequested(
            pair_id=pair_id(ana, cara),
            from_user_id=ana,
            to_user_id=cara,
            request_id=declined,
            note="Hi",
        )
    )
    await notif.feed(
        ConnectionDeclined(
            pair_id=pair_id(ana, cara), from_user_id=ana, to_user_id=cara, request_id=declined
        )
    )
    assert await notif.titles(ana) == ["Ben accepted your connection request"]
    assert await notif.items(cara) == []  # dealt with: the request is gone from her inbox too


async def test_a_withdrawn_request_disappears_from_the_recipients_inbox(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    request = new_id("r")
    pair = pair_id(ana, ben)
    await notif.feed(
        ConnectionRequested(
            pair_id=pair, from_user_id=ana, to_user_id=ben, request_id=request, note="Hi"
        )
    )
    assert len(await notif.items(ben)) == 1
    await notif.feed(
        ConnectionWithdrawn(pair_id=pair, from_user_id=ana, to_user_id=ben, request_id=request)
    )
    assert await notif.items(ben) == []


async def test_a_redelivered_event_never_yields_a_second_notification(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    envelope = notif.event(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))
    assert await notif.deliver(envelope) == Outcome.applied
    assert await notif.deliver(envelope) == Outcome.duplicate
    # Even past the guard (its marker lost), the derived id holds.
    await notif.n.people.endorsed(
        envelope, EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma")
    )
    assert await notif.titles(ana) == ["Ben endorsed you for figma"]


async def test_reactions_are_grouped_into_one_notification_naming_the_latest(
    notif: Instance,
) -> None:
    ana = await notif.person("Ana")
    post_id = await post(notif, ana)
    fans = [await notif.person(n) for n in ("Ben", "Cara", "Dan", "Eve", "Finn")]
    for fan in fans:
        notif.clock.advance(timedelta(seconds=1))
        await react(notif, post_id, ana, fan, Emoji.celebrate)
    await react(notif, post_id, ana, ana, Emoji.like)  # her own: not news to her
    (item,) = await notif.items(ana)
    assert item["title"] == "Finn and 4 others reacted 🎉 to your post"
    assert item["body"] == "Shipped our new onboarding"
    assert item["actor_count"] == 5 and item["actor_ids"][0] == fans[-1]
    assert item["group"] == f"post_reacted:{post_id}"


async def test_changing_an_emoji_is_no_news_and_taking_a_reaction_back_uncounts_it(
    notif: Instance,
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    post_id = await post(notif, ana)
    await react(notif, post_id, ana, ben, Emoji.like)
    notif.clock.advance(timedelta(seconds=1))
    await react(notif, post_id, ana, cara, Emoji.like)
    before = await notif.items(ana)
    await react(notif, post_id, ana, cara, Emoji.love)
    after = await notif.items(ana)
    assert [i["id"] for i in after] == [i["id"] for i in before]
    assert after[0]["title"] == "Cara and 1 other reacted ❤️ to your post"
    await react(notif, post_id, ana, cara, None)
    assert await notif.titles(ana) == ["Ben reacted 👍 to your post"]
    await react(notif, post_id, ana, ben, None)
    assert await notif.items(ana) == []


async def test_comments_are_grouped_and_a_reply_tells_the_parent_comments_author(
    notif: Instance,
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    post_id = await post(notif, ana)
    first = new_id("c")
    await notif.feed(
        CommentAdded(
            comment_id=first, post_id=post_id, post_author_id=ana, author_id=ben, text="Congrats!"
        )
    )
    notif.clock.advance(timedelta(seconds=1))
    await notif.feed(
        CommentAdded(
            comment_id=new_id("c"),
            post_id=post_id,
            post_author_id=ana,
            author_id=cara,
            parent_id=first,
            parent_author_id=ben,
            text="Agreed, great work",
        )
    )
    (item,) = await notif.items(ana)
    assert item["title"] == "Cara and 1 other commented on your post"
    assert item["body"] == "Agreed, great work"
    (reply,) = await notif.items(ben)
    assert reply["title"] == "Cara replied to your comment"


async def test_a_mention_tells_the_mentioned_person(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    post_id = await post(notif, ben, "Thanks @ana for the review")
    await notif.feed(MentionCreated(post_id=post_id, author_id=ben, mentioned_user_id=ana))
    (item,) = await notif.items(ana)
    assert item["title"] == "Ben mentioned you in a post"
    assert item["body"] == "Thanks @ana for the review"
    assert item["data"]["post_id"] == post_id


async def test_help_requests_and_milestones_go_to_the_members_of_the_authors_tribe(
    notif: Instance,
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    # Ana's tribe is Ben. Cara has Ana in her own tribe, which does not make her Ana's audience.
    await notif.feed(TribeMemberAdded(pair_id=pair_id(ana, ben), owner_id=ana, member_id=ben))
    await notif.feed(TribeMemberAdded(pair_id=pair_id(ana, cara), owner_id=cara, member_id=ana))
    post_id = new_id("p")
    await notif.feed(
        HelpRequested(post_id=post_id, author_id=ana, text="Anyone know a good Figma tutor?")
    )
    await notif.feed(
        MilestoneRecorded(
            user_id=ana,
            milestone_id=new_id("m"),
            kind=MilestoneKind.new_job,
            title="Lead Designer",
            organisation="Acme",
            on=notif.clock.now().date(),
        )
    )
    await notif.feed(
        MilestoneRecorded(
            user_id=ana,
            milestone_id=new_id("m"),
            kind=MilestoneKind.promotion,
            title="Quiet one",
            on=notif.clock.now().date(),
            announce=False,
        )
    )
    assert await notif.titles(ben) == [
        "Ana started a new job: Lead Designer at Acme",
        "Ana is asking their tribe for help",
    ]
    assert await notif.items(cara) == []


async def test_an_endorsement_tells_the_endorsed_person(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="user-research"))
    (item,) = await notif.items(ana)
    assert item["title"] == "Ben endorsed you for user-research"
    assert item["data"] == {"skill": "user-research"}


def _event(host: str, **kwargs: object) -> EventCreated:
    start = kwargs.pop("starts_at", None)
    base: dict[str, object] = {
        "event_id": new_id("e"),
        "host_id": host,
        "title": "UX Night",
        "kind": EventKind.meetup,
        "topics": ("ux-research",),
        "city": "Berlin",
        "location": GeoPoint(lat=KREUZBERG[0], lon=KREUZBERG[1]),
        "time_zone": "Europe/Berlin",
    }
    starts = start or datetime(2026, 1, 20, 17, 30, tzinfo=UTC)
    return EventCreated(**{**base, **kwargs}, starts_at=starts, ends_at=starts + timedelta(hours=2))


async def test_a_new_event_tells_people_nearby_whose_interests_fit(notif: Instance) -> None:
    host = await notif.person("Host")
    near_fit = await notif.person("Ana", location=MITTE, interests=("ux-research",))
    near_other = await notif.person("Ben", location=MITTE, interests=("rust",))
    far_fit = await notif.person(
        "Cara", city="Hamburg", location=(53.55, 9.99), interests=("ux-research",)
    )
    same_city_no_coords = await notif.person("Dan", interests=("UX Research",))
    await notif.feed(_event(host))
    (item,) = await notif.items(near_fit)
    assert item["title"] == "New meetup near you: UX Night"
    assert item["body"] == "Tue 20 Jan, 18:30 · Berlin"  # her time zone
    assert await notif.items(near_other) == []
    assert await notif.items(far_fit) == []
    assert len(await notif.items(same_city_no_coords)) == 1
    assert await notif.items(host) == []


async def test_an_event_hosted_by_your_group_tells_its_members_once(notif: Instance) -> None:
    host = await notif.person("Host")
    member = await notif.person("Ana", location=MITTE, interests=("ux-research",))
    group = new_id("g")
    await notif.feed(GroupCreated(group_id=group, owner_id=host, name="Berlin Designers"))
    await notif.feed(GroupMemberJoined(group_id=group, user_id=member))
    await notif.feed(_event(host, group_id=group, city=None, location=None, kind=EventKind.online))
    (item,) = await notif.items(member)  # near and fitting too, but told once, as a member
    assert item["title"] == "Berlin Designers is hosting UX Night"


async def test_waitlist_promotion_reminders_and_cancellation_reach_the_right_people(
    notif: Instance,
) -> None:
    host = await notif.person("Host")
    going, waiting, not_going = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    event = _event(host)
    for user, status in (
        (going, RsvpStatus.going),
        (waiting, RsvpStatus.waitlisted),
        (not_going, RsvpStatus.not_going),
    ):
        await notif.feed(RsvpChanged(event_id=event.event_id, user_id=user, status=status))
    await notif.feed(
        WaitlistPromoted(
            event_id=event.event_id, user_id=waiting, title=event.title, starts_at=event.starts_at
        )
    )
    reminder = EventReminderDue(
        event_id=event.event_id,
        user_id=going,
        title=event.title,
        starts_at=event.starts_at,
        lead="1h",
    )
    await notif.feed(reminder)
    await notif.feed(reminder)  # announced twice (a new event id): still one reminder
    await notif.feed(
        EventCancelled(
            event_id=event.event_id, host_id=host, title=event.title, starts_at=event.starts_at
        )
    )
    assert await notif.titles(going) == ["UX Night was cancelled", "UX Night starts in 1 hour"]
    assert await notif.titles(waiting) == ["UX Night was cancelled", "You got a seat at UX Night"]
    assert await notif.items(not_going) == []


async def test_a_keep_in_touch_nudge_carries_its_conversation_starter(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    await notif.feed(
        NudgeDue(
            pair_id=pair_id(ana, ben),
            user_id=ana,
            friend_id=ben,
            nudge_id=new_id("nd"),
            starter="Ask Ben how the new job is going",
            reason="cadence",
        )
    )
    (item,) = await notif.items(ana)
    assert item["title"] == "Time to catch up with Ben"
    assert item["body"] == "Ask Ben how the new job is going"


async def test_new_match_suggestions_notify_at_most_once_a_week(notif: Instance) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    refresh = SuggestionsRefreshed(user_id=ana, count=2, top=(ben, cara), new=(ben, cara))
    await notif.feed(refresh)
    notif.clock.advance(timedelta(days=3))
    await notif.feed(refresh)
    assert await notif.titles(ana) == ["2 new people you might like to meet"]
    notif.clock.advance(timedelta(days=5))
    await notif.feed(refresh)
    assert len(await notif.items(ana)) == 2
    await notif.feed(SuggestionsRefreshed(user_id=ben, count=3, top=(ana,), new=()))
    assert len(await notif.items(ben)) == 1
    await notif.feed(SuggestionsRefreshed(user_id=cara, count=0))
    assert await notif.items(cara) == []


async def test_notification_created_is_published_with_its_source(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    source = await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))

    async def created() -> dict[str, Envelope]:
        # Publishing is at least once: the same event (same id) may reach Kafka twice.
        return {
            str(e.id): e
            for e in await notif.published("notification.created")
            if e.payload["recipient_id"] == ana
        }

    (event,) = (await wait_for(created)).values()
    assert event.payload["type"] == "endorsement_received"
    assert event.payload["channel"] == "email_digest"
    assert event.payload["source_event_id"] == str(source.id)
    assert event.payload["notification_id"] == (await notif.items(ana))[0]["id"]
    assert event.correlation_id == "corr-1"
    assert event.key == ana
