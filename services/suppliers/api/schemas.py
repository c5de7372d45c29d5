"""Request and response bodies of the suppliers API (contract section 4).

Request models forbid unknown fields and name the offending field in every error; cross-field
rules (BIN for KZ, ``valid_until`` after ``valid_from``) are field validators for that reason.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from services.suppliers.domain.identity import DOMESTIC_COUNTRY, normalize_country, validate_bin

# The order categories of contract section 3 (domain.facts.ORDER_CATEGORIES, checked by a unit test).
Category = Literal["procurement", "maintenance", "repair", "modernization", "production"]
SupplierStatusName = Literal["pending", "active", "suspended", "excluded"]


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time this service stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
# The document says number (0-100); a decimal string is read too, as the orders service does.
Percent = Annotated[
    Decimal,
    Field(ge=0, le=100, decimal_places=2),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]
# ISO 3166-1 alpha-2; the document lists the assigned codes (a lower-case one is read as upper case).
COUNTRY_CODES: tuple[str, ...] = tuple(sorted(country.alpha_2 for country in pycountry.countries))
CountryCode = Annotated[
    str,
    AfterValidator(normalize_country),
    WithJsonSchema({"type": "string", "enum": list(COUNTRY_CODES), "examples": ["KZ"]}),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SupplierCreate(_Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Kazakhstan Engineering JSC",
                    "country": "KZ",
                    "bin": "040840005125",
                    "categories": ["repair", "modernization"],
                    "local_content_share": 72.5,
                    "security_clearance": True,
                },
                {
                    "name": "Aselsan A.S.",
                    "country": "TR",
                    "registration_number": "TR-123456",
                    "categories": ["production"],
                    "local_content_share": 15,
                    "security_clearance": True,
                },
            ]
        },
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 code, e.g. `KZ`.")
    bin: str | None = Field(
        default=None,
        validate_default=True,
        description="Kazakhstan business identification number: 12 digits with a valid check digit. "
        "Required when `country` is `KZ`.",
    )
    registration_number: str | None = Field(
        default=None,
        max_length=100,
        validate_default=True,
        description="Registration number in the home country. Required when `country` is not `KZ`.",
    )
    categories: list[Category] = Field(min_length=1, description="Order categories the supplier works in.")
    local_content_share: Percent = Field(description="Kazakhstan local content, percent 0-100.")
    security_clearance: bool = Field(default=False, description="Holds a clearance for classified work.")

    @field_validator("bin")
    @classmethod
    def _bin(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value.strip():
            return validate_bin(value)
        # Country failed its own check when it is missing here: say nothing more about the BIN.
        if info.data.get("country") == DOMESTIC_COUNTRY:
            raise ValueError("bin is required when country is KZ")
        return None

    @field_validator("registration_number")
    @classmethod
    def _registration_number(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value.strip():
            return value.strip()
        country = info.data.get("country")
        if country is not None and country != DOMESTIC_COUNTRY:
            raise ValueError("registration_number is required when country is not KZ")
        return None

    @field_validator("categories")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class LicenseCreate(_Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "repair",
                    "number": "MIC-L-2024-0042",
                    "valid_from": "2024-01-01",
                    "valid_until": "2029-12-31",
                }
            ]
        },
    )

    category: Category
    number: Text
    valid_from: date
    valid_until: date = Field(description="Last day the license is valid (inclusive); not before `valid_from`.")

    @field_validator("valid_until")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        valid_from = info.data.get("valid_from")
        if valid_from is not None and value < valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return value


class CertificationCreate(_Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"standard": "AQAP-2110", "number": "QA-7781", "valid_until": "2027-06-30"}]},
    )

    standard: Text = Field(description='The standard certified to, e.g. `"ISO 9001"` or `"AQAP-2110"`.')
    number: Text
    valid_until: date = Field(description="Last day the certificate is valid (inclusive).")


class OptionalReason(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "documents checked"}]})

    reason: Reason | None = None


class RequiredReason(_Request):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "license under review by the ministry"}]}
    )

    reason: Reason


class LicensePublic(BaseModel):
    id: UUID
    supplier_id: UUID
    category: str
    number: str
    valid_from: date
    valid_until: date
    version: int
    created_at: UtcDateTime


class CertificationPublic(BaseModel):
    id: UUID
    supplier_id: UUID
    standard: str
    number: str
    valid_until: date
    version: int
    created_at: UtcDateTime


class ScorecardPublic(BaseModel):
    """Kept from events; rates in percent 0-100, null before the first lot or delivery."""

    supplier_id: UUID
    orders_awarded: int
    lots_inspected: int
    lots_accepted: int
    acceptance_rate: float | None
    deliveries: int
    on_time_deliveries: int
    on_time_rate: float | None


class SupplierPublic(BaseModel):
    id: UUID
    name: str
    country: str
    bin: str | None
    registration_number: str | None
    categories: list[str]
    local_content_share: float
    security_clearance: bool
    status: SupplierStatusName
    status_reason: str | None
    allowed_actions: list[str] = Field(description="Status actions drawn from the current status.")
    licenses: list[LicensePublic]
    certifications: list[CertificationPublic]
    scorecard: ScorecardPublic
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class StatusChangePublic(BaseModel):
    from_status: SupplierStatusName | None
    to_status: SupplierStatusName
    reason: str | None
    actor: str
    at: UtcDateTime
    event_id: UUID


class EligibilityPublic(BaseModel):
    supplier_id: UUID
    eligible: bool
    reasons: list[str] = Field(
        description="Every reason that applies: `not_active`, `no_valid_license`, `missing_certification`, "
        "`local_content_below_minimum`, `country_restricted`, `no_security_clearance`."
    )
    missing_certifications: list[str]
    on: date = Field(description="The date licenses and certifications were judged at.")


class CategoryDiversificationPublic(BaseModel):
    category: str
    active_suppliers: int
    awarded_value_kzt: Decimal = Field(description="Contracted value in KZT, as a decimal string.")
    by_country: dict[str, float] = Field(description="Share of awarded value per country, percent.")
    domestic_share: float | None = Field(description="Share placed with `KZ` suppliers, percent; null with no value.")
    hhi: float | None = Field(description="Herfindahl-Hirschman index over suppliers, 0-10000; null with no value.")


class DiversificationPublic(BaseModel):
    categories: list[CategoryDiversificationPublic]
