"""Digest periods, ids and the email, without servers."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from notifications.domain.digest import DigestLine, compose, digest_id, due_period
from notifications.domain.kinds import DigestFrequency

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_daily_digest_covers_yesterday_once_the_send_hour_has_passed() -> None:
    now = datetime(2026, 1, 14, 8, 30, tzinfo=UTC)  # 09:30 in Berlin, Wednesday
    period = due_period(now, DigestFrequency.daily, BERLIN, send_hour=8)
    assert period is not None
    assert period.start == datetime(2026, 1, 12, 23, 0, tzinfo=UTC)  # Tue 00:00 Berlin
    assert period.end == datetime(2026, 1, 13, 23, 0, tzinfo=UTC)


def test_before_the_send_hour_the_due_daily_digest_is_the_day_before_yesterday() -> None:
    now = datetime(2026, 1, 14, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    period = due_period(now, DigestFrequency.daily, BERLIN, send_hour=8)
    assert period is not None
    assert period.end == datetime(2026, 1, 12, 23, 0, tzinfo=UTC)


def test_a_weekly_digest_covers_last_monday_to_this_monday() -> None:
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # Thursday
    period = due_period(now, DigestFrequency.weekly, BERLIN, send_hour=8)
    assert period is not None
    assert period.start == datetime(2026, 1, 4, 23, 0, tzinfo=UTC)  # Mon 5 Jan 00:00 Berlin
    assert period.end == datetime(2026, 1, 11, 23, 0, tzinfo=UTC)  # Mon 12 Jan 00:00 Berlin


def test_a_day_with_a_clock_change_is_still_one_local_day() -> None:
    now = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)  # Berlin moved to summer time on 29 March
    period = due_period(now, DigestFrequency.daily, BERLIN, send_hour=8)
    assert period is not None
    assert (period.end - period.start).total_seconds() == 23 * 3600


def test_no_period_when_digests_are_off() -> None:
    assert due_period(datetime.now(UTC), DigestFrequency.off, BERLIN, 8) is None


def test_digest_ids_are_deterministic_per_person_and_period() -> None:
    now = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)
    period = due_period(now, DigestFrequency.daily, BERLIN, 8)
    later = due_period(now.replace(hour=20), DigestFrequency.daily, BERLIN, 8)
    assert period is not None and later is not None
    assert digest_id("ana", period) == digest_id("ana", later)
    assert digest_id("ana", period) != digest_id("ben", period)


def test_the_email_lists_the_notifications_and_says_how_many() -> None:
    period = due_period(datetime(2026, 1, 14, 9, 0, tzinfo=UTC), DigestFrequency.daily, BERLIN, 8)
    assert period is not None
    message = compose(
        sender="JobFriends <digest@jobfriends.local>",
        to="ana@example.org",
        name="Ana",
        period=period,
        zone=BERLIN,
        lines=[DigestLine("Ben wants to connect", "Hi Ana"), DigestLine("UX Night", "")],
        more=3,
        digest="d123",
    )
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == "Your daily JobFriends digest: 5 new notifications"
    text = message.get_content()
    assert "* Ben wants to connect\n  Hi Ana" in text
    assert "3 more" in text and "Tue 13 Jan 2026" in text
