"""This instance's open streams (server-sent events), by person: what notifications' and
messaging's live streams share.

Each instance holds the connections of the people who opened a stream on it, caps how many one
person may hold, and remembers (bounded, oldest forgotten) which events it handed to them itself:
the broadcast subscription then brings every instance every event, and the instance that stored
one skips its echo.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Generic, Protocol, TypeVar

from jobfriends_shared.errors import TooMany


class Listening(Protocol):
    @property
    def user_id(self) -> str: ...


L = TypeVar("L", bound=Listening)


class Connections(Generic[L]):
    def __init__(
        self, per_person: int, listener: Callable[[str], L], remember: int = 10_000
    ) -> None:
        self._per_person = per_person
        self._listener = listener
        self._listeners: dict[str, set[L]] = {}
        self._handed: dict[str, None] = {}  # oldest first
        self._remember = remember

    @property
    def connections(self) -> int:
        return sum(len(s) for s in self._listeners.values())

    def listening(self, user_id: str) -> bool:
        return user_id in self._listeners

    def listeners(self, user_id: str) -> Collection[L]:
        return self._listeners.get(user_id, ())

    def check_capacity(self, user_id: str) -> None:
        if len(self._listeners.get(user_id, ())) >= self._per_person:
            raise TooMany(
                f"at most {self._per_person} open streams per person", code="too_many_streams"
            )

    def open(self, user_id: str) -> L:
        listener = self._listener(user_id)
        self._listeners.setdefault(user_id, set()).add(listener)
        return listener

    def close(self, listener: L) -> None:
        listeners = self._listeners.get(listener.user_id)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del self._listeners[listener.user_id]

    def hand(self, event_id: str) -> None:
        """This instance gave the event to its streams itself: its broadcast echo is not new."""
        self._handed[event_id] = None
        if len(self._handed) > self._remember:
            del self._handed[next(iter(self._handed))]

    def handed(self, event_id: str) -> bool:
        return event_id in self._handed
