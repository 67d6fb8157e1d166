"""Documents that expire: the stand-in for MongoDB's TTL indexes.

On MongoDB a TTL index on a date field has the server delete each document once that date is
`after` in the past. FerretDB 1.24 refuses TTL indexes (`expireAfterSeconds` answers
NotImplemented), so there a periodic job deletes what has expired instead: a range delete,
which FerretDB answers by reading the collection (it pushes no range down, so an index on the
field would only slow the writes), run hourly so that it costs little. Which of the two a
collection gets is found out at start-up by asking for the TTL index, so the code runs
unchanged on either store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from pymongo.errors import OperationFailure

from jobfriends_shared.clock import Clock
from jobfriends_shared.mongo import Database

log = logging.getLogger(__name__)

NOT_IMPLEMENTED = 238  # the error code FerretDB answers an index option it lacks with


@dataclass(frozen=True)
class Expiry:
    collection: str
    field: str  # a date: the document expires `after` past it
    after: timedelta


class Expiries:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._declared: dict[tuple[str, str], Expiry] = {}
        # Those the server does not expire itself: the job's to delete.
        self.by_hand: list[Expiry] = []

    def add(self, collection: str, field: str, after: timedelta) -> None:
        """Documents of `collection` expire `after` past their `field` (a date)."""
        self._declared[(collection, field)] = Expiry(collection, field, after)

    async def ensure(self) -> None:
        """Ask the server for a TTL index per expiry; those it refuses expire by hand."""
        self.by_hand = []
        for expiry in self._declared.values():
            try:
                await self._db[expiry.collection].create_index(
                    expiry.field, expireAfterSeconds=int(expiry.after.total_seconds())
                )
            except OperationFailure as exc:
                if exc.code != NOT_IMPLEMENTED:
                    raise
                self.by_hand.append(expiry)
        if self.by_hand:
            log.info(
                "the store has no TTL indexes: %s expire by a periodic delete",
                ", ".join(f"{e.collection}.{e.field}" for e in self.by_hand),
            )

    async def purge(self) -> int:
        """Delete what has expired of the collections the server does not expire itself."""
        now = self._clock.now()
        deleted = 0
        for expiry in self.by_hand:
            cutoff = now - expiry.after
            result = await self._db[expiry.collection].delete_many({expiry.field: {"$lt": cutoff}})
            deleted += result.deleted_count
        return deleted
