"""Settings of the events service (environment variables prefixed `EVENTS_`)."""

from jobfriends_shared.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_", extra="ignore")

    port: int = 8003
    database: str = "jobfriends_events"
    reminder_interval_seconds: float = Field(
        60, gt=0, le=900, description="How often the reminder scheduler looks for due reminders"
    )
    geo_repair_interval_seconds: float = Field(
        300, gt=0, description="How often events whose grid update was interrupted are indexed"
    )
