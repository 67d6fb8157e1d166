"""Gateway settings (`GATEWAY_…`), on top of the shared service settings.

The gateway holds no database and no broker: the Kafka and MongoDB fields inherited from the
shared base are simply unused. What it does need from the shared base is `JF_GATEWAY_SECRET`, the
proof it sends so that services accept only traffic that went through authentication here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from jobfriends_shared.registry import GATEWAY, SERVICES
from jobfriends_shared.settings import ServiceSettings
from pydantic import Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

MIB = 1024 * 1024
# `npm run build` in web/ writes here; a checkout's gateway serves it without configuration.
_BUILT_WEB_APP = Path(__file__).resolve().parents[4] / "web" / "dist"


class _ServiceUrlsFromEnv(PydanticBaseSettingsSource):
    """`GATEWAY_<NAME>_URL` for each registry service: the names operators set in Compose and
    the Kubernetes ConfigMap, one variable per service, with no field per service here."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        del field  # unused: __call__ answers for the whole model
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        urls = {
            spec.name: os.environ[f"GATEWAY_{spec.name.upper()}_URL"]
            for spec in SERVICES
            if f"GATEWAY_{spec.name.upper()}_URL" in os.environ
        }
        return {"service_urls": urls} if urls else {}


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = Field(GATEWAY.port, ge=1, le=65535)

    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Origin (scheme://host:port, no path) of each service the gateway forwards "
        "to, by registry name; set one with GATEWAY_<NAME>_URL (GATEWAY_FEED_URL). A service "
        "not given is on loopback at its registry port.",
    )

    upstream_timeout: float = Field(
        10.0, gt=0, description="Whole-exchange deadline for one forwarded request (-> 504)"
    )
    connect_timeout: float = Field(
        2.0, gt=0, description="Time to open a connection to a service (-> 503 when exceeded)"
    )
    max_connections: int = Field(200, ge=1, description="Pooled connections for ordinary calls")
    pool_idle_seconds: float = Field(
        4.0,
        gt=0,
        description="Idle pooled connections are closed after this; keep it below the services' "
        "keep-alive (5 s) so a request never goes out on a connection being closed",
    )
    max_streams: int = Field(
        10_000, ge=1, description="Concurrent long-lived streams (notifications), own pool"
    )
    max_body_bytes: int = Field(MIB, ge=0, description="Largest request body accepted (-> 413)")

    user_rate: float = Field(20.0, gt=0, description="Sustained requests per second per user")
    user_burst: int = Field(60, ge=1, description="Requests a user may make at once")
    ip_rate: float = Field(50.0, gt=0, description="Sustained requests per second per client IP")
    ip_burst: int = Field(100, ge=1, description="Requests one client IP may make at once")
    rate_limit_max_keys: int = Field(
        100_000, ge=1, description="Buckets kept in memory per limiter; least recent dropped"
    )

    jwt_issuer: str = "jobfriends-identity"
    jwt_audience: str = "jobfriends"
    jwt_leeway_seconds: float = Field(10.0, ge=0, description="Clock skew tolerated on exp/nbf")
    jwks_min_refresh_seconds: float = Field(
        5.0, ge=0, description="Least time between two JWKS fetches (unknown kids cannot hammer)"
    )
    jwks_max_age_seconds: float = Field(
        300.0, gt=0, description="Keys older than this are re-fetched in the background"
    )
    jwks_fetch_timeout: float = Field(3.0, gt=0)

    openapi_cache_seconds: float = Field(60.0, ge=0)
    openapi_fetch_timeout: float = Field(3.0, gt=0)

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API; comma-separated; empty = no CORS",
    )

    session_days: int = Field(
        30,
        ge=1,
        le=365,
        description="How long a browser session's cookies last (keep it at "
        "identity's refresh-token lifetime: the refresh cookie is what renews the session)",
    )
    session_cookie_secure: bool | None = Field(
        None,
        description="Mark session cookies Secure: unset = when the request came over https "
        "(behind a TLS proxy, run uvicorn with --proxy-headers or set this to true)",
    )
    web_dir: Path | None = Field(
        default_factory=lambda: _BUILT_WEB_APP if _BUILT_WEB_APP.is_dir() else None,
        description="The built web app served at / (web/dist); unset or missing = no web app",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _ServiceUrlsFromEnv(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )

    @field_validator("service_urls")
    @classmethod
    def _every_service_an_origin(cls, given: dict[str, str]) -> dict[str, str]:
        unknown = set(given) - {spec.name for spec in SERVICES}
        if unknown:
            raise ValueError(f"no such service in the registry: {sorted(unknown)}")
        urls = {spec.name: f"http://127.0.0.1:{spec.port}" for spec in SERVICES}
        for name, url in given.items():
            url = url.rstrip("/")
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"the URL of {name} must start with http:// or https://")
            urls[name] = url
        return urls

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _connect_within_deadline(self) -> GatewaySettings:
        if self.connect_timeout > self.upstream_timeout:
            raise ValueError("connect_timeout must not exceed upstream_timeout")
        return self
