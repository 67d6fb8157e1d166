"""Notification settings: channels per type, quiet hours, caps, and bad input."""

from datetime import timedelta

from jobfriends_shared.contracts.identity import EndorsementAdded
from notifications.domain.kinds import NotificationType

from .conftest import Instance


async def put(notif: Instance, user: str, body: dict[str, object]) -> dict[str, object]:
    response = await notif.call("PUT", "/v1/me/notification-settings", user, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


async def test_defaults_show_every_type_in_app_and_in_the_digest_with_digests_off(
    notif: Instance,
) -> None:
    ana = await notif.person("Ana")
    response = await notif.call("GET", "/v1/me/notification-settings", ana)
    assert response.status_code == 200
    body = response.json()
    assert set(body["channels"].values()) == {"email_digest"}
    assert set(body["channels"]) == {t.value for t in NotificationType}
    assert body["digest"] == "off" and body["quiet_hours"] is None and body["caps"] == {}
    assert body["effective_time_zone"] == "Europe/Berlin"  # from her profile


async def test_a_type_switched_off_is_not_stored_and_in_app_stays_out_of_digests(
    notif: Instance,
) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    saved = await put(notif, ana, {"channels": {"endorsement_received": "off"}, "digest": "weekly"})
    assert saved["digest"] == "weekly"
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="figma"))
    assert await notif.items(ana) == []
    await put(notif, ana, {"channels": {"endorsement_received": "in_app"}})
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="ux"))
    (item,) = await notif.items(ana)
    assert item["channel"] == "in_app"
    after = await notif.call("GET", "/v1/me/notification-settings", ana)
    assert after.json()["digest"] == "off"  # PUT replaces: left out means default


async def test_during_quiet_hours_notifications_are_stored_but_do_not_alert(
    notif: Instance,
) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    await put(notif, ana, {"quiet_hours": {"start": "22:00", "end": "07:00"}})
    notif.clock.set(notif.clock.now().replace(hour=22, minute=30))  # 23:30 in Berlin
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="night"))
    notif.clock.set(notif.clock.now().replace(hour=9))  # 10:00 in Berlin (09:00 UTC)
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="day"))
    day, night = await notif.items(ana)
    assert night["alert"] is False and day["alert"] is True
    assert (await notif.inbox(ana))["unread_count"] == 2


async def test_quiet_hours_follow_a_chosen_time_zone(notif: Instance) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    body = {"quiet_hours": {"start": "22:00", "end": "07:00"}, "time_zone": "America/New_York"}
    saved = await put(notif, ana, body)
    assert saved["effective_time_zone"] == "America/New_York"
    notif.clock.set(notif.clock.now().replace(hour=9))  # 04:00 in New York
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="x"))
    assert (await notif.items(ana))[0]["alert"] is False


async def test_a_frequency_cap_drops_what_exceeds_it_until_the_window_moves_on(
    notif: Instance,
) -> None:
    ana, ben = await notif.person("Ana"), await notif.person("Ben")
    await put(notif, ana, {"caps": {"endorsement_received": {"max": 2, "per": "hour"}}})
    for skill in ("a", "b", "c"):
        notif.clock.advance(timedelta(minutes=10))
        await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill=skill))
    assert await notif.titles(ana) == ["Ben endorsed you for b", "Ben endorsed you for a"]
    notif.clock.advance(timedelta(minutes=45))
    await notif.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="d"))
    assert len(await notif.items(ana)) == 3
    # Claims of long-closed windows expire (the hourly job, on a store without TTL indexes).
    claims = notif.db["cap_claims"]
    assert await claims.count_documents({"recipient_id": ana}) == 3
    notif.clock.advance(timedelta(days=9))
    await notif.n.runtime.run_job("expire")
    assert await claims.count_documents({"recipient_id": ana}) == 0


async def test_bad_settings_are_clear_client_errors(notif: Instance) -> None:
    ana = await notif.person("Ana")
    cases: list[tuple[dict[str, object], str]] = [
        ({"channels": {"no_such_type": "off"}}, "invalid_request"),
        ({"channels": {"mentioned": "sms"}}, "invalid_request"),
        ({"caps": {"mentioned": {"max": 0, "per": "day"}}}, "invalid_request"),
        ({"caps": {"mentioned": {"max": 101, "per": "day"}}}, "invalid_request"),
        ({"caps": {"mentioned": {"max": 5, "per": "month"}}}, "invalid_request"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "invalid_request"),
        ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, "invalid_quiet_hours"),
        ({"time_zone": "Mars/Olympus"}, "invalid_time_zone"),
        ({"digest": "hourly"}, "invalid_request"),
        ({"digest": "daily", "email": "x@example.org"}, "invalid_request"),
        ({"time_zone": {"$ne": None}}, "invalid_request"),
    ]
    for body, code in cases:
        response = await notif.call("PUT", "/v1/me/notification-settings", ana, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == code, body
    unchanged = await notif.call("GET", "/v1/me/notification-settings", ana)
    assert unchanged.json()["time_zone"] is None
