"""Settings of the messaging service (environment variables prefixed `MESSAGING_`)."""

from jobfriends_shared.registry import service
from jobfriends_shared.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

_DECLARED = service("messaging")  # port, env prefix and database come from the registry


class MessagingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=_DECLARED.env_prefix, extra="ignore")

    port: int = _DECLARED.port
    database: str = _DECLARED.database

    fetch_max_wait_ms: int | None = Field(
        50,
        ge=1,
        le=5000,
        description="Its broadcast subscription sits between a message and the screens of "
        "people connected to another instance: a short fetch wait keeps that hop short",
    )

    edit_window_seconds: int = Field(
        15 * 60, ge=0, le=7 * 86_400, description="How long an author may edit or delete"
    )
    waiting_delay_seconds: float = Field(
        60.0,
        ge=0,
        le=86_400,
        description="Unread this long, a conversation is announced to its recipient "
        "(messages.waiting, which notifications turns into a notification); read sooner, "
        "nothing is announced",
    )
    waiting_check_seconds: float = Field(15.0, gt=0, description="How often that is checked")

    # --- live stream ---------------------------------------------------------------------------
    stream_keepalive_seconds: float = Field(
        15.0, gt=0, le=300, description="A comment line this often keeps proxies from closing"
    )
    stream_max_seconds: float = Field(
        900.0, gt=0, le=86_400, description="A stream ends after this long; clients reconnect"
    )
    streams_per_person: int = Field(10, ge=1, le=100)
