"""Deleted posts and people, and blocks: what they take back, and what they prevent."""

from datetime import timedelta

from jobfriends_shared.contracts.feed import (
    Emoji,
    MentionCreated,
    PostCreated,
    PostDeleted,
    PostKind,
    PostVisibility,
    ReactionChanged,
)
from jobfriends_shared.contracts.identity import (
    EndorsementAdded,
    UserBlocked,
    UserDeleted,
    UserUnblocked,
)

from .conftest import Instance, new_id


async def _post(notif: Instance, author: str) -> str:
    post_id = new_id("p")
    await notif.feed(
        PostCreated(
            post_id=post_id,
            author_id=author,
            kind=PostKind.update,
            text="Hello",
            visibility=PostVisibility.public,
        )
    )
    return post_id


async def test_a_deleted_post_hides_its_notifications_and_late_events_about_it(
    notif: Instance,
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    post_id = await _post(notif, ben)
    await notif.feed(MentionCreated(post_id=post_id, author_id=ben, mentioned_user_id=ana))
    await notif.feed(
        ReactionChanged(post_id=post_id, post_author_id=ben, user_id=cara, emoji=Emoji.like)
    )
    assert len(await notif.items(ana)) == 1 and len(await notif.items(ben)) == 1
    await notif.feed(PostDeleted(post_id=post_id, author_id=ben))
    assert await notif.items(ana) == [] and await notif.items(ben) == []
    assert (await notif.inbox(ana))["unread_count"] == 0
    await notif.feed(
        ReactionChanged(post_id=post_id, post_author_id=ben, user_id=ana, emoji=Emoji.love)
    )
    assert await notif.items(ben) == []


async def test_a_deleted_person_loses_their_inbox_and_everything_they_caused(
    notif: Instance,
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))
    await notif.feed(EndorsementAdded(user_id=ben, endorser_id=ana, skill="figma"))
    post_id = await _post(notif, ana)
    for fan in (ben, cara):
        notif.clock.advance(timedelta(seconds=1))
        await notif.feed(
            ReactionChanged(post_id=post_id, post_author_id=ana, user_id=fan, emoji=Emoji.like)
        )
    assert await notif.titles(ana) == [
        "Cara and 1 other reacted 👍 to your post",
        "Ben endorsed you for figma",
    ]
    await notif.feed(UserDeleted(user_id=ben))
    assert await notif.titles(ana) == ["Cara reacted 👍 to your post"]
    assert await notif.db["notifications"].count_documents({"recipient_id": ben}) == 0
    person = await notif.db["people"].find_one({"_id": ben})
    assert person == {"_id": ben, "deleted": True}  # email and name erased
    # Anything late from or to them stays out.
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="ux"))
    await notif.feed(EndorsementAdded(user_id=ben, endorser_id=cara, skill="ux"))
    assert len(await notif.items(ana)) == 1
    assert await notif.db["notifications"].count_documents({"recipient_id": ben}) == 0


async def test_blocked_people_never_notify_you_either_way(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    await notif.feed(UserBlocked(blocker_id=ana, blocked_id=ben))
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))
    await notif.feed(EndorsementAdded(user_id=ben, endorser_id=ana, skill="figma"))
    assert await notif.items(ana) == [] and await notif.items(ben) == []


async def test_blocking_takes_back_what_they_caused_including_their_part_of_a_group(
    notif: Instance,
) -> None:
    ana, ben, cara = (
        await notif.person("Ana"),
        await notif.person("Ben"),
        await notif.person("Cara"),
    )
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))
    post_id = await _post(notif, ana)
    await notif.feed(
        ReactionChanged(post_id=post_id, post_author_id=ana, user_id=cara, emoji=Emoji.like)
    )
    notif.clock.advance(timedelta(seconds=1))
    await notif.feed(
        ReactionChanged(post_id=post_id, post_author_id=ana, user_id=ben, emoji=Emoji.love)
    )
    await notif.feed(UserBlocked(blocker_id=ana, blocked_id=ben))
    assert await notif.titles(ana) == ["Cara reacted 👍 to your post"]
    await notif.feed(UserUnblocked(blocker_id=ana, blocked_id=ben))
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="ux"))
    assert (await notif.titles(ana))[0] == "Ben endorsed you for ux"
