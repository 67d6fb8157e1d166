"""Email digests against a real SMTP server process: content, once per period, restarts."""

import asyncio
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from jobfriends_shared.contracts.identity import EndorsementAdded, UserDeleted
from jobfriends_shared.testing import Endpoints, unique_name, wait_for
from jobfriends_shared.testing import test_secret as make_secret

from .conftest import START, Instance, Smtp, instance


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def subscribe(n: Instance, user: str, **body: Any) -> None:
    response = await n.call(
        "PUT", "/v1/me/notification-settings", user, json={"digest": "daily", **body}
    )
    assert response.status_code == 200, response.text


async def a_day_of_news(n: Instance) -> tuple[str, str]:
    """Ana subscribes to a daily digest and is endorsed twice on Monday (Berlin time)."""
    ana = await n.person("Ana", email="ana@example.org")
    ben = await n.person("Ben")
    await subscribe(n, ana, channels={"keep_in_touch": "in_app"})
    for skill in ("figma", "user-research"):
        n.clock.advance(timedelta(hours=1))
        await n.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill=skill))
    return ana, ben


async def test_a_daily_digest_lists_the_days_unread_notifications(
    infra: Endpoints, smtp: Smtp
) -> None:
    async with instance(infra, smtp_port=smtp.port) as n:
        ana, _ = await a_day_of_news(n)
        n.clock.set(START + timedelta(days=1))  # Tuesday 10:00 in Berlin
        assert await n.n.runtime.run_job("digests") == {"sent": 1}
        (received,) = smtp.messages
        assert received.rcpt_tos == ["ana@example.org"]
        message = parsed(received.data)
        assert message["To"] == "ana@example.org"
        assert message["Subject"] == "Your daily JobFriends digest: 2 new notifications"
        text = message.get_content()
        assert "Hi Ana," in text and "Mon 12 Jan 2026" in text
        assert "* Ben endorsed you for user-research" in text
        assert "* Ben endorsed you for figma" in text

        async def sent() -> list[Any]:
            return [e for e in await n.published("digest.sent") if e.payload["recipient_id"] == ana]

        (event, *_) = await wait_for(sent)
        assert event.payload["period"] == "daily" and event.payload["count"] == 2


async def test_read_and_in_app_only_notifications_stay_out_of_the_digest(
    infra: Endpoints, smtp: Smtp
) -> None:
    async with instance(infra, smtp_port=smtp.port) as n:
        ana, ben = await a_day_of_news(n)
        first = (await n.items(ana))[-1]["id"]
        await n.call("POST", "/v1/notifications/read", ana, json={"ids": [first]})
        await subscribe(n, ana, channels={"endorsement_received": "in_app"})
        await n.feed(EndorsementAdded(user_id=ana, endorser_id=ben, skill="in-app-only"))
        n.clock.set(START + timedelta(days=1))
        assert await n.n.runtime.run_job("digests") == {"sent": 1}
        text = parsed(smtp.messages[0].data).get_content()
        assert "user-research" in text
        assert "figma" not in text and "in-app-only" not in text


async def test_never_two_digests_for_one_period_across_racing_runs_and_restarts(
    infra: Endpoints, smtp: Smtp
) -> None:
    name, secret = unique_name("n"), make_secret()
    async with instance(infra, name=name, secret=secret, smtp_port=smtp.port, drop=False) as a:
        await a_day_of_news(a)
        clock = a.clock
        clock.set(START + timedelta(days=1))
        # Two passes racing on the same store (as two instances' schedulers would).
        results = await asyncio.gather(*(a.n.runtime.run_job("digests") for _ in range(3)))
        assert sorted(r.get("sent", 0) for r in results) == [0, 0, 1]
        assert await a.n.runtime.run_job("digests") == {"done": 1}
    # A restart later that day finds the period settled.
    async with instance(infra, name=name, secret=secret, smtp_port=smtp.port, clock=clock) as c:
        clock.advance(timedelta(hours=6))
        assert await c.n.runtime.run_job("digests") == {"done": 1}
    assert len(smtp.messages) == 1


async def test_no_digest_without_news_before_subscribing_or_for_the_deleted(
    infra: Endpoints, smtp: Smtp
) -> None:
    async with instance(infra, smtp_port=smtp.port) as n:
        quiet = await n.person("Quiet")
        await subscribe(n, quiet)
        late = await n.person("Late")
        ben = await n.person("Ben")
        await n.feed(EndorsementAdded(user_id=late, endorser_id=ben, skill="x"))
        gone, _ = await a_day_of_news(n)
        n.clock.set(START + timedelta(days=1))
        await subscribe(n, late)  # after Monday ended: Monday is not hers to get
        await n.feed(UserDeleted(user_id=gone))
        outcomes = await n.n.runtime.run_job("digests")
        assert outcomes == {"empty": 1, "not_yet": 1}
        assert smtp.messages == []


async def test_a_weekly_digest_covers_the_last_week(infra: Endpoints, smtp: Smtp) -> None:
    async with instance(infra, smtp_port=smtp.port) as n:
        ana, _ = await a_day_of_news(n)
        await subscribe(n, ana, digest="weekly")
        n.clock.set(START + timedelta(days=3))  # Thursday: last week is due, and empty
        assert await n.n.runtime.run_job("digests") == {"not_yet": 1}
        n.clock.set(START + timedelta(days=7))  # next Monday 10:00 in Berlin
        assert await n.n.runtime.run_job("digests") == {"sent": 1}
        message = parsed(smtp.messages[0].data)
        assert message["Subject"] == "Your weekly JobFriends digest: 2 new notifications"
        assert "12 Jan to 18 Jan 2026" in message.get_content()


async def test_a_mail_server_that_is_down_is_recorded_not_retried_as_a_second_send(
    infra: Endpoints,
) -> None:
    from .conftest import free_port

    async with instance(infra, smtp_port=free_port(), smtp_timeout=2) as n:
        ana, _ = await a_day_of_news(n)
        n.clock.set(START + timedelta(days=1))
        assert await n.n.runtime.run_job("digests") == {"failed": 1}
        assert await n.n.runtime.run_job("digests") == {"done": 1}
        (doc,) = await n.db["digests"].find({"recipient_id": ana}).to_list(None)
        assert doc["status"] == "failed" and doc["error"]
