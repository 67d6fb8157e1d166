"""The email digest job: for everyone who chose a digest, the latest due period, once.

Order of work for one person and period: claim the deterministic digest id by a unique insert,
send, then record `sent` together with `digest.sent` (outbox). A crash after the claim and
before recording leaves a claim that is never retried: a digest may be missed, but never sent
twice. A period with nothing unread is recorded as `empty` and sends nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.notifications import TOPIC, DigestSent
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox

from notifications.domain.digest import DigestLine, compose, digest_id, due_period
from notifications.domain.kinds import Channel
from notifications.mailer import Mailer
from notifications.repository import AccountRepository, InboxRepository, ProjectionRepository
from notifications.repository.accounts import DIGESTS
from notifications.service.inbox import InboxService
from notifications.service.notifier import preferences_from
from notifications.settings import NotificationsSettings

log = logging.getLogger(__name__)
_PAGE = 200


class DigestService:
    def __init__(
        self,
        inbox: InboxRepository,
        reader: InboxService,
        projections: ProjectionRepository,
        accounts: AccountRepository,
        outbox: Outbox,
        clock: Clock,
        mailer: Mailer,
        settings: NotificationsSettings,
    ) -> None:
        self.inbox = inbox
        self.reader = reader
        self.projections = projections
        self.accounts = accounts
        self.outbox = outbox
        self.clock = clock
        self.mailer = mailer
        self.settings = settings

    async def run(self) -> dict[str, int]:
        """One pass over every subscriber; returns how many digests ended in each state."""
        now = self.clock.now()
        outcomes: dict[str, int] = {}
        after: str | None = None
        while True:
            page = await self.accounts.digest_subscribers(after, _PAGE)
            for doc in page:
                try:
                    outcome = await self._one(doc, now)
                except Exception:
                    log.exception("digest for %s failed", doc["_id"])
                    outcome = "error"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if len(page) < _PAGE:
                return outcomes
            after = str(page[-1]["_id"])

    async def _one(self, prefs_doc: Document, now: Any) -> str:
        user_id = str(prefs_doc["_id"])
        prefs = preferences_from(prefs_doc)
        person = await self.projections.person(user_id)
        if not person or person.get("deleted") or not person.get("email"):
            return "no_email"  # not claimed: tried again once the address is known
        zone = prefs.zone(person.get("time_zone"))
        period = due_period(now, prefs.digest, zone, self.settings.digest_send_hour)
        if period is None:
            return "off"
        if prefs.digest_since is not None and period.end <= prefs.digest_since:
            return "not_yet"  # that period ended before they asked for digests
        did = digest_id(user_id, period)
        if await self.accounts.digest_known(did):
            return "done"
        docs = await self._unread_in(user_id, period.start, period.end)
        claim = {
            "_id": did,
            "recipient_id": user_id,
            "period": period.frequency.value,
            "period_start": period.start,
            "period_end": period.end,
            "claimed_at": now,
            "status": "empty" if not docs else "sending",
            "count": len(docs),
        }
        if not await self.accounts.claim_digest(claim) or not docs:
            return "done" if docs else "empty"
        shown = [
            item
            for _, item in await self.reader.renderer.render(
                user_id, docs[: self.settings.digest_max_items], lambda _: False
            )
            if item is not None
        ]
        message = compose(
            sender=self.settings.smtp_from,
            to=str(person["email"]),
            name=person.get("display_name"),
            period=period,
            zone=zone,
            lines=[DigestLine(i["title"], i["body"]) for i in shown],
            more=max(0, len(docs) - self.settings.digest_max_items),
            digest=did,
        )
        try:
            await self.mailer.send(message)
        except Exception as exc:
            log.warning("digest %s for %s not sent: %s", did, user_id, exc)
            await self.accounts.settle_digest(did, "failed", self.clock.now(), error=str(exc)[:300])
            return "failed"
        event = build_event(
            DigestSent(
                recipient_id=user_id,
                period=period.frequency.value,
                period_start=period.start,
                count=len(docs),
            ),
            producer="notifications",
            occurred_at=self.clock.now(),
        )
        async with self.outbox.unit(
            [event], topic=TOPIC, collection=DIGESTS, aggregate_id=did
        ) as u:
            await self.accounts.settle_digest(did, "sent", self.clock.now(), u)
        return "sent"

    async def _unread_in(self, user_id: str, start: Any, end: Any) -> list[Document]:
        """Digest-channel notifications of the period that are still unread."""
        docs = await self.reader.in_period(user_id, start, end, limit=1000)
        watermark = await self.inbox.watermark(user_id)
        above = [
            d
            for d in docs
            if int(d["seq"]) > watermark and d["channel"] == Channel.email_digest.value
        ]
        read = await self.inbox.read_among(str(d["_id"]) for d in above)
        return [d for d in above if str(d["_id"]) not in read]
