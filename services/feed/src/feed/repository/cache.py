"""Derived values cached per key and invalidated by a token: one pattern, four uses (audiences,
tribes, reaction counts, comment counts).

Why: on FerretDB 1.24 every query other than `_id` equality reads the whole collection, so
"who follows Ana", "who is in Ben's tribe" or "how many reactions has this post" cost time in
proportion to *all* follows, tribes or reactions. These answers change far less often than
they are read, so each is kept in a document read by `_id`, valid while its `token` equals the
key's current token.

Why it is correct without transactions or locks: whoever changes the underlying records writes
them first and then replaces the key's token with a fresh random value (`invalidate`). A
rebuild reads the token *before* it queries the records and stores the value with that token.
So a change that lands during a rebuild always leaves a token the stored value does not carry,
and the next read rebuilds. Replacing a token is last-writer-wins, and every writer writes a
value no rebuild has seen, so FerretDB's unlocked updates cannot make a stale value look fresh.
The token and the value are separate documents because two writers updating different fields of
one document can lose one another's write on FerretDB.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from jobfriends_shared.mongo import insert_new, replace

from feed.repository.base import by_ids, reads
from feed.repository.memory import Store

Build = Callable[[Sequence[str]], Awaitable[dict[str, Any]]]


class TokenCache:
    def __init__(self, store: Store, name: str) -> None:
        self.tokens = store.cached(f"{name}_tokens")
        self.values = store.cached(f"{name}_cache")

    async def invalidate(self, keys: Iterable[str]) -> None:
        await asyncio.gather(
            *(replace(self.tokens, k, {"token": uuid.uuid4().hex}) for k in set(keys))
        )

    async def get_many(self, keys: Iterable[str], build: Build, default: Any) -> dict[str, Any]:
        """Values for `keys`; the stale or missing ones are rebuilt together by `build`
        (which returns a value per key it knows; `default` for the others)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        tokens, cached = await reads(by_ids(self.tokens, wanted), by_ids(self.values, wanted))
        out: dict[str, Any] = {}
        stale: dict[str, str] = {}
        for key in wanted:
            token = str(tokens[key]["token"]) if key in tokens else ""
            hit = cached.get(key)
            if hit is not None and hit.get("token") == token:
                out[key] = hit["value"]
            else:
                stale[key] = token
        if stale:
            built = await build(list(stale))
            values = {k: built.get(k, default) for k in stale}
            await asyncio.gather(
                *(
                    replace(self.values, k, {"token": t, "value": values[k]})
                    for k, t in stale.items()
                )
            )
            out.update(values)
        return out

    async def get(self, key: str, build: Build, default: Any) -> Any:
        return (await self.get_many([key], build, default))[key]

    async def seed(self, key: str, value: Any) -> None:
        """Store the value of a key that has never been invalidated (e.g. the counts of a post
        about to be created). Should the key have a token already, the seed is simply stale."""
        await insert_new(self.values, {"_id": key, "token": "", "value": value})

    async def forget(self, keys: Iterable[str]) -> None:
        for key in set(keys):
            await self.values.delete_one({"_id": key})
            await self.tokens.delete_one({"_id": key})
