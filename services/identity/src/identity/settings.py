"""Settings of the identity service (environment variables prefixed `IDENTITY_`)."""

from jobfriends_shared.registry import service
from jobfriends_shared.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

_DECLARED = service("identity")  # port, env prefix and database come from the registry


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=_DECLARED.env_prefix, extra="ignore")

    port: int = _DECLARED.port
    database: str = _DECLARED.database
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(30, ge=1, le=365)
    # OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane; ~20-40 ms per hash on one core.
    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_kib: int = Field(19456, ge=8192)
    argon2_parallelism: int = Field(1, ge=1)
    sign_in_failures_allowed: int = Field(5, ge=1)
    sign_in_window_seconds: int = Field(900, ge=60)
    signing_key_pem: str | None = Field(
        None, description="Ed25519 private key (PKCS8 PEM); generated and stored once if unset"
    )
