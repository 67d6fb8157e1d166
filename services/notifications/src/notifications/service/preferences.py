"""Reading and replacing a person's notification settings."""

from __future__ import annotations

from typing import Any

from jobfriends_shared.clock import Clock

from notifications.domain.preferences import Preferences
from notifications.repository import AccountRepository, ProjectionRepository
from notifications.service.notifier import preferences_from


class PreferencesService:
    def __init__(
        self, accounts: AccountRepository, projections: ProjectionRepository, clock: Clock
    ) -> None:
        self.accounts = accounts
        self.projections = projections
        self.clock = clock

    async def get(self, user_id: str) -> dict[str, Any]:
        prefs = preferences_from(await self.accounts.preferences_of(user_id))
        return await self._view(user_id, prefs)

    async def replace(self, user_id: str, new: Preferences) -> dict[str, Any]:
        """PUT semantics: what is not given returns to its default."""
        new.checked()
        current = preferences_from(await self.accounts.preferences_of(user_id))
        stored = current.with_changes(new, self.clock.now())
        await self.accounts.save_preferences(user_id, stored.model_dump(mode="json"))
        return await self._view(user_id, stored)

    async def _view(self, user_id: str, prefs: Preferences) -> dict[str, Any]:
        me = await self.projections.person(user_id)
        profile_zone = me.get("time_zone") if me else None
        return {
            "channels": {t.value: c.value for t, c in prefs.all_channels().items()},
            "caps": {t.value: cap.model_dump(mode="json") for t, cap in prefs.caps.items()},
            "quiet_hours": prefs.quiet_hours.model_dump() if prefs.quiet_hours else None,
            "time_zone": prefs.time_zone,
            "effective_time_zone": prefs.zone(profile_zone).key,
            "digest": prefs.digest.value,
        }
