"""Settings common to every service, read from the environment (prefix ``SDO_``).

Nothing is read at import time: each service builds its settings inside its app factory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

DEV_JWT_SECRET = "sdo-dev-secret-change-me-in-production"


class _SdoEnvironment(EnvSettingsSource):
    """Only ``SDO_*`` variables configure the suite.

    A field with a validation alias (``AliasChoices("SDO_ORDERS_DATABASE_URL", ..., "database_url")``)
    would otherwise also read a bare ``DATABASE_URL`` some platform sets for another program.
    """

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name: value for name, value in super()._load_env_vars().items() if name.upper().startswith("SDO_")}


class ServiceSettings(BaseSettings):
    """Base settings; each service subclasses it to name itself and its database override."""

    model_config = SettingsConfigDict(env_prefix="SDO_", extra="ignore", populate_by_name=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _SdoEnvironment(settings_cls), dotenv_settings, file_secret_settings

    service_name: ClassVar[str] = "service"

    database_url: str | None = None
    amqp_url: str | None = None
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    # Local development only (`sdo up` sets it): tokens signed with the published dev secret are accepted.
    dev_mode: bool = False
    jwt_issuer: str = "sdo"
    jwt_audience: str = "sdo-api"
    data_dir: Path = Path("var")
    log_level: str = "INFO"
    log_json: bool = False
    # Relay and consumer tuning; the defaults suit a single replica on a small machine.
    relay_batch_size: int = Field(default=100, ge=1, le=1000)
    relay_poll_seconds: float = Field(default=0.5, gt=0)
    relay_publish_timeout: float = Field(default=10.0, gt=0)
    consumer_prefetch: int = Field(default=32, ge=1, le=1000)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    # /readyz answers within this even when the database hangs (probes give up after a few seconds).
    readiness_timeout: float = Field(default=2.0, gt=0)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / (self.service_name + '.db')}"

    def resolved_jwt_secret(self) -> str | None:
        """The HS256 key; the well-known development secret only in development mode.

        A service that is given neither a secret nor a public key refuses to start rather than
        accept tokens anyone can mint.
        """
        if self.jwt_secret:
            return self.jwt_secret
        if self.jwt_public_key:
            return None
        if self.dev_mode:
            return DEV_JWT_SECRET
        raise MissingSigningKey(
            f"{self.service_name}: set SDO_JWT_SECRET (HS256) or SDO_JWT_PUBLIC_KEY (RS256); "
            "SDO_DEV_MODE=true accepts the development secret"
        )


class MissingSigningKey(RuntimeError):
    """No key to check tokens with, outside development mode."""
