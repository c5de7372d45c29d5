"""Settings of the quality service: the shared ones plus `SDO_QUALITY_DATABASE_URL`."""

from __future__ import annotations

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    service_name = "quality"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_QUALITY_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )
