"""Home timeline arithmetic: cursors, merging ranked streams, tribe posts first.

A page is cut from several streams sorted by rank (newest first): the person's own timeline
(fanned out on write) and the recent posts of each large source they subscribe to (merged on
read). Each stream is read a batch at a time; an item may only be placed once every stream that
still has more has been read at least down to it, which is what `frontier` computes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jobfriends_shared.errors import Invalid
from jobfriends_shared.pagination import decode_cursor, encode_cursor

MAX_SKIPPED = 5
_RANK_MAX_LENGTH = 100


@dataclass(frozen=True)
class FeedCursor:
    """Where the next page starts (`before`: a rank) and which posts were already shown out of
    order on the first page (`skip`: tribe posts surfaced to the top)."""

    before: str | None = None
    skip: tuple[str, ...] = ()

    def encode(self) -> str:
        return encode_cursor({"b": self.before, "s": list(self.skip)})

    @classmethod
    def decode(cls, raw: str | None) -> FeedCursor:
        data = decode_cursor(raw)
        if data is None:
            return cls()
        try:
            before, skip = data["b"], data.get("s", [])
            valid = (
                (before is None or (isinstance(before, str) and len(before) <= _RANK_MAX_LENGTH))
                and isinstance(skip, list)
                and len(skip) <= MAX_SKIPPED
                and all(isinstance(s, str) and len(s) <= 64 for s in skip)
            )
        except (TypeError, KeyError, AttributeError):
            valid = False
        if not valid:
            raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
        return cls(before, tuple(skip))


def decode_rank_cursor(raw: str | None) -> str | None:
    """Plain lists (a person's, a hashtag's, a group's posts) page by rank alone."""
    data = decode_cursor(raw)
    if data is None:
        return None
    if not isinstance(data, str) or len(data) > _RANK_MAX_LENGTH:
        raise Invalid("cursor: not a cursor this API gave out", code="invalid_cursor")
    return data


def encode_rank_cursor(rank: str) -> str:
    return encode_cursor(rank)


@dataclass
class Stream:
    """One ranked source as read so far: its items (newest first) and whether it has more."""

    items: Sequence[Mapping[str, Any]]
    exhausted: bool


def frontier(streams: Sequence[Stream]) -> str | None:
    """The lowest rank down to which every stream is known: the highest among the last ranks
    of the streams that still have more. None when all are exhausted (everything is known)."""
    lows = [str(s.items[-1]["rank"]) for s in streams if not s.exhausted and s.items]
    return max(lows) if lows else None


def merge(streams: Sequence[Stream]) -> tuple[list[Mapping[str, Any]], str | None]:
    """Items that can be placed now, newest first without duplicates, and the frontier."""
    limit = frontier(streams)
    seen: set[str] = set()
    merged: list[Mapping[str, Any]] = []
    everything = sorted(
        (item for s in streams for item in s.items), key=lambda i: str(i["rank"]), reverse=True
    )
    for item in everything:
        if limit is not None and str(item["rank"]) < limit:
            break
        key = str(item["post_id"])
        if key not in seen:
            seen.add(key)
            merged.append(item)
    return merged, limit


def tribe_first(
    surfaced: Sequence[Mapping[str, Any]], rest: Sequence[Mapping[str, Any]], size: int
) -> list[Mapping[str, Any]]:
    """The first page: surfaced tribe posts on top (newest first), then the rest in order.
    Both are post documents (keyed by `_id`)."""
    ids = {str(p["_id"]) for p in surfaced}
    page = list(surfaced[:size])
    page.extend(p for p in rest if str(p["_id"]) not in ids)
    return page[:size]
