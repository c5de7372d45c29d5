"""Request and response bodies of the suppliers API (contract section 4).

Request models forbid unknown fields and name the offending field in every error; cross-field
rules (BIN for KZ, ``valid_until`` after ``valid_from``) are field validators for that reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self, get_args
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
    model_validator,
)
from pydantic.config import JsonDict

from services.suppliers.domain.contacts import MAX_CONTACTS, Contact
from services.suppliers.domain.diversification import CategoryDiversification
from services.suppliers.domain.eligibility import Eligibility
from services.suppliers.domain.expiry import Lapsing
from services.suppliers.domain.identity import DOMESTIC_COUNTRY, normalize_country, validate_bin
from services.suppliers.domain.scorecard import ScorecardCounters, scorecard
from services.suppliers.domain.supplier import Supplier

# The order categories of contract section 3 (domain.facts.ORDER_CATEGORIES, checked by a unit test).
Category = Literal["procurement", "maintenance", "repair", "modernization", "production"]
SupplierStatusName = Literal["pending", "active", "suspended", "excluded"]
# A supplier declares a subset of them: no list is longer than all of them (a name given twice counts twice).
MAX_CATEGORIES = len(get_args(Category))
# BIN and registration number: room for any real one and surrounding blanks; the BIN's form is the domain's check.
MAX_IDENTIFIER_LENGTH = 100


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time this service stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
_CENT = Decimal("0.01")
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


# Registered names are often Cyrillic; the examples show one.
_CYRILLIC_NAME = "ТОО «Казахстан Инжиниринг»"  # noqa: RUF001


# A plain address check (no deliverability lookup): one @, no spaces, a dot in the domain.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# International or national notation: digits, spaces, dashes, parentheses, an optional leading +.
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{3,28}[0-9]$"


class ContactBody(_Request):
    """Someone the registry reaches at the supplier; an email or a phone is needed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Айгуль Нурланова",
                    "role": "quality manager",
                    "email": "a.nurlanova@kazeng.kz",
                    "phone": "+7 7172 55 00 00",
                }
            ]
        },
    )

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=30, pattern=PHONE_PATTERN)] | None = None

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.email or self.phone):
            raise ValueError("a contact needs an email or a phone")
        return self

    def to_contact(self) -> Contact:
        return Contact(self.name, self.role, self.email, self.phone)


Contacts = Annotated[
    list[ContactBody],
    Field(max_length=MAX_CONTACTS, description=f"People to reach at the supplier, at most {MAX_CONTACTS}."),
]


def _distinct_contacts(value: list[ContactBody]) -> list[ContactBody]:
    if len({c.to_contact() for c in value}) != len(value):
        raise ValueError("a contact is listed twice")
    return value


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
        max_length=MAX_IDENTIFIER_LENGTH,
        validate_default=True,
        description="Kazakhstan business identification number: 12 digits with a valid check digit. "
        "Required when `country` is `KZ`.",
    )
    registration_number: str | None = Field(
        default=None,
        max_length=MAX_IDENTIFIER_LENGTH,
        validate_default=True,
        description="Registration number in the home country. Required when `country` is not `KZ`.",
    )
    categories: list[Category] = Field(
        min_length=1,
        max_length=MAX_CATEGORIES,
        description="Order categories the supplier works in: a subset of the five.",
    )
    local_content_share: Percent = Field(description="Kazakhstan local content, percent 0-100.")
    security_clearance: bool = Field(default=False, description="Holds a clearance for classified work.")
    contacts: Contacts = Field(default_factory=list)

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: list[ContactBody]) -> list[ContactBody]:
        return _distinct_contacts(value)

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


class SupplierPatch(_Request):
    """The fields given are changed, the others kept; none may be null. Identity (country, BIN,
    registration number) and status do not change here."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "minProperties": 1,
            "examples": [
                {
                    "local_content_share": 64.5,
                    "security_clearance": True,
                    "contacts": [
                        {"name": "Айгуль Нурланова", "role": "quality manager", "email": "a.nurlanova@kazeng.kz"}
                    ],
                },
                {"name": _CYRILLIC_NAME, "categories": ["repair", "modernization", "production"]},
            ],
        },
    )

    # Not Optional: a field is left out to keep it, never null. The defaults only mark it as not given.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] = None  # type: ignore[assignment]
    categories: list[Category] = Field(default=None, min_length=1, max_length=MAX_CATEGORIES)  # type: ignore[arg-type]
    local_content_share: Percent = Field(default=None, description="Kazakhstan local content, percent 0-100.")  # type: ignore[assignment]
    security_clearance: bool = None  # type: ignore[assignment]
    contacts: Contacts = None  # type: ignore[assignment]

    @field_validator("categories")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: list[ContactBody]) -> list[ContactBody]:
        return _distinct_contacts(value)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self

    def values(self) -> dict[str, Any]:
        """The fields given, as the aggregate takes them."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        if "contacts" in given:
            given["contacts"] = [contact.to_contact() for contact in given["contacts"]]
        return given


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


class SuspendRequest(_Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "license under review by the ministry"},
                {"reason": "late deliveries under review", "until": "2027-03-01"},
            ]
        },
    )

    reason: Reason
    until: date | None = Field(
        default=None,
        description="The day the suspension lapses on its own (the supplier is active again that day); "
        "after today on the ministry's calendar (`SDO_TIMEZONE`). Without it the suspension lasts until reinstated.",
    )


class RevokeRequest(_Request):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "withdrawn by the issuing authority"}]}
    )

    reason: Reason


class _Copied(BaseModel):
    """A body whose fields are the attributes of what it renders, named alike."""

    @classmethod
    def of(cls, source: Any) -> Self:
        return cls.model_validate(source, from_attributes=True)


_LICENSE_EXAMPLE: JsonDict = {
    "id": "5a0d2c1e-9b8f-4e7d-a6c5-b4a3928170fe",
    "supplier_id": "0b8f6a52-3c1e-4c55-9a51-2f0a3c1d9e7b",
    "category": "repair",
    "number": "MIC-L-2024-0042",
    "valid_from": "2024-01-01",
    "valid_until": "2029-12-31",
    "version": 2,
    "created_at": "2024-01-10T09:30:00Z",
    "revoked_at": "2026-03-02T08:00:00Z",
    "revocation_reason": "withdrawn by the issuing authority",
}


class LicensePublic(_Copied):
    model_config = ConfigDict(json_schema_extra={"examples": [_LICENSE_EXAMPLE]})

    id: UUID
    supplier_id: UUID
    category: str
    number: str
    valid_from: date
    valid_until: date
    version: int
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None = Field(description="When it was revoked; a revoked license is never valid.")
    revocation_reason: str | None


class CertificationPublic(_Copied):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "9c4b7e21-0f3a-4d8e-b1c2-d3e4f5a6b7c8",
                    "supplier_id": "0b8f6a52-3c1e-4c55-9a51-2f0a3c1d9e7b",
                    "standard": "AQAP-2110",
                    "number": "QA-7781",
                    "valid_until": "2027-06-30",
                    "version": 1,
                    "created_at": "2024-06-30T12:00:00Z",
                    "revoked_at": None,
                    "revocation_reason": None,
                }
            ]
        }
    )

    id: UUID
    supplier_id: UUID
    standard: str
    number: str
    valid_until: date
    version: int
    created_at: UtcDateTime
    revoked_at: UtcDateTime | None = Field(description="When it was revoked; a revoked certificate is never valid.")
    revocation_reason: str | None


class ContactPublic(_Copied):
    name: str
    role: str | None
    email: str | None
    phone: str | None


class ScorecardPublic(BaseModel):
    """Kept from events; rates in percent 0-100, null before the first lot or delivery."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "supplier_id": "0b8f6a52-3c1e-4c55-9a51-2f0a3c1d9e7b",
                    "orders_awarded": 2,
                    "lots_inspected": 4,
                    "lots_accepted": 3,
                    "acceptance_rate": 75.0,
                    "deliveries": 3,
                    "on_time_deliveries": 2,
                    "on_time_rate": 66.67,
                    "short_deliveries": 1,
                    "concessions": 1,
                    "discontinuations": 0,
                }
            ]
        }
    )

    supplier_id: UUID
    orders_awarded: int
    lots_inspected: int = Field(
        description="Inspected lots; a lot accepted under concession counts once, as not accepted."
    )
    lots_accepted: int
    acceptance_rate: float | None
    deliveries: int = Field(description="Delivered lots (an order delivered in three lots counts three).")
    on_time_deliveries: int = Field(description="Delivered lots received by their due dates.")
    on_time_rate: float | None
    short_deliveries: int = Field(description="Shipments received short (`order.delivery_short`).")
    concessions: int = Field(description="Rejected lots the ministry accepted as they are (`use_as_is`).")
    discontinuations: int = Field(
        description="Times an order's inspections were discontinued (5 lots not accepted on tightened inspection)."
    )

    @classmethod
    def of(cls, supplier_id: UUID, counters: ScorecardCounters) -> ScorecardPublic:
        return cls(supplier_id=supplier_id, **asdict(scorecard(counters)))


# The supplier's fields the body shows as the aggregate holds them.
_SUPPLIER_AS_IS = (
    "id name country bin registration_number categories security_clearance status_reason suspended_until "
    "allowed_actions version created_at updated_at"
).split()


class SupplierPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b8f6a52-3c1e-4c55-9a51-2f0a3c1d9e7b",
                    "name": _CYRILLIC_NAME,
                    "country": "KZ",
                    "bin": "040840005125",
                    "registration_number": None,
                    "categories": ["repair", "modernization"],
                    "local_content_share": 64.5,
                    "security_clearance": True,
                    "status": "suspended",
                    "status_reason": "late deliveries under review",
                    "suspended_until": "2026-04-01",
                    "allowed_actions": ["reinstate", "exclude"],
                    "licenses": [_LICENSE_EXAMPLE],
                    "certifications": [],
                    "contacts": [
                        {
                            "name": "Aigul Nurlanova",
                            "role": "quality manager",
                            "email": "a.nurlanova@kazeng.kz",
                            "phone": "+7 7172 55 00 00",
                        }
                    ],
                    "scorecard": {
                        "supplier_id": "0b8f6a52-3c1e-4c55-9a51-2f0a3c1d9e7b",
                        "orders_awarded": 2,
                        "lots_inspected": 4,
                        "lots_accepted": 3,
                        "acceptance_rate": 75.0,
                        "deliveries": 3,
                        "on_time_deliveries": 2,
                        "on_time_rate": 66.67,
                        "short_deliveries": 1,
                        "concessions": 1,
                        "discontinuations": 0,
                    },
                    "version": 7,
                    "created_at": "2024-01-10T09:00:00Z",
                    "updated_at": "2026-03-02T08:00:00Z",
                }
            ]
        }
    )

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
    suspended_until: date | None = Field(
        description="While suspended with an end: the day the suspension lapses (the supplier is active that day)."
    )
    allowed_actions: list[str] = Field(description="Status actions drawn from the current status.")
    licenses: list[LicensePublic]
    certifications: list[CertificationPublic]
    contacts: list[ContactPublic]
    scorecard: ScorecardPublic
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime

    @classmethod
    def of(cls, supplier: Supplier) -> SupplierPublic:
        return cls(
            **{name: getattr(supplier, name) for name in _SUPPLIER_AS_IS},
            local_content_share=float(supplier.local_content_share),
            status=supplier.status.value,
            licenses=[LicensePublic.of(held) for held in supplier.licenses],
            certifications=[CertificationPublic.of(held) for held in supplier.certifications],
            contacts=[ContactPublic.of(contact) for contact in supplier.contacts],
            scorecard=ScorecardPublic.of(supplier.id, supplier.counters),
        )


HistoryKind = Literal[
    "registered",
    "status_changed",
    "updated",
    "license_added",
    "license_revoked",
    "certification_added",
    "certification_revoked",
]


class Change(BaseModel):
    before: Any = Field(json_schema_extra={"example": 60.0})
    after: Any = Field(json_schema_extra={"example": 64.5})


class HistoryEntryPublic(_Copied):
    """One change of the record. A status change names the statuses before and after and the event
    that announced it; any other change (``updated``, a license or certification added or revoked)
    names the status the supplier had in both, what changed (``changes``) or what it concerned (``item``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "updated",
                    "from_status": "active",
                    "to_status": "active",
                    "reason": None,
                    "changes": {"local_content_share": {"before": 60.0, "after": 64.5}},
                    "item": None,
                    "actor": "mic-officer-7",
                    "at": "2026-03-02T08:00:00Z",
                    "event_id": None,
                },
                {
                    "kind": "status_changed",
                    "from_status": "suspended",
                    "to_status": "active",
                    "reason": "suspension_expired",
                    "changes": {},
                    "item": None,
                    "actor": "system",
                    "at": "2026-04-01T00:00:05Z",
                    "event_id": "7f1c3e4a-1b2d-4c5e-8f90-a1b2c3d4e5f6",
                },
            ]
        }
    )

    kind: HistoryKind
    from_status: SupplierStatusName | None
    to_status: SupplierStatusName
    reason: str | None
    changes: dict[str, Change] = Field(description="Each changed field: its value before and after.")
    item: dict[str, Any] | None = Field(description="The license or certification concerned.")
    actor: str
    at: UtcDateTime
    event_id: UUID | None = Field(description="The `supplier.status_changed` event of a status change.")

    @field_validator("changes", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or {}


class ExpiringPublic(BaseModel):
    """A license or certification that lapses within the window asked for."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "license",
                    "id": "5a0d2c1e-9b8f-4e7d-a6c5-b4a3928170fe",
                    "supplier_id": "0b8f6a52-3c1e-4c55-9a51-2f0a3c1d9e7b",
                    "supplier_name": _CYRILLIC_NAME,
                    "supplier_status": "active",
                    "category": "repair",
                    "standard": None,
                    "number": "MIC-L-2024-0042",
                    "valid_until": "2026-04-30",
                    "days_left": 29,
                }
            ]
        }
    )

    kind: Literal["license", "certification"]
    id: UUID
    supplier_id: UUID
    supplier_name: str
    supplier_status: SupplierStatusName
    category: str | None = Field(description="A license's order category.")
    standard: str | None = Field(description="A certification's standard.")
    number: str
    valid_until: date = Field(description="Its last valid day.")
    days_left: int = Field(description="Days from today (ministry calendar) to `valid_until`; 0: its last day.")

    @classmethod
    def of(cls, item: Lapsing, today: date) -> ExpiringPublic:
        return cls(**asdict(item), days_left=(item.valid_until - today).days)


class EligibilityPublic(BaseModel):
    supplier_id: UUID
    eligible: bool
    reasons: list[str] = Field(
        description="Every reason that applies: `not_active`, `no_valid_license`, `missing_certification`, "
        "`local_content_below_minimum`, `country_restricted`, `no_security_clearance`."
    )
    missing_certifications: list[str]
    on: date = Field(description="The date licenses and certifications were judged at.")

    @classmethod
    def of(cls, supplier_id: UUID, verdict: Eligibility, on: date) -> EligibilityPublic:
        return cls(
            supplier_id=supplier_id,
            eligible=verdict.eligible,
            reasons=verdict.reasons,
            missing_certifications=verdict.missing_certifications,
            on=on,
        )


class CategoryDiversificationPublic(BaseModel):
    category: str
    active_suppliers: int
    awarded_value_kzt: Decimal = Field(description="Contracted value in KZT, as a decimal string.")
    by_country: dict[str, float] = Field(description="Share of awarded value per country, percent.")
    domestic_share: float | None = Field(description="Share placed with `KZ` suppliers, percent; null with no value.")
    hhi: float | None = Field(description="Herfindahl-Hirschman index over suppliers, 0-10000; null with no value.")
    hhi_by_country: float | None = Field(
        description="Herfindahl-Hirschman index over the suppliers' countries, 0-10000; null with no value."
    )

    @classmethod
    def of(cls, row: CategoryDiversification) -> CategoryDiversificationPublic:
        return cls(
            category=row.category,
            active_suppliers=row.active_suppliers,
            awarded_value_kzt=row.awarded_value_kzt.quantize(_CENT),
            by_country=row.by_country,
            domestic_share=row.domestic_share,
            hhi=row.hhi,
            hhi_by_country=row.hhi_by_country,
        )


class DiversificationPublic(BaseModel):
    categories: list[CategoryDiversificationPublic]

    @classmethod
    def of(cls, rows: Iterable[CategoryDiversification]) -> DiversificationPublic:
        return cls(categories=[CategoryDiversificationPublic.of(row) for row in rows])
