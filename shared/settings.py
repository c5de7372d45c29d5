"""Settings common to every service, read from the environment (prefix ``SDO_``).

Nothing is read at import time: each service builds its settings inside its app factory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from shared.clock import DEFAULT_TIMEZONE
from shared.messaging.ownership import parse_publishers

DEV_JWT_SECRET = "sdo-dev-secret-change-me-in-production"


class _SdoEnvironment(EnvSettingsSource):
    """Only ``SDO_*`` variables configure the suite.

    A field with a validation alias (``AliasChoices("SDO_ORDERS_DATABASE_URL", ..., "database_url")``)
    would otherwise also read a bare ``DATABASE_URL`` some platform sets for another program.
    """

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name: value for name, value in super()._load_env_vars().items() if name.upper().startswith("SDO_")}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Each service connects to the broker as its own user: SDO_<SERVICE>_AMQP_URL overrides
        # SDO_AMQP_URL, for any service (``service_name``) without a field of its own.
        if field_name == "amqp_url":
            service = str(getattr(self.settings_cls, "service_name", "")).lower()
            name = f"SDO_{service.upper()}_AMQP_URL"
            override = self.env_vars.get(name if self.case_sensitive else name.lower())
            if override:
                return override, field_name, False
        return super().get_field_value(field, field_name)


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

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"SDO_TIMEZONE {value!r} is not an IANA time zone (e.g. Asia/Almaty)") from exc
        return value

    database_url: str | None = None
    amqp_url: str | None = None
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    # Local development only (`sdo up` sets it): tokens signed with the published dev secret are accepted.
    # Outside it a service refuses a published or short HS256 secret (shared.auth.check_signing_key).
    dev_mode: bool = False
    # The idempotency store keeps the issuer in 200 characters.
    jwt_issuer: str = Field(default="sdo", min_length=1, max_length=200)
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
    # The ministry's calendar: due dates, "today" and on-time judgements are dates in this zone, not UTC.
    timezone: str = Field(default=DEFAULT_TIMEZONE, min_length=1)
    # A request body over this answers 413 before it is parsed or its caller authenticated.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    # Requests to /api/ per caller (token `sub`, or client address without a valid token), e.g.
    # "100/second" or "20/second;1000/hour"; counted in each replica's memory. None: no limit.
    rate_limit: str | None = None
    # The pollers' answers (/status, feed pages) kept in memory: until the next commit signalled, or
    # for good where no commit can change them. False: every poll reads the database.
    poll_cache: bool = True
    # Bus integrity (contract section 10). Service -> broker user, e.g. "orders=sdo-orders,suppliers=sdo-suppliers":
    # where set, a consumer dead-letters an event whose AMQP user_id is not the user of the service
    # named by its source (on amqp:// only; memory:// carries no user). None: the source check alone.
    bus_publishers: str | None = None
    # Audit anchoring: how often the service publishes its chain head while it has new entries.
    audit_checkpoint_seconds: float = Field(default=60.0, gt=0)
    # The peers /audit/verify asks for the checkpoints they keep of this service: names
    # ("orders,suppliers,quality,fund", each at SDO_<NAME>_URL) or name=url pairs. None: not asked
    # (the answer then says nothing of anchoring). The service itself is skipped.
    audit_peers: str | None = None
    audit_peer_timeout: float = Field(default=5.0, gt=0)
    orders_url: str = "http://127.0.0.1:8001"
    suppliers_url: str = "http://127.0.0.1:8002"
    quality_url: str = "http://127.0.0.1:8003"
    fund_url: str = "http://127.0.0.1:8004"

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            items = parse_many(value)
        except ValueError:
            items = []
        if not items or any(item.amount < 1 for item in items):
            raise ValueError(
                f"{value!r} is not a rate limit; write e.g. '100/second', '1000 per hour' or '20/second;1000/hour'"
            )
        return value.strip()

    @field_validator("bus_publishers")
    @classmethod
    def _bus_publishers(cls, value: str | None) -> str | None:
        try:
            parse_publishers(value)
        except ValueError as exc:
            raise ValueError(f"SDO_BUS_PUBLISHERS: {exc}") from exc
        return value or None

    @model_validator(mode="after")
    def _audit_peers_resolve(self) -> Self:
        self.audit_peer_urls()  # an unknown peer name stops the service at start-up, naming it
        return self

    def publisher_users(self) -> dict[str, str]:
        return parse_publishers(self.bus_publishers)

    def audit_peer_urls(self) -> dict[str, str]:
        """Peer service -> its base URL, from ``audit_peers``; never the service itself."""
        peers: dict[str, str] = {}
        for item in (self.audit_peers or "").split(","):
            name, sep, url = (part.strip() for part in item.partition("="))
            if not name or name == self.service_name:
                continue
            if not sep:
                url = "" if name in ("database", "amqp") else getattr(self, f"{name}_url", None) or ""
                if not isinstance(url, str) or not url:
                    raise ValueError(f"SDO_AUDIT_PEERS: no URL for {name!r}; write {name}=http://host:port")
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"SDO_AUDIT_PEERS: {name}'s URL {url!r} is not http(s)://")
            peers[name] = url.rstrip("/")
        return peers

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
            f"{self.service_name}: set SDO_JWT_SECRET (HS256, at least 32 random bytes) or SDO_JWT_PUBLIC_KEY (RS256)"
        )


class MissingSigningKey(RuntimeError):
    """No key to check tokens with, outside development mode."""
