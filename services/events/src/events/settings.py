"""Settings of the events service (environment variables prefixed `EVENTS_`)."""

from jobfriends_shared.registry import service
from jobfriends_shared.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

_DECLARED = service("events")  # port, env prefix and database come from the registry


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=_DECLARED.env_prefix, extra="ignore")

    port: int = _DECLARED.port
    database: str = _DECLARED.database
    reminder_interval_seconds: float = Field(
        60, gt=0, le=900, description="How often the reminder scheduler looks for due reminders"
    )
    geo_repair_interval_seconds: float = Field(
        300, gt=0, description="How often events whose grid update was interrupted are indexed"
    )
