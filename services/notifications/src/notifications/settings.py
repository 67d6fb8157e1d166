"""Settings of the notifications service (environment variables prefixed `NOTIFICATIONS_`)."""

from jobfriends_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    port: int = 8005
    database: str = "jobfriends_notifications"
