"""Reading the inbox, marking read, preferences (channels, caps, quiet hours), email digests and
the wake-up of a person's open streams."""

from datetime import timedelta

import pytest
from jobfriends_shared.contracts.matching import ConnectionRequested, pair_id
from jobfriends_shared.contracts.notifications import DigestSent, NotificationRead
from jobfriends_shared.errors import Invalid
from jobfriends_shared.fakes import recorded
from notifications.domain.preferences import Preferences

from .conftest import Notifications


async def requests_to(notes: Notifications, recipient: str, *senders: str) -> None:
    """Each sender (known by their id as their name) asks `recipient` to connect."""
    for sender in senders:
        await notes.person(sender, sender)
        await notes.hear(
            ConnectionRequested(
                pair_id=pair_id(sender, recipient),
                from_user_id=sender,
                to_user_id=recipient,
                request_id=f"{sender}>{recipient}",
                note=f"Hello from {sender}",
            )
        )


async def test_unread_come_first_and_marking_read_is_announced(notes: Notifications) -> None:
    await requests_to(notes, "ana", "a", "b", "c")
    page = await notes.inbox.page("ana", None, 50, unread_first=True)
    assert (page["unread_count"], len(page["items"])) == (3, 3)
    newest, middle, oldest = page["items"]
    await notes.inbox.mark_read("ana", ids=[middle["id"]], everything=False, up_to=None)
    page = await notes.inbox.page("ana", None, 50, unread_first=True)
    assert [(i["id"], i["read"]) for i in page["items"]] == [
        (newest["id"], False),
        (oldest["id"], False),
        (middle["id"], True),
    ]
    result = await notes.inbox.mark_read("ana", ids=None, everything=True, up_to=None)
    assert (result["marked"], result["unread_count"]) == (0, 0)
    reads = await recorded(notes.db, NotificationRead)
    assert [(r.notification_ids, r.up_to is not None) for r in reads] == [
        ((middle["id"],), False),
        ((), True),
    ]
    await notes.inbox.mark_read("bo", ids=[newest["id"]], everything=False, up_to=None)
    assert (await notes.inbox.page("ana", None, 50, unread_first=False))["unread_count"] == 0
    assert await notes.inbox.unread_count("bo") == 0


async def test_pages_follow_on_with_a_cursor(notes: Notifications) -> None:
    senders = [f"s{n}" for n in range(5)]
    await requests_to(notes, "ana", *senders)
    first = await notes.inbox.page("ana", None, 2, unread_first=False)
    second = await notes.inbox.page("ana", first["next_cursor"], 2, unread_first=False)
    third = await notes.inbox.page("ana", second["next_cursor"], 2, unread_first=False)
    titles = [i["title"] for p in (first, second, third) for i in p["items"]]
    assert titles == [f"{s} wants to connect" for s in reversed(senders)]
    assert third["next_cursor"] is None
    with pytest.raises(Invalid):
        await notes.inbox.page("ana", "not-a-cursor", 2, unread_first=False)


async def test_a_type_switched_off_is_not_stored_and_caps_drop_the_rest(
    notes: Notifications,
) -> None:
    await notes.preferences.replace(
        "ana", Preferences.model_validate({"channels": {"connection_requested": "off"}})
    )
    await requests_to(notes, "ana", "a")
    assert await notes.shown("ana") == []
    await notes.preferences.replace(
        "ana",
        Preferences.model_validate({"caps": {"connection_requested": {"max": 2, "per": "day"}}}),
    )
    await requests_to(notes, "ana", "b", "c", "d")
    assert len(await notes.shown("ana")) == 2
    notes.clock.advance(timedelta(days=1))
    await requests_to(notes, "ana", "e")
    assert len(await notes.shown("ana")) == 3


async def test_quiet_hours_store_silently_in_the_persons_time_zone(notes: Notifications) -> None:
    quiet = {"quiet_hours": {"start": "11:00", "end": "13:00"}, "time_zone": "Europe/Berlin"}
    view = await notes.preferences.replace("ana", Preferences.model_validate(quiet))
    assert view["effective_time_zone"] == "Europe/Berlin"
    await requests_to(notes, "ana", "a")  # 12:00 in Berlin
    notes.clock.advance(timedelta(hours=2))
    await requests_to(notes, "ana", "b")  # 14:00 in Berlin
    assert [(i["title"], i["alert"]) for i in await notes.shown("ana")] == [
        ("b wants to connect", True),
        ("a wants to connect", False),
    ]
    with pytest.raises(Invalid):
        await notes.preferences.replace(
            "ana", Preferences.model_validate({"time_zone": "Mars/Olympus"})
        )


async def test_a_daily_digest_lists_the_days_unread_and_goes_once(notes: Notifications) -> None:
    await notes.person("ana", "Ana")
    await notes.preferences.replace("ana", Preferences.model_validate({"digest": "daily"}))
    notes.clock.advance(timedelta(hours=1))
    await requests_to(notes, "ana", "a", "b")
    assert await notes.digests.run() == {"not_yet": 1}  # today's digest goes out tomorrow
    notes.clock.advance(timedelta(days=1))
    assert await notes.digests.run() == {"sent": 1}
    assert await notes.digests.run() == {"done": 1}
    (mail,) = notes.mailbox.sent
    assert mail["To"] == "ana@example.org"
    assert "a wants to connect" in mail.get_body().get_content()
    (sent,) = await recorded(notes.db, DigestSent)
    assert (sent.recipient_id, sent.count) == ("ana", 2)


async def test_a_day_with_nothing_unread_sends_no_digest(notes: Notifications) -> None:
    await notes.person("ana", "Ana")
    await notes.preferences.replace("ana", Preferences.model_validate({"digest": "daily"}))
    await requests_to(notes, "ana", "a")
    await notes.inbox.mark_read("ana", ids=None, everything=True, up_to=None)
    notes.clock.advance(timedelta(days=1))
    assert await notes.digests.run() == {"empty": 1}
    assert notes.mailbox.sent == []


async def test_an_open_stream_is_woken_with_the_stored_notification(notes: Notifications) -> None:
    listener = notes.hub.open("ana")
    await requests_to(notes, "ana", "a")
    assert listener.signal.is_set()
    fresh = listener.known_after(0)  # the first read after opening goes to the store
    assert fresh is None
    ((seq, doc),) = (listener.fresh or {}).items()
    assert (seq, doc["recipient_id"], doc["type"]) == (1, "ana", "connection_requested")
    sent = await notes.inbox.after("ana", 0, 10)
    assert [(n, item["title"] if item else None) for n, item in sent] == [(1, "a wants to connect")]
