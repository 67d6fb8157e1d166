"""Reading the inbox: pages, unread counts, marking read, rendering, and the stream's reads.

Everything here walks a person's numbered slots (see `repository.inbox`) and reads documents by
`_id`, so its cost depends on how much one person has, never on how big the store is.

Read state is computed, never stored on a notification: a notification is read when its number
is at or below the person's watermark ("read all" / "read up to"), or when it has a read marker
of its own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.contracts import build_event
from jobfriends_shared.contracts.notifications import TOPIC, NotificationRead
from jobfriends_shared.errors import Invalid, NotFound
from jobfriends_shared.mongo import Document
from jobfriends_shared.outbox import Outbox
from jobfriends_shared.pagination import decode_cursor, encode_cursor

from notifications.repository import AccountRepository, InboxRepository, ProjectionRepository
from notifications.repository.inbox import RECEIPTS
from notifications.service.render import Rendered, Renderer

CHUNK = 50
SCAN_ROUNDS = 10
# Unread counts look at the newest numbers above the watermark, at most this many.
UNREAD_WINDOW = 500
# A slot whose notification has not appeared after this long was left by a writer that died.
STALE_SLOT = timedelta(seconds=30)


class InboxService:
    def __init__(
        self,
        inbox: InboxRepository,
        projections: ProjectionRepository,
        accounts: AccountRepository,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self.inbox = inbox
        self.projections = projections
        self.accounts = accounts
        self.outbox = outbox
        self.clock = clock
        self.renderer = Renderer(inbox, projections, accounts)

    # --- walking a person's numbers -------------------------------------------------------

    async def _window(self, user_id: str, seqs: Sequence[int]) -> list[tuple[int, Document | None]]:
        """For each number, in the given order: its visible notification, or None (hidden,
        void, not written yet). Stops early at the end of the sequence and before a number
        whose notification is still being written (the caller comes back for it)."""
        slots = await self.inbox.sequence.slots_in(user_id, seqs)
        docs = await self.inbox.get_many(str(s["nid"]) for s in slots.values())
        now = self.clock.now()
        out: list[tuple[int, Document | None]] = []
        for seq in seqs:
            slot = slots.get(seq)
            if slot is None:
                if seqs and seqs[0] < seqs[-1]:
                    break  # walking up: the end of the sequence
                out.append((seq, None))  # walking down: erased
                continue
            doc = docs.get(str(slot["nid"]))
            if doc is None or int(doc["seq"]) != seq:
                if doc is None and not slot.get("void") and now - slot["at"] < STALE_SLOT:
                    break  # its writer is between taking the number and storing
                out.append((seq, None))
                continue
            out.append((seq, None if doc.get("hidden") else doc))
        return out

    async def _walk_down(
        self,
        user_id: str,
        top: int,
        bottom: int,
        want: int,
        keep: Callable[[Document, set[str]], bool],
    ) -> tuple[list[Document], int | None]:
        """Newest-first visible notifications in [bottom, top] that `keep` accepts, and the
        number to continue from (None when the range is exhausted)."""
        found: list[Document] = []
        seq = top
        for _ in range(SCAN_ROUNDS):
            if seq < bottom:
                return found, None
            seqs = list(range(seq, max(bottom, seq - CHUNK + 1) - 1, -1))
            window = await self._window(user_id, seqs)
            read = await self.inbox.read_among(str(d["_id"]) for _, d in window if d)
            for number, doc in window:
                seq = number - 1
                if doc is not None and keep(doc, read):
                    found.append(doc)
                    if len(found) == want:
                        return found, (seq if seq >= bottom else None)
        return found, (seq if seq >= bottom else None)

    # --- the stream's reads ---------------------------------------------------------------

    async def stream_start(self, user_id: str, last_event_id: str | None) -> int:
        """Where a stream starts: after the id the client saw, or live from now."""
        latest = await self.inbox.sequence.max_seq(user_id)
        if last_event_id is None or last_event_id == "":
            return latest
        if not last_event_id.isdigit() or len(last_event_id) > 18:
            raise Invalid("Last-Event-ID: not an id this stream sent", code="invalid_last_event_id")
        # A client never saw a number above the latest: clamping loses nothing and keeps a
        # bogus id from silencing the stream.
        return min(int(last_event_id), latest)

    async def after(
        self, user_id: str, seq: int, limit: int, known: Mapping[int, Document] | None = None
    ) -> Rendered:
        """Everything after `seq`, oldest first; numbers with nothing to show come as None
        so the stream moves past them.

        `known`: notifications this instance has just stored (by seq). When they are exactly
        the numbers after `seq`, they are all there is to send (the stream is woken again for
        anything stored later), so slots and notifications are not read back."""
        run = (
            [known[n] for n in range(seq + 1, seq + 1 + len(known)) if n in known] if known else []
        )
        if run and len(run) == len(known or ()) and len(run) <= limit:
            shown = dict(
                await self.renderer.render(user_id, run, lambda _: False, current_only=False)
            )
            return [(int(d["seq"]), shown.get(int(d["seq"]))) for d in run]
        # Usually one or two are new: look a few numbers ahead, further only while all exist.
        window: list[tuple[int, Document | None]] = []
        step = 4
        while len(window) < limit:
            start = seq + len(window) + 1
            seqs = list(range(start, start + min(step, limit - len(window))))
            part = await self._window(user_id, seqs)
            window += part
            if len(part) < len(seqs):
                break
            step *= 4
        docs = [d for _, d in window if d is not None]
        shown = dict(await self.renderer.render(user_id, docs, lambda _: False, current_only=False))
        return [(number, shown.get(number) if doc else None) for number, doc in window]

    # --- pages ----------------------------------------------------------------------------

    async def page(
        self, user_id: str, cursor: str | None, limit: int, unread_first: bool
    ) -> dict[str, Any]:
        watermark, latest = await asyncio.gather(
            self.inbox.watermark(user_id), self.inbox.sequence.max_seq(user_id)
        )
        phase, top = _parse_cursor(decode_cursor(cursor), unread_first)
        docs: list[Document] = []
        next_key: dict[str, Any] | None = None

        def unread(doc: Document, read: set[str]) -> bool:
            return int(doc["seq"]) > watermark and str(doc["_id"]) not in read

        if phase == "u":
            docs, top = await self._walk_down(
                user_id, latest if top is None else top, watermark + 1, limit, unread
            )
            if top is not None:
                next_key = {"p": "u", "s": top}
            else:
                phase = "r"
        if phase in ("r", "a") and len(docs) < limit:
            if phase == "r":
                more, top = await self._walk_down(
                    user_id,
                    latest if top is None else top,
                    1,
                    limit - len(docs),
                    lambda doc, read: not unread(doc, read),
                )
            else:
                more, top = await self._walk_down(
                    user_id, latest if top is None else top, 1, limit, lambda *_: True
                )
            docs += more
            next_key = None if top is None else {"p": phase, "s": top}
        read = await self.inbox.read_among(str(d["_id"]) for d in docs)
        rendered = await self.renderer.render(
            user_id, docs, lambda d: int(d["seq"]) <= watermark or str(d["_id"]) in read
        )
        return {
            "items": [item for _, item in rendered if item is not None],
            "next_cursor": encode_cursor(next_key) if next_key else None,
            "unread_count": await self._unread(user_id, watermark, latest),
            "last_event_id": str(latest),
        }

    async def _unread(self, user_id: str, watermark: int, latest: int) -> int:
        """Unread among the newest `UNREAD_WINDOW` numbers above the watermark."""
        low = max(watermark + 1, latest - UNREAD_WINDOW + 1)
        count = 0
        for top in range(latest, low - 1, -CHUNK * 4):
            seqs = list(range(top, max(low, top - CHUNK * 4 + 1) - 1, -1))
            docs = [d for _, d in await self._window(user_id, seqs) if d is not None]
            read = await self.inbox.read_among(str(d["_id"]) for d in docs)
            count += sum(1 for d in docs if str(d["_id"]) not in read)
        return count

    async def unread_count(self, user_id: str) -> int:
        watermark, latest = await asyncio.gather(
            self.inbox.watermark(user_id), self.inbox.sequence.max_seq(user_id)
        )
        return await self._unread(user_id, watermark, latest)

    async def in_period(
        self, user_id: str, start: datetime, end: datetime, limit: int
    ) -> list[Document]:
        """Visible notifications created in [start, end), newest first (digests)."""
        top = await self._last_at_or_before(user_id, end, inclusive=False)
        found: list[Document] = []
        seq = top
        while seq >= 1 and len(found) < limit:
            seqs = list(range(seq, max(1, seq - CHUNK + 1) - 1, -1))
            slots = await self.inbox.sequence.slots_in(user_id, seqs)
            window = await self._window(user_id, seqs)
            for number, doc in window:
                seq = number - 1
                slot = slots.get(number)
                if slot is not None and slot["at"] < start:
                    return found
                if doc is not None and start <= doc["created_at"] < end:
                    found.append(doc)
        return found

    async def _last_at_or_before(self, user_id: str, at: datetime, *, inclusive: bool) -> int:
        """The highest number taken at or before `at` (binary search: numbers are taken in
        time order)."""
        low, high = 0, await self.inbox.sequence.max_seq(user_id)
        while low < high:
            middle = (low + high + 1) // 2
            slot = (await self.inbox.sequence.slots_in(user_id, [middle])).get(middle)
            if slot is not None and (slot["at"] <= at if inclusive else slot["at"] < at):
                low = middle
            else:
                high = middle - 1
        return low

    # --- marking read ---------------------------------------------------------------------

    async def mark_read(
        self,
        user_id: str,
        *,
        ids: Sequence[str] | None,
        everything: bool,
        up_to: datetime | str | None,
    ) -> dict[str, Any]:
        now = self.clock.now()
        marked: list[Document] = []
        up_to_seq, up_to_at = 0, None
        if ids is not None:
            found = await self.inbox.get_many(ids)
            marked = [d for d in found.values() if d["recipient_id"] == user_id and not d["hidden"]]
        elif everything:
            up_to_seq, up_to_at = await self.inbox.sequence.max_seq(user_id), now
        elif isinstance(up_to, str):
            doc = await self.inbox.get(up_to)
            if doc is None or doc["recipient_id"] != user_id or doc["hidden"]:
                raise NotFound("no such notification", code="notification_not_found")
            up_to_seq, up_to_at = int(doc["seq"]), doc["created_at"]
        elif up_to is not None:
            up_to_seq = await self._last_at_or_before(user_id, up_to, inclusive=True)
            up_to_at = up_to
        if marked or up_to_seq:
            receipt_id = uuid.uuid4().hex
            event = build_event(
                NotificationRead(
                    recipient_id=user_id,
                    notification_ids=tuple(str(d["_id"]) for d in marked),
                    up_to=up_to_at if up_to_seq else None,
                ),
                producer="notifications",
                occurred_at=now,
            )
            async with self.outbox.unit(
                [event], topic=TOPIC, collection=RECEIPTS, aggregate_id=receipt_id
            ) as unit:
                if marked:
                    await self.inbox.mark_read(user_id, marked, now)
                if up_to_seq:
                    await self.inbox.raise_watermark(user_id, up_to_seq)
                await self.inbox.add_receipt(
                    {
                        "_id": receipt_id,
                        "recipient_id": user_id,
                        "ids": [str(d["_id"]) for d in marked],
                        "up_to_seq": up_to_seq,
                        "at": now,
                    },
                    unit,
                )
        return {
            "marked": len(marked),
            "read_up_to": str(await self.inbox.watermark(user_id)),
            "unread_count": await self.unread_count(user_id),
        }


def _parse_cursor(key: Any, unread_first: bool) -> tuple[str, int | None]:
    if key is None:
        return ("u" if unread_first else "a"), None
    phases = ("u", "r") if unread_first else ("a",)
    seq = key.get("s") if isinstance(key, dict) else None
    if (
        not isinstance(key, dict)
        or key.get("p") not in phases
        or not isinstance(seq, int)
        or isinstance(seq, bool)
        or not 0 <= seq < 10**15
    ):
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
    return str(key["p"]), seq
