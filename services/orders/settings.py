"""Settings of the orders service: the shared ones plus `SDO_ORDERS_DATABASE_URL` and `SDO_KPI_TARGETS`."""

from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, Field, field_validator

from services.orders.domain.kpi import parse_kpi_targets
from services.orders.domain.specification import Category
from shared.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    service_name = "orders"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_ORDERS_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )
    # e.g. "repair=55,modernization=35,production=70"; categories not named keep their defaults.
    kpi_targets: str | None = None

    @field_validator("kpi_targets")
    @classmethod
    def _readable_targets(cls, value: str | None) -> str | None:
        parse_kpi_targets(value)  # a bad value stops the service at start-up, naming the variable
        return value

    def kpi_target_map(self) -> dict[Category, Decimal]:
        return parse_kpi_targets(self.kpi_targets)
