"""Audiences: the people behind a source (an author's connections and followers, a hashtag's
followers, a group's members), as the fan-out reads them, and how one change patches them.

A stored audience is `{"size": n, "lists": {name: "id,id,..."}}`. The ids are joined into one
string per list because FerretDB and PyMongo decode one string of 10,000 ids ~10x faster than
an array of 10,000 strings (ours never contain commas; one that did could not be addressed).
An audience larger than the fan-out threshold keeps its size only (`"lists": None`): nobody
fans out to it, its source is merged on read instead, and once big it stays big.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Stored = dict[str, Any]


@dataclass(frozen=True)
class Audience:
    size: int
    lists: dict[str, list[str]] | None  # None: too big to fan out to

    @property
    def big(self) -> bool:
        return self.lists is None


def build(lists: Mapping[str, Iterable[str]], threshold: int) -> Stored:
    """The stored form of an audience read from the relations themselves."""
    members = {
        name: list(dict.fromkeys(m for m in ids if "," not in m)) for name, ids in lists.items()
    }
    size = len({m for ids in members.values() for m in ids})
    if size > threshold:
        return {"size": size, "lists": None}
    return {"size": size, "lists": {name: ",".join(ids) for name, ids in members.items()}}


def decode(stored: Mapping[str, Any]) -> Audience:
    lists = stored.get("lists")
    if lists is None:
        return Audience(int(stored["size"]), None)
    return Audience(
        int(stored["size"]),
        {name: joined.split(",") if joined else [] for name, joined in lists.items()},
    )


def needs_rebuild(stored: Mapping[str, Any] | None, threshold: int) -> bool:
    """Missing, or kept as big while the threshold has since been raised above its size."""
    return stored is None or (stored.get("lists") is None and int(stored["size"]) <= threshold)


def patch(
    stored: Mapping[str, Any], member: str, present: Mapping[str, bool], threshold: int
) -> Stored:
    """The audience after one person's memberships (`present`, per list, read from the
    relations) are applied. A big audience stays as it is."""
    current = decode(stored)
    if current.lists is None or "," in member:
        return dict(stored)
    lists = {name: list(ids) for name, ids in current.lists.items()}
    for name, is_member in present.items():
        ids = [m for m in lists.get(name, []) if m != member]
        if is_member:
            ids.append(member)
        lists[name] = ids
    return build(lists, threshold)
