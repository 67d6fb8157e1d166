"""Settings of the matching service (environment variables prefixed `MATCHING_`)."""

from jobfriends_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    port: int = 8004
    database: str = "jobfriends_matching"
