"""Settings of the suppliers service: the shared ones plus `SDO_SUPPLIERS_DATABASE_URL`."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class SuppliersSettings(ServiceSettings):
    service_name = "suppliers"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_SUPPLIERS_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )
