"""The only package that talks to MongoDB: one module per group of collections.

`Repository` bundles them so use cases take one object, and creates every index at start-up.
"""

from __future__ import annotations

from jobfriends_shared.mongo import Database

from events.repository.attendance import AttendanceStore
from events.repository.events import EventStore
from events.repository.grid import GeoGrid
from events.repository.projections import Projections
from events.repository.reminders import ReminderStore


class Repository:
    def __init__(self, db: Database) -> None:
        self.events = EventStore(db)
        self.attendance = AttendanceStore(db)
        self.grid = GeoGrid(db)
        self.projections = Projections(db)
        self.reminders = ReminderStore(db)

    async def ensure_indexes(self) -> None:
        await self.events.ensure_indexes()
        await self.attendance.ensure_indexes()
        await self.projections.ensure_indexes()
        await self.reminders.ensure_indexes()


__all__ = [
    "AttendanceStore",
    "EventStore",
    "GeoGrid",
    "Projections",
    "ReminderStore",
    "Repository",
]
