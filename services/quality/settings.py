"""Settings of the quality service: the shared ones plus its own.

- ``SDO_QUALITY_DATABASE_URL`` overrides ``SDO_DATABASE_URL``.
- ``SDO_REDUCED_INSPECTION`` (default false): the responsible authority approves reduced inspection
  (ISO 2859-1 9.3.3 c); without it an order's series never leaves normal inspection for reduced, but its
  switching score is still kept.
- ``SDO_PDF_FONT``: a TrueType font with Cyrillic for printed certificates; by default the system's
  DejaVu Sans (Debian's fonts-dejavu-core) is looked up in the usual font folders.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    service_name = "quality"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_QUALITY_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )

    reduced_inspection: bool = False
    pdf_font: str | None = None
