"""The head of a grouped notification ("Ana and 4 others reacted"): who counts, who is named,
which version of the notification is the visible one.

The head is written only by the consumer of the post's partition (reactions and comments are
keyed by post id), so it has a single writer and can be updated by replacing it whole. Each
change remembers the event that made it, so a re-delivered event changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

NAMED = 3  # how many of the latest contributors a head remembers by name
REMEMBERED_EVENTS = 16


@dataclass(frozen=True)
class Head:
    recipient_id: str
    group: str
    post_id: str | None = None
    count: int = 0
    latest: tuple[str, ...] = ()
    details: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    applied: tuple[str, ...] = ()
    current: str | None = None
    current_seq: int = 0

    def _done(self, event_id: str) -> Head:
        return replace(self, applied=(*self.applied, event_id)[-REMEMBERED_EVENTS:])

    def contribute(self, actor: str, detail: Mapping[str, Any], event_id: str) -> Head:
        """A new contributor: counted once, named first."""
        if event_id in self.applied:
            return self
        latest = (actor, *(a for a in self.latest if a != actor))[:NAMED]
        details = {a: d for a, d in self.details.items() if a in latest}
        details[actor] = dict(detail)
        return replace(self, count=self.count + 1, latest=latest, details=details)._done(event_id)

    def change_detail(self, actor: str, detail: Mapping[str, Any]) -> Head:
        """An existing contributor changed (e.g. their emoji): no new count, no new version."""
        if actor not in self.latest:
            return self
        return replace(self, details={**self.details, actor: dict(detail)})

    def withdraw(self, actor: str, event_id: str) -> Head:
        """A contributor took theirs back."""
        if event_id in self.applied:
            return self
        latest = tuple(a for a in self.latest if a != actor)
        details = {a: d for a, d in self.details.items() if a in latest}
        return replace(self, count=max(0, self.count - 1), latest=latest, details=details)._done(
            event_id
        )

    def showing(self, notification_id: str, seq: int) -> tuple[Head, str | None]:
        """Make a version the visible one; the version it replaces (to hide), if any. An older
        version (a late re-delivery) never replaces a newer one."""
        if seq <= self.current_seq:
            return self, None
        previous = self.current if self.current != notification_id else None
        return replace(self, current=notification_id, current_seq=seq), previous

    @property
    def needs_recount(self) -> bool:
        """Someone is still counted but nobody is left to name: rebuild from the rows."""
        return self.count > 0 and not self.latest
