"""Settings: SDO_ variables only, the per-service database override, nothing read at import."""

from __future__ import annotations

import pytest

from services.orders.settings import OrdersSettings
from services.quality.settings import QualitySettings
from services.suppliers.settings import SuppliersSettings
from shared.settings import DEV_JWT_SECRET, MissingSigningKey, ServiceSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("SDO_") or name.upper() == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_the_orders_database_url_overrides_the_shared_one_for_orders_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDO_DATABASE_URL", "postgresql+asyncpg://db/all")
    monkeypatch.setenv("SDO_ORDERS_DATABASE_URL", "postgresql+asyncpg://db/orders")
    assert OrdersSettings().resolved_database_url() == "postgresql+asyncpg://db/orders"
    assert SuppliersSettings().resolved_database_url() == "postgresql+asyncpg://db/all"
    assert QualitySettings().resolved_database_url() == "postgresql+asyncpg://db/all"


def test_each_service_defaults_to_its_own_sqlite_file() -> None:
    urls = {s().resolved_database_url() for s in (OrdersSettings, SuppliersSettings, QualitySettings)}
    assert urls == {f"sqlite+aiosqlite:///var/{name}.db" for name in ("orders", "suppliers", "quality")}


def test_variables_without_the_sdo_prefix_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone-elses/db")
    monkeypatch.setenv("AMQP_URL", "amqp://elsewhere/")
    monkeypatch.setenv("RESTRICTED_COUNTRIES", "RU")
    assert OrdersSettings().database_url is None
    assert QualitySettings().amqp_url is None
    assert SuppliersSettings().restricted_countries == frozenset()


def test_keyword_arguments_still_configure_a_service() -> None:
    settings = OrdersSettings(database_url="sqlite+aiosqlite:///x.db", amqp_url="memory://", jwt_secret="s")
    assert settings.resolved_database_url() == "sqlite+aiosqlite:///x.db"
    assert settings.amqp_url == "memory://"


def test_the_shared_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDO_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    monkeypatch.setenv("SDO_JWT_SECRET", "from-env")
    monkeypatch.setenv("SDO_READINESS_TIMEOUT", "0.5")
    settings = QualitySettings()
    assert settings.amqp_url == "amqp://guest:guest@127.0.0.1:5672/"
    assert settings.resolved_jwt_secret() == "from-env"
    assert settings.readiness_timeout == 0.5
    assert (settings.jwt_issuer, settings.jwt_audience) == ("sdo", "sdo-api")


def test_defaults() -> None:
    settings = ServiceSettings()
    assert settings.amqp_url is None
    assert settings.idempotency_ttl_hours == 24


def test_without_a_key_a_service_refuses_to_check_tokens_unless_in_development_mode() -> None:
    with pytest.raises(MissingSigningKey, match="SDO_JWT_SECRET"):
        ServiceSettings().resolved_jwt_secret()
    assert ServiceSettings(dev_mode=True).resolved_jwt_secret() == DEV_JWT_SECRET
    assert ServiceSettings(jwt_public_key="-----BEGIN PUBLIC KEY-----").resolved_jwt_secret() is None
