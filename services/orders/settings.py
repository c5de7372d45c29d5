"""Settings of the orders service: the shared ones plus `SDO_ORDERS_DATABASE_URL`, `SDO_KPI_TARGETS` and
`SDO_MAX_RATE_CHANGE`."""

from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, Field, field_validator

from services.orders.domain.kpi import parse_kpi_targets
from services.orders.domain.pricing import DEFAULT_MAX_RATE_CHANGE, check_max_rate_change
from services.orders.domain.specification import Category
from shared.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    service_name = "orders"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_ORDERS_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )
    # e.g. "repair=55,modernization=35,production=70"; categories not named keep their defaults.
    kpi_targets: str | None = None
    # How far one exchange-rate change may move a rate from the one it replaces, either way; 0: no bound.
    max_rate_change: Decimal = DEFAULT_MAX_RATE_CHANGE

    @field_validator("kpi_targets")
    @classmethod
    def _readable_targets(cls, value: str | None) -> str | None:
        parse_kpi_targets(value)  # a bad value stops the service at start-up, naming the variable
        return value

    @field_validator("max_rate_change", mode="before")
    @classmethod
    def _sane_factor(cls, value: object) -> Decimal:
        return check_max_rate_change(value)  # a bad value stops the service at start-up, naming the variable

    def kpi_target_map(self) -> dict[Category, Decimal]:
        return parse_kpi_targets(self.kpi_targets)
