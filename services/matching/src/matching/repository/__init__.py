"""Every query matching makes, split by concern; `Repositories` bundles them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from jobfriends_shared.expiry import Expiry
from jobfriends_shared.mongo import Database

from matching.repository.connections import NUDGES, ConnectionRepository
from matching.repository.journal import HEADS, RECORDS, JournalRepository
from matching.repository.projections import POSTS, ProjectionRepository
from matching.repository.suggestions import LEASES, SuggestionRepository

EXPIRING = (
    # Every instance reads the journal within seconds; a day covers a long pause.
    Expiry(RECORDS, "at", timedelta(days=1)),
    Expiry(HEADS, "at", timedelta(days=1)),
    Expiry(LEASES, "at", timedelta(days=7)),
    # Nudges must outlive the longest period (quarterly) or one could be sent twice.
    Expiry(NUDGES, "at", timedelta(days=120)),
    Expiry(POSTS, "created_at", timedelta(days=90)),
)
"""What matching keeps only for a while (the runtime expires it: `Runtime.expire`)."""


@dataclass(frozen=True)
class Repositories:
    projections: ProjectionRepository
    connections: ConnectionRepository
    suggestions: SuggestionRepository
    journal: JournalRepository

    @classmethod
    def on(cls, db: Database) -> Repositories:
        return cls(
            ProjectionRepository(db),
            ConnectionRepository(db),
            SuggestionRepository(db),
            JournalRepository(db),
        )

    async def ensure_indexes(self) -> None:
        await self.projections.ensure_indexes()
        await self.connections.ensure_indexes()
        await self.suggestions.ensure_indexes()


__all__ = [
    "EXPIRING",
    "ConnectionRepository",
    "JournalRepository",
    "ProjectionRepository",
    "Repositories",
    "SuggestionRepository",
]
