"""The reminder scheduler: 24 h and 1 h before the start, one reminder per going attendee.

Each run asks "which reminders are due and not yet sent?" from scratch: every scheduled event
starting within the next 24 h, the lead due now (`domain.attendance.due_lead`), its going
attendees, minus the reminders already recorded. Nothing is remembered between runs, so a run
after a restart or a long pause catches up on everything still due, and several instances can
run it at once: a reminder is recorded by a unique insert of its deterministic id in the same
outbox unit that emits it, so it goes out once.
"""

from __future__ import annotations

from jobfriends_shared.contracts.events import TOPIC, EventReminderDue
from jobfriends_shared.mongo import Document

from events.domain import attendance as rules
from events.repository.reminders import REMINDERS
from events.service.base import Context


class _Sent(Exception):
    """Abandons an outbox unit whose reminder another run recorded first."""


class ReminderService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def run(self) -> int:
        """Send every reminder that is due; returns how many this run sent."""
        repo = self.ctx.repo
        now = self.ctx.clock.now()
        sent = 0
        for event in await repo.events.starting_between(now, now + rules.REMINDER_HORIZON):
            lead = rules.due_lead(event["starts_at"], now)
            if lead is None:
                continue
            going = await repo.attendance.going_users(event["_id"])
            if not going:
                continue
            done = await repo.reminders.sent(event["_id"], lead.value, event["starts_at"])
            for user_id in going:
                if user_id not in done:
                    sent += await self._send(event, user_id, lead)
        return sent

    async def _send(self, event: Document, user_id: str, lead: rules.Lead) -> bool:
        event_id = str(event["_id"])
        starts_at = event["starts_at"]
        reminder_id = rules.reminder_id(event_id, user_id, lead, starts_at)
        payload = EventReminderDue(
            event_id=event_id,
            user_id=user_id,
            title=str(event["title"]),
            starts_at=starts_at,
            lead=lead.value,
        )
        doc = {
            "_id": reminder_id,
            "event_id": event_id,
            "user_id": user_id,
            "lead": lead.value,
            "starts_at": starts_at,
            "sent_at": self.ctx.clock.now(),
        }
        try:
            async with self.ctx.outbox.unit(
                [self.ctx.event(payload)],
                topic=TOPIC,
                collection=REMINDERS,
                aggregate_id=reminder_id,
            ) as unit:
                if not await self.ctx.repo.reminders.record(doc, unit):
                    raise _Sent
        except _Sent:
            return False
        return True
