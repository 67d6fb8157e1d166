"""What a person sees of their notifications: the template of each type filled in with names,
group counts and times in their zone, looked up by `_id` when shown (so renames show, and deleted
or blocked people are never named)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from jobfriends_shared.mongo import Document

from notifications.domain.templates import GroupState, RenderContext, render
from notifications.repository import AccountRepository, InboxRepository, ProjectionRepository
from notifications.repository.inbox import to_notification
from notifications.service.notifier import preferences_from

Rendered = list[tuple[int, dict[str, Any] | None]]


class Renderer:
    def __init__(
        self,
        inbox: InboxRepository,
        projections: ProjectionRepository,
        accounts: AccountRepository,
    ) -> None:
        self.inbox = inbox
        self.projections = projections
        self.accounts = accounts

    async def render(
        self,
        user_id: str,
        docs: Sequence[Document],
        read: Callable[[Document], bool],
        *,
        current_only: bool = True,
    ) -> Rendered:
        """Each document's number and what the client sees (None: nothing left to show).

        `current_only` leaves out versions older than the one a group's head shows, so a group
        appears once in a list even if hiding an older version was lost; the stream passes
        False (it sends each version as it comes, and clients replace by group)."""
        if not docs:
            return []
        notes = [to_notification(d) for d in docs]
        wanted: set[str] = set()
        for n in notes:
            if n.actor_id:
                wanted.add(n.actor_id)
            wanted.update(str(u) for u in n.data.get("top", ()))
        # One round of concurrent `_id` lookups for everything the documents name; a second
        # only for people that group heads name besides (this runs on every stream push).
        prefs_doc, me, heads, people, blocked = await asyncio.gather(
            self.accounts.preferences_of(user_id),
            self.projections.person(user_id),
            self.inbox.groups.heads_of(user_id, {n.group for n in notes if n.group}),
            self.projections.persons(wanted),
            self.projections.blocked_among(user_id, wanted),
        )
        more = {u for state in heads.values() for u in state.latest} - wanted
        if more:
            more_people, more_blocked = await asyncio.gather(
                self.projections.persons(more), self.projections.blocked_among(user_id, more)
            )
            people, blocked = {**people, **more_people}, blocked | more_blocked
        hidden = frozenset(blocked | {u for u, p in people.items() if p.get("deleted")})
        states = {}
        for group, state in heads.items():
            named = tuple(a for a in state.latest if a not in hidden)
            detail = state.details.get(named[0], {}) if named else {}
            states[group] = GroupState(state.count, named, detail)
        ctx = RenderContext(
            names={u: str(p["display_name"]) for u, p in people.items() if p.get("display_name")},
            groups=states,
            zone=preferences_from(prefs_doc).zone(me.get("time_zone") if me else None),
            hidden_people=hidden,
        )
        out: Rendered = []
        for doc, n in zip(docs, notes, strict=True):
            shown = render(n, ctx)
            head = heads.get(n.group) if n.group else None
            # Older than the version the head shows: replaced (even if hiding it was lost).
            stale = n.group is not None and (
                head is None or (current_only and n.seq < head.current_seq)
            )
            if shown is None or stale:
                out.append((n.seq, None))
                continue
            out.append(
                (
                    n.seq,
                    {
                        "id": n.id,
                        "seq": n.seq,
                        "type": n.type.value,
                        "group": n.group,
                        "title": shown.title,
                        "body": shown.body,
                        "actor_ids": list(shown.actor_ids),
                        "actor_count": shown.actor_count,
                        "data": shown.data,
                        "channel": n.channel.value,
                        "alert": not n.quiet,
                        "read": read(doc),
                        "created_at": n.created_at.isoformat(),
                    },
                )
            )
        return out
