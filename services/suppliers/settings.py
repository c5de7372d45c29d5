"""Settings of the suppliers service: the shared ones plus the database override and restricted countries."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import NoDecode

from services.suppliers.domain.identity import parse_country_list
from shared.settings import ServiceSettings


class SuppliersSettings(ServiceSettings):
    service_name = "suppliers"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_SUPPLIERS_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )
    # SDO_RESTRICTED_COUNTRIES=RU,BY: suppliers from these countries are never eligible.
    # NoDecode: the variable is a comma-separated list, not JSON.
    restricted_countries: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(),
        validation_alias=AliasChoices("SDO_RESTRICTED_COUNTRIES", "restricted_countries"),
    )

    # How often the service reinstates suppliers whose suspension has lapsed (SDO_SUSPENSION_SWEEP_SECONDS).
    suspension_sweep_seconds: float = Field(default=60.0, gt=0, le=86400)

    @field_validator("restricted_countries", mode="before")
    @classmethod
    def _parse_countries(cls, value: Any) -> frozenset[str]:
        # An unknown code is a configuration error: refuse to start rather than let it through.
        return parse_country_list(value if value is not None else "")
