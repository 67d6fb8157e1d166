"""Settings of the feed service (environment variables prefixed `FEED_`)."""

from jobfriends_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class FeedSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FEED_", extra="ignore")

    port: int = 8002
    database: str = "jobfriends_feed"
