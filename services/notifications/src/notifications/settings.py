"""Settings of the notifications service (environment variables prefixed `NOTIFICATIONS_`)."""

from jobfriends_shared.registry import service
from jobfriends_shared.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

_DECLARED = service("notifications")  # port, env prefix and database come from the registry


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=_DECLARED.env_prefix, extra="ignore")

    port: int = _DECLARED.port
    database: str = _DECLARED.database

    fetch_max_wait_ms: int | None = Field(
        50,
        ge=1,
        le=5000,
        description="Its consumers sit between an event and a person's screen: a shorter fetch "
        "wait than the platform's bounds how long a partition's next records can wait behind a "
        "fetch parked for the others (for ~2% of a core more while idle)",
    )

    # --- live stream ---------------------------------------------------------------------------
    stream_keepalive_seconds: float = Field(
        15.0, gt=0, le=300, description="A comment line this often keeps proxies from closing"
    )
    stream_max_seconds: float = Field(
        900.0,
        gt=0,
        le=86_400,
        description="A stream ends after this long; the client reconnects with Last-Event-ID "
        "(rebalances instances, lets servers shut down)",
    )
    streams_per_person: int = Field(10, ge=1, le=100)
    stream_batch: int = Field(50, ge=1, le=500, description="Notifications per store read")

    # --- fan-out ---------------------------------------------------------------------------------
    nearby_km: float = Field(25.0, gt=0, le=500, description="'Near you' radius for new events")
    max_fanout: int = Field(
        2000, ge=1, le=100_000, description="Most recipients one event can notify"
    )

    # --- email digests ----------------------------------------------------------------------
    digest_check_seconds: float = Field(600.0, gt=0, description="How often digests are due")
    digest_send_hour: int = Field(
        8, ge=0, le=23, description="Local hour after a period ends when its digest goes out"
    )
    digest_max_items: int = Field(50, ge=1, le=500)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = Field("JobFriends <digest@jobfriends.local>", max_length=320)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(10.0, gt=0, le=120)
