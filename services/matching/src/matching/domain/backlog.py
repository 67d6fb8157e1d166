"""The lists waiting to be recomputed because something near them changed (no I/O).

One change (a connection, an RSVP, a profile edit) can touch the lists of up to a hundred or
more other people: everyone who lists the changed person, and everyone they list. Recomputing
and storing all of those inside the request or event that caused the change made each
connection request cost ~150 rankings and as many store writes, so a burst of requests (the
demo city's loader sends hundreds) queued up behind each other until the gateway gave up
(504). The backlog takes that work off the request path and *coalesces* it: a person marked
ten times while waiting is recomputed once, from the index as it is when their turn comes.

Order is first come, first served (a person already waiting keeps their place, so a busy
neighbourhood cannot starve a quiet one); each person keeps the correlation id of the latest
change that marked them, so the `match.suggestions_refreshed` event can be traced to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice


class RefreshBacklog:
    def __init__(self) -> None:
        self._waiting: dict[str, str | None] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._waiting

    def mark(self, user_ids: Iterable[str], correlation_id: str | None = None) -> None:
        for uid in user_ids:
            self._waiting[uid] = correlation_id  # an existing key keeps its position

    def discard(self, user_ids: Iterable[str]) -> None:
        """They were just recomputed anyway (the changed people themselves)."""
        for uid in user_ids:
            self._waiting.pop(uid, None)

    def take_one(self, user_id: str) -> str | None:
        """Take one person out of turn (someone reading their list); their correlation id."""
        return self._waiting.pop(user_id, None)

    def take(self, limit: int) -> dict[str, str | None]:
        """Up to `limit` people, oldest first, with their correlation ids; removed from the
        backlog (whoever takes them recomputes them; a later mark queues them again)."""
        batch: dict[str, str | None] = {}
        for uid in list(islice(self._waiting, limit)):
            batch[uid] = self._waiting.pop(uid)
        return batch
