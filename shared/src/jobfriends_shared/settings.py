"""Settings common to every service.

Infrastructure endpoints use the names operators already know (`KAFKA_BOOTSTRAP_SERVERS`,
`MONGODB_URL`); anything service-specific carries the service's prefix (`FEED_PORT`). Secrets
that are missing or look like placeholders stop the process at start rather than running open.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Words of a placeholder, in any case. A run of x must be long: a random 43-character token
# holds "xxxx" (any case) about once in 26,000 draws, which refused real secrets now and then.
_PLACEHOLDERS = ("change", "secret", "example", "placeholder", "xxxxxxxx")


class InfraSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", alias="KAFKA_BOOTSTRAP_SERVERS")
    mongodb_url: str = Field("mongodb://127.0.0.1:27017", alias="MONGODB_URL")
    topic_prefix: str = Field(
        "",
        alias="JF_TOPIC_PREFIX",
        pattern=r"^[A-Za-z0-9._-]{0,60}$",
        description="Prepended to every topic name (test isolation, shared clusters)",
    )
    gateway_secret: SecretStr = Field(
        alias="JF_GATEWAY_SECRET",
        description="Shared secret the gateway sends so services trust only the gateway",
    )
    create_topics: bool = Field(True, alias="JF_CREATE_TOPICS")
    otel_exporter: str = Field(
        "none",
        alias="JF_OTEL_EXPORTER",
        pattern="^(none|console|otlp)$",
        description="Where traces go: none (default), console, or otlp",
    )
    otel_endpoint: str | None = Field(None, alias="JF_OTEL_ENDPOINT")
    topic_partitions: int | None = Field(
        None,
        alias="JF_TOPIC_PARTITIONS",
        ge=1,
        le=1000,
        description="Overrides the catalogue's partition counts (small for tests)",
    )

    kafka_fetch_max_wait_ms: int = Field(
        100,
        alias="JF_KAFKA_FETCH_MAX_WAIT_MS",
        ge=1,
        le=5000,
        description="How long a consumer's fetch may wait at the broker for data. aiokafka sends "
        "one fetch per broker at a time, and one waiting for idle partitions holds back a "
        "partition whose records were just handled: this bounds that added latency "
        "(aiokafka's default, 500, costs up to half a second; lower costs CPU in idle fetches: "
        "a service with seven subscriptions idles at ~2% of a core at 100, ~8% at 25)",
    )
    kafka_linger_ms: int = Field(
        2,
        alias="JF_KAFKA_LINGER_MS",
        ge=0,
        le=1000,
        description="How long the producer waits to batch records (added to every event's trip)",
    )

    @field_validator("gateway_secret")
    @classmethod
    def _refuse_placeholders(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if len(raw) < 32 or any(p in raw.lower() for p in _PLACEHOLDERS):
            raise ValueError("JF_GATEWAY_SECRET must be a random value of at least 32 characters")
        return value


class ServiceSettings(BaseSettings):
    """Base for each service's settings class, which sets its own `env_prefix`."""

    model_config = SettingsConfigDict(extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    database: str = Field("jobfriends", pattern=r"^[A-Za-z0-9_-]{1,60}$")
    instance_id: str = Field("", description="Distinguishes replicas in logs; defaults to host pid")
    log_level: str = "INFO"
    json_logs: bool = Field(True, description="One JSON object per log line")
    consumer_workers: int = Field(
        1,
        ge=1,
        le=32,
        description="Partitions of one poll's batch applied concurrently by this instance "
        "(order within a partition always holds)",
    )
    consumer_batch: int = Field(
        2000,
        ge=1,
        le=5000,
        description="Most records one poll hands to the handlers at once (one dedupe query, "
        "bulk writes and one marker insert per partition); a poll never waits to fill it, so "
        "batches are this large only while a backlog drains. Measured (python -m bench "
        "consume): 500 -> ~0.21 of the raw limit, 2,000 -> ~0.27",
    )
    fetch_max_wait_ms: int | None = Field(
        None,
        ge=1,
        le=5000,
        description="This service's consumers' fetch wait, overriding JF_KAFKA_FETCH_MAX_WAIT_MS "
        "(for a service whose consumers sit on a latency path)",
    )
    run_jobs: bool = Field(
        True, description="Run periodic jobs (schedulers); tests turn this off and call them"
    )
    relay_batch: int = Field(
        500, ge=10, le=5000, description="Outbox entries the relay settles at a time"
    )
    relay_recover_every_seconds: float = Field(
        5.0, gt=0, le=60, description="Pause between the outbox relay's recovery passes"
    )
    infra: InfraSettings = Field(default_factory=InfraSettings)
