"""Settings of the orders service: the shared ones plus `SDO_ORDERS_DATABASE_URL`."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    service_name = "orders"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_ORDERS_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )
