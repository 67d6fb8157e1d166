"""Every query matching makes, split by concern; `Repositories` bundles them."""

from __future__ import annotations

from dataclasses import dataclass

from jobfriends_shared.mongo import Database

from matching.repository.connections import ConnectionRepository
from matching.repository.journal import JournalRepository
from matching.repository.projections import ProjectionRepository
from matching.repository.suggestions import SuggestionRepository


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
    "ConnectionRepository",
    "JournalRepository",
    "ProjectionRepository",
    "Repositories",
    "SuggestionRepository",
]
