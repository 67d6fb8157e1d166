"""Storing one notification for one recipient, exactly once, and taking notifications back.

`deliver` is the single door every notification goes through, so the rules hold for all types
alike: nobody is notified about themselves; blocked people (either way), deleted people and
deleted posts never notify; a type switched `off` is not stored; caps are respected; the id
derived from (source, recipient) makes a re-delivered event a no-op.

Storing takes, in order: the cap claims (unique inserts), the person's next slot (a unique
insert; see `repository.inbox`) together with staging `notification.created` in the outbox,
the notification itself (a unique insert, stamped for the outbox, so `notification.created`
leaves if and only if it was stored). A twin delivery that loses the last insert voids its slot
and gives its cap claims back.

Latency: this runs between an event arriving and the person's screen, and every store round
trip on the way counts, so independent reads and writes go together (`asyncio.gather`), and the
person's streams here are woken, with the stored notification in hand, as soon as it is stored;
committing the outbox unit and other bookkeeping come after.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.notifications import TOPIC, NotificationCreated
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.outbox import Outbox

from notifications.domain.drafts import TRIBE_AUDIENCE, Draft
from notifications.domain.groups import Head
from notifications.domain.kinds import MIN_INTERVAL, Channel, NotificationType
from notifications.domain.preferences import Preferences
from notifications.repository import AccountRepository, InboxRepository, ProjectionRepository
from notifications.repository.inbox import NOTIFICATIONS
from notifications.stream import Hub

log = logging.getLogger(__name__)


def preferences_from(doc: dict[str, Any] | None) -> Preferences:
    if not doc:
        return Preferences()
    return Preferences.model_validate({k: v for k, v in doc.items() if k != "_id"})


class Notifier:
    def __init__(
        self,
        inbox: InboxRepository,
        projections: ProjectionRepository,
        accounts: AccountRepository,
        outbox: Outbox,
        clock: Clock,
        hub: Hub,
        max_fanout: int,
    ) -> None:
        self.inbox = inbox
        self.projections = projections
        self.accounts = accounts
        self.outbox = outbox
        self.clock = clock
        self.hub = hub
        self.max_fanout = max_fanout

    async def deliver(self, draft: Draft, source: Envelope) -> str | None:
        """Store `draft` unless a rule says no; the notification id when it was stored now."""
        if draft.self_inflicted:
            return None
        nid, recipient = draft.id, draft.recipient_id
        actors = [draft.actor_id] if draft.actor_id else []
        existing, people, blocked, prefs_doc, post, hint = await asyncio.gather(
            self.inbox.seq_of(nid),
            self.projections.persons([recipient, *actors]),
            self.projections.blocked_among(recipient, actors),
            self.accounts.preferences_of(recipient),
            self.projections.post(draft.post_id) if draft.post_id else _none(),
            self.inbox.sequence.hint(recipient),
        )
        if existing is not None:
            if draft.group:  # delivered before: finish what a crash may have left undone
                await self._show(recipient, draft.group, nid, existing)
            return None
        person = people.get(recipient) or {}
        if person.get("deleted") or blocked or (post and post.get("deleted")):
            return None
        if draft.actor_id and people.get(draft.actor_id, {}).get("deleted"):
            return None
        prefs = preferences_from(prefs_doc)
        channel = prefs.channel(draft.type)
        if channel == Channel.off:
            return None
        head: Head | None = None
        if draft.group:
            head = await self._contribute(draft, source)
            if head is None:
                return None  # an existing contributor changed their reaction: nothing new
            # Counted and named before the new version exists, so whoever shows it (this or
            # another instance's stream) shows the new count.
            await self.inbox.groups.save_head(head)
        zone = prefs.zone(person.get("time_zone"))
        seq = await self._store(draft, source, prefs, channel, zone, hint)
        if seq is None:
            return None  # capped: the contributor still counts in the version already shown
        if head is not None:
            # After the wake-up: the stream sends every version (clients replace by group).
            shown, previous = head.showing(nid, seq)
            await self.inbox.groups.save_head(shown)
            if previous:
                await self.inbox.hide_ids([previous])
        return nid

    async def _contribute(self, draft: Draft, source: Envelope) -> Head | None:
        """Count the contributor in the group's head (saved by the caller, together with the
        version it shows); None when they were counted already."""
        assert draft.group is not None
        recipient, actor = draft.recipient_id, draft.actor_id or ""
        detail = draft.data.get("detail") or {}
        head = await self.inbox.groups.head(recipient, draft.group) or Head(
            recipient, draft.group, draft.post_id
        )
        added = await self.inbox.groups.add_actor(
            recipient_id=recipient,
            group=draft.group,
            actor_id=actor,
            post_id=draft.post_id,
            event_id=str(source.id),
            detail=detail,
            at=source.occurred_at,
        )
        if not added:
            changed = head.change_detail(actor, detail)
            if changed != head:
                await self.inbox.groups.save_head(changed)
            return None
        return head.contribute(actor, detail, str(source.id))

    async def _within_limits(
        self, draft: Draft, prefs: Preferences, zone: ZoneInfo
    ) -> list[str] | None:
        """Claims on the person's caps (to give back if storing fails); None when over."""
        now, recipient, type_ = self.clock.now(), draft.recipient_id, draft.type
        interval = MIN_INTERVAL.get(type_)
        if interval is not None:
            last = await self.inbox.last_sent_at(recipient, type_.value)
            if last is not None and now - last < interval:
                return None
        claims: list[str] = []
        for most, period in prefs.limits(type_):
            key = f"{type_.value}|{period.value}|{period.window(now, zone)}"
            claim = await self.inbox.claim_cap(recipient, key, most, draft.id, now)
            if claim is None:
                for taken in claims:
                    await self.inbox.release_cap(taken)
                return None
            claims.append(claim)
        return claims

    async def _store(
        self,
        draft: Draft,
        source: Envelope,
        prefs: Preferences,
        channel: Channel,
        zone: ZoneInfo,
        hint: int,
    ) -> int | None:
        claims = await self._within_limits(draft, prefs, zone)
        if claims is None:
            return None
        nid, recipient, now = draft.id, draft.recipient_id, self.clock.now()
        event = build_event(
            NotificationCreated(
                notification_id=nid,
                recipient_id=recipient,
                type=draft.type.value,
                channel=channel.value,
                source_event_id=str(source.id),
            ),
            producer="notifications",
            occurred_at=now,
            correlation_id=source.correlation_id,
        )
        # Staging and taking a number are independent; both precede the stamped insert.
        staged, allocated = await asyncio.gather(
            self.outbox.stage([event], topic=TOPIC, collection=NOTIFICATIONS, aggregate_id=nid),
            self.inbox.sequence.allocate(recipient, nid, now, hint),
            return_exceptions=True,
        )
        unit = staged if isinstance(staged, str) else None
        seq = allocated if isinstance(allocated, int) else None
        stored = False
        try:
            if isinstance(staged, BaseException):
                raise staged
            if isinstance(allocated, BaseException):
                raise allocated
            assert unit is not None and seq is not None
            doc = {
                "_id": nid,
                "recipient_id": recipient,
                "seq": seq,
                "type": draft.type.value,
                "channel": channel.value,
                "created_at": now,
                # A group's people live in its head and contributor rows only, so taking
                # one person back never touches a shared notification.
                "actor_id": None if draft.group else draft.actor_id,
                "group": draft.group,
                "data": {k: v for k, v in draft.data.items() if k != "detail"},
                "quiet": prefs.is_quiet(now, zone),
                "post_id": draft.post_id,
                "event_id": draft.event_id,
                "request_id": draft.request_id,
                "source_event_id": str(source.id),
            }
            stored, _ = await asyncio.gather(
                self.inbox.insert(doc, unit), self.inbox.sequence.advance_hint(recipient, seq)
            )
        finally:
            if not stored:  # a twin delivery stored it first, or something failed
                await asyncio.shield(self._undo(recipient, unit, seq, claims))
        if not stored:
            return None
        assert unit is not None and seq is not None
        self.hub.wake(recipient, (seq, {**doc, "hidden": False}))
        await asyncio.gather(
            self.outbox.commit(unit),
            self.inbox.record_sent(recipient, draft.type.value, now)
            if draft.type in MIN_INTERVAL
            else _none(),
        )
        return seq

    async def _undo(
        self, recipient: str, unit: str | None, seq: int | None, claims: list[str]
    ) -> None:
        """Nothing was stored: abandon the event, void the number, give the cap claims back."""
        if unit is not None:
            await self.outbox.abandon(unit)
        if seq is not None:
            await self.inbox.sequence.void_slot(recipient, seq)
        for claim in claims:
            await self.inbox.release_cap(claim)

    async def _show(self, recipient: str, group: str, nid: str, seq: int) -> None:
        head = await self.inbox.groups.head(recipient, group)
        if head is None:
            return
        shown, previous = head.showing(nid, seq)
        if shown != head:
            await self.inbox.groups.save_head(shown)
        if previous:
            await self.inbox.hide_ids([previous])

    async def deliver_all(self, drafts: Iterable[Draft], source: Envelope) -> int:
        stored = 0
        for draft in drafts:
            if await self.deliver(draft, source):
                stored += 1
        return stored

    async def to_tribe(
        self,
        source: Envelope,
        author_id: str,
        type_: NotificationType,
        data: dict[str, Any],
        post_id: str | None = None,
    ) -> int:
        """Tell the author's tribe (see `TRIBE_AUDIENCE` for who that is)."""
        audience = await self.projections.tribe(TRIBE_AUDIENCE, author_id, self.max_fanout)
        return await self.deliver_all(
            (
                Draft(m, type_, str(source.id), actor_id=author_id, data=data, post_id=post_id)
                for m in audience
            ),
            source,
        )

    # --- taking notifications back -------------------------------------------------------

    async def withdraw(self, recipient: str, group: str, actor: str, event_id: str) -> None:
        """A contributor took theirs back (e.g. removed a reaction)."""
        if not await self.inbox.groups.remove_actor(recipient, group, actor):
            return
        head = await self.inbox.groups.head(recipient, group)
        if head is None:
            return
        head = head.withdraw(actor, event_id)
        if head.needs_recount:
            head = await self.inbox.groups.recount(head)
        await self._settle(head)

    async def _settle(self, head: Head) -> None:
        """Save a head; a group nobody is left in has nothing to say."""
        if head.count == 0 and head.current:
            await self.inbox.hide_ids([head.current])
        await self.inbox.groups.save_head(head)

    async def recount_groups(self, groups: Iterable[tuple[str, str]]) -> None:
        """After contributor rows were removed on a rare path (erasure, block). A bump of the
        same group in the same instant could overwrite this recount; the next change of that
        group recounts from its own head, so the error would be one person in one count."""
        for recipient, group in groups:
            head = await self.inbox.groups.head(recipient, group)
            if head is not None:
                await self._settle(await self.inbox.groups.recount(head))

    async def forget_post(self, post_id: str) -> None:
        await self.inbox.hide({"post_id": post_id})
        await self.inbox.groups.remove_actor_rows({"post_id": post_id})
        await self.inbox.groups.delete_heads({"post_id": post_id})

    async def forget_between(self, a: str, b: str) -> None:
        """After a block: nothing either caused the other stays visible."""
        for recipient, actor in ((a, b), (b, a)):
            await self.inbox.hide({"recipient_id": recipient, "actor_id": actor})
            groups = await self.inbox.groups.remove_actor_rows(
                {"recipient_id": recipient, "actor_id": actor}
            )
            await self.recount_groups(groups)

    async def forget_person(self, user_id: str) -> None:
        """Erase a deleted person: their inbox, their settings and digests, and everything
        they caused in other people's inboxes."""
        await self.inbox.delete_for_recipient(user_id)
        await self.accounts.erase(user_id)
        await self.inbox.hide({"actor_id": user_id})
        groups = await self.inbox.groups.remove_actor_rows({"actor_id": user_id})
        await self.recount_groups(groups)
        await self.projections.erase_person(user_id)


async def _none() -> None:
    return None
