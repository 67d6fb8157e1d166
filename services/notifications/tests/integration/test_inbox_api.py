"""The inbox over HTTP: pages, unread first, unread counts, marking read, bad input."""

from datetime import timedelta

from jobfriends_shared.contracts.identity import EndorsementAdded
from jobfriends_shared.contracts.notifications import NotificationRead
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import wait_for

from .conftest import Instance, new_id


async def endorsements(notif: Instance, user: str, count: int) -> list[str]:
    """`count` notifications for `user`, one a minute; their ids, newest first."""
    endorser = await notif.person("Ben")
    for i in range(count):
        notif.clock.advance(timedelta(minutes=1))
        await notif.feed(EndorsementAdded(user_id=user, endorser_id=endorser, skill=f"skill-{i}"))
    return [i["id"] for i in await notif.items(user)]


async def test_pages_are_newest_first_and_the_cursor_walks_them_without_repeats(
    notif: Instance,
) -> None:
    ana = await notif.person("Ana")
    ids = await endorsements(notif, ana, 7)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = await notif.inbox(ana, **params)
        seen += [i["id"] for i in page["items"]]
        assert page["unread_count"] == 7
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


async def test_marking_some_read_updates_the_count_and_unread_first_orders_them(
    notif: Instance,
) -> None:
    ana = await notif.person("Ana")
    ids = await endorsements(notif, ana, 5)
    response = await notif.call("POST", "/v1/notifications/read", ana, json={"ids": ids[:2]})
    assert response.status_code == 200, response.text
    assert response.json() == {"marked": 2, "read_up_to": "0", "unread_count": 3}
    order: list[tuple[str, bool]] = []
    cursor = None
    while True:
        page = await notif.inbox(
            ana, limit=2, unread_first="true", **({"cursor": cursor} if cursor else {})
        )
        order += [(i["id"], i["read"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert order == [(i, False) for i in ids[2:]] + [(i, True) for i in ids[:2]]


async def test_mark_all_and_mark_up_to_an_id_or_a_time(notif: Instance) -> None:
    ana = await notif.person("Ana")
    ids = await endorsements(notif, ana, 6)  # newest first
    third_oldest = ids[3]
    response = await notif.call("POST", "/v1/notifications/read", ana, json={"up_to": third_oldest})
    assert response.json()["unread_count"] == 3
    items = await notif.items(ana)
    assert [i["read"] for i in items] == [False, False, False, True, True, True]
    second_newest_at = items[1]["created_at"]
    response = await notif.call(
        "POST", "/v1/notifications/read", ana, json={"up_to": second_newest_at}
    )
    assert response.json()["unread_count"] == 1
    response = await notif.call("POST", "/v1/notifications/read", ana, json={"all": True})
    assert response.json()["unread_count"] == 0
    await endorsements(notif, ana, 1)
    assert (await notif.inbox(ana))["unread_count"] == 1  # "all" meant all so far


async def test_reading_is_announced_for_analytics(notif: Instance) -> None:
    ana = await notif.person("Ana")
    ids = await endorsements(notif, ana, 2)
    await notif.call("POST", "/v1/notifications/read", ana, json={"ids": ids[:1]})
    await notif.call("POST", "/v1/notifications/read", ana, json={"all": True})

    async def reads() -> list[Envelope] | None:
        found = {
            str(e.id): e
            for e in await notif.published("notification.read")
            if e.payload["recipient_id"] == ana
        }
        return list(found.values()) if len(found) == 2 else None

    events = sorted(await wait_for(reads), key=lambda e: e.occurred_at)
    first = NotificationRead.model_validate(events[0].payload)
    second = NotificationRead.model_validate(events[1].payload)
    assert first.notification_ids == (ids[0],) and first.up_to is None
    assert second.notification_ids == () and second.up_to is not None
    assert events[0].correlation_id == "test-corr"


async def test_other_peoples_notifications_cannot_be_marked_or_seen(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    ids = await endorsements(notif, ana, 1)
    response = await notif.call("POST", "/v1/notifications/read", ben, json={"ids": ids})
    assert response.json()["marked"] == 0
    response = await notif.call("POST", "/v1/notifications/read", ben, json={"up_to": ids[0]})
    assert response.status_code == 404
    assert response.json()["code"] == "notification_not_found"
    assert (await notif.inbox(ana))["unread_count"] == 1
    assert await notif.items(ben) == []


async def test_bad_read_requests_are_clear_client_errors(notif: Instance) -> None:
    ana = await notif.person("Ana")
    for body in (
        {},
        {"ids": [], "all": True},
        {"ids": []},
        {"ids": ["not-an-id"]},
        {"ids": [{"$gt": ""}]},
        {"ids": [f"n{'0' * 32}"] * 101},
        {"all": False},
        {"up_to": "2026-01-12T10:00:00"},  # no time zone
        {"up_to": "yesterday"},
        {"all": True, "extra": 1},
    ):
        response = await notif.call("POST", "/v1/notifications/read", ana, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "invalid_request"


async def test_bad_list_requests_are_clear_client_errors(notif: Instance) -> None:
    ana = await notif.person("Ana")
    for params, code in (
        ({"limit": 0}, "invalid_request"),
        ({"limit": 101}, "invalid_request"),
        ({"cursor": "garbage!"}, "invalid_cursor"),
        ({"cursor": "eyJwIjoieCJ9"}, "invalid_cursor"),  # {"p":"x"}
    ):
        response = await notif.call("GET", "/v1/notifications", ana, params=params)
        assert response.status_code in (400, 422), params
        assert response.json()["code"] == code


async def test_the_inbox_needs_a_person_and_the_gateway(notif: Instance) -> None:
    response = await notif.call("GET", "/v1/notifications")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    response = await notif.client.get("/v1/notifications", headers={"x-jf-user-id": new_id()})
    assert response.status_code == 401 and response.json()["code"] == "not_gateway"


async def test_an_empty_inbox_says_where_its_stream_starts(notif: Instance) -> None:
    page = await notif.inbox(await notif.person("Ana"))
    assert page == {"items": [], "next_cursor": None, "unread_count": 0, "last_event_id": "0"}
