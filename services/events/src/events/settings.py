"""Settings of the events service (environment variables prefixed `EVENTS_`)."""

from jobfriends_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTS_", extra="ignore")

    port: int = 8003
    database: str = "jobfriends_events"
