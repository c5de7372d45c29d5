"""Request and response bodies of the quality API (contract section 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from services.quality.db.repository import acceptance_plan, as_utc
from services.quality.db.tables import AcceptancePlanRow, CertificateRow, InspectionRow, MeasurementRow
from services.quality.domain.certificate import Certificate
from services.quality.domain.inspection import ClosedReason, InspectionStatus
from services.quality.domain.plan import INSPECTION_SEVERITY, STANDARD
from services.quality.domain.sampling import SamplingPlan

InspectionStatusName = Literal["open", "accepted", "rejected"]
ClosedReasonName = Literal["verdict", "order_cancelled"]

_SAMPLE_IDS = {
    "order": "6f1c2b9e-4d0a-4b8e-9a51-3c2f1e7d8a90",
    "supplier": "0b6a3d1f-9e2c-4f7a-8b15-2d4e6f8a0c13",
    "inspection": "a3e8c7d2-5b19-4f60-9c4e-7d1b2a3f4e56",
    "certificate": "c9d4e2f1-7a3b-4c8d-9e5f-1a2b3c4d5e6f",
}


class SamplingPlanPublic(BaseModel):
    """An ISO 2859-1 single sampling plan, normal inspection, arrows resolved."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code_letter": "J", "sample_size": 80, "accept": 2, "reject": 3}]}
    )

    code_letter: str = Field(description="Letter of the plan used, after following the table's arrows.")
    sample_size: int = Field(description="Units to inspect (the whole lot when the plan's sample reaches it).")
    accept: int = Field(description="Ac: the most defective units that still accept the lot.")
    reject: int = Field(description="Re: this many defective units reject the lot.")

    @classmethod
    def of(cls, plan: SamplingPlan) -> SamplingPlanPublic:
        return cls(**plan.as_dict())


class RequirementPublic(BaseModel):
    code: str
    name: str
    unit: str
    min: float | None = Field(description="Lower limit, inclusive; null when there is none.")
    max: float | None = Field(description="Upper limit, inclusive; null when there is none.")
    critical: bool = Field(description="A failure of a critical requirement rejects the lot by itself.")


class AcceptancePlanPublic(BaseModel):
    """What is checked on every unit of an order and how its lots are sampled."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "order_id": _SAMPLE_IDS["order"],
                    "supplier_id": _SAMPLE_IDS["supplier"],
                    "category": "production",
                    "quantity": 1000,
                    "aql": 1.0,
                    "standard": STANDARD,
                    "inspection_level": "II",
                    "inspection_severity": INSPECTION_SEVERITY,
                    "requirements": [
                        {
                            "code": "DIAM",
                            "name": "Bore diameter",
                            "unit": "mm",
                            "min": 9.95,
                            "max": 10.05,
                            "critical": False,
                        },
                        {
                            "code": "PRESS",
                            "name": "Burst pressure",
                            "unit": "MPa",
                            "min": 100,
                            "max": None,
                            "critical": True,
                        },
                    ],
                    "critical_codes": ["PRESS"],
                    "cancelled_at": None,
                    "cancel_reason": None,
                    "created_at": "2025-03-01T10:15:30Z",
                    "updated_at": "2025-03-01T10:15:30Z",
                    "version": 1,
                }
            ]
        }
    )

    order_id: UUID
    supplier_id: UUID
    category: str
    quantity: int
    aql: float = Field(description="ISO 2859-1 AQL, as the order gave it.")
    standard: str
    inspection_level: str
    inspection_severity: str
    requirements: list[RequirementPublic]
    critical_codes: list[str]
    cancelled_at: datetime | None = Field(description="When the order was cancelled; no inspection opens after.")
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: AcceptancePlanRow) -> AcceptancePlanPublic:
        plan = acceptance_plan(row)
        return cls(
            order_id=row.order_id,
            supplier_id=row.supplier_id,
            category=row.category,
            quantity=row.quantity,
            **plan.as_dict(),
            cancelled_at=row.cancelled_at and as_utc(row.cancelled_at),
            cancel_reason=row.cancel_reason,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
            version=row.version,
        )


class FailedUnit(BaseModel):
    unit_serial: str
    value: float = Field(description="The value measured on this unit.")


class NonconformityPublic(BaseModel):
    """A requirement that failed: its limits and every unit that failed it, with the value measured."""

    code: str
    name: str
    unit: str
    min: float | None
    max: float | None
    critical: bool
    units: list[FailedUnit]


class InspectionPublic(BaseModel):
    """One inspection round of an order's lot."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _SAMPLE_IDS["inspection"],
                    "order_id": _SAMPLE_IDS["order"],
                    "supplier_id": _SAMPLE_IDS["supplier"],
                    "round": 1,
                    "lot_size": 1000,
                    "code_letter": "J",
                    "sample_size": 80,
                    "accept": 2,
                    "reject": 3,
                    "status": "rejected",
                    "closed_reason": "verdict",
                    "units_measured": 80,
                    "defective_units": 1,
                    "critical_failures": 1,
                    "nonconformities": [
                        {
                            "code": "PRESS",
                            "name": "Burst pressure",
                            "unit": "MPa",
                            "min": 100,
                            "max": None,
                            "critical": True,
                            "units": [{"unit_serial": "SN-0042", "value": 97.5}],
                        }
                    ],
                    "certificate_id": None,
                    "opened_at": "2025-03-01T10:15:30Z",
                    "closed_at": "2025-03-02T08:00:00Z",
                    "updated_at": "2025-03-02T08:00:00Z",
                    "version": 82,
                }
            ]
        }
    )

    id: UUID
    order_id: UUID
    supplier_id: UUID
    round: int = Field(description="1 for the first submission, 2, 3, ... after rework.")
    lot_size: int
    code_letter: str
    sample_size: int
    accept: int
    reject: int
    status: InspectionStatusName
    closed_reason: ClosedReasonName | None = Field(
        description="Why a closed inspection closed: `verdict` (completed by an inspector) or `order_cancelled` "
        "(the order was cancelled while the inspection was open; its status is then `rejected`, "
        "with no nonconformities and no verdict event)."
    )
    units_measured: int
    defective_units: int = Field(description="Units with at least one value outside its limits.")
    critical_failures: int = Field(description="Units that failed at least one critical requirement.")
    nonconformities: list[NonconformityPublic] = Field(description="Filled when the inspection completes.")
    certificate_id: UUID | None = Field(description="The certificate of an accepted lot; null otherwise.")
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, row: InspectionRow) -> InspectionPublic:
        return cls(
            id=row.id,
            order_id=row.order_id,
            supplier_id=row.supplier_id,
            round=row.round,
            lot_size=row.lot_size,
            code_letter=row.code_letter,
            sample_size=row.sample_size,
            accept=row.accept,
            reject=row.reject,
            status=InspectionStatus(row.status).value,
            closed_reason=ClosedReason(row.closed_reason).value if row.closed_reason else None,
            units_measured=row.units_measured,
            defective_units=row.defective_units,
            critical_failures=row.critical_failures,
            nonconformities=row.nonconformities,
            certificate_id=row.certificate_id,
            opened_at=as_utc(row.opened_at),
            closed_at=row.closed_at and as_utc(row.closed_at),
            updated_at=as_utc(row.updated_at),
            version=row.version,
        )


UnitSerial = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Typed loosely on purpose: the requirement rules name each bad code (`values.DIAM`) themselves,
# and strings such as "10.0" must be refused, not coerced. The schema still says "numbers".
MeasuredValues = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "additionalProperties": {"type": "number"},
            "description": "One finite number per requirement code of the order's plan, every code present.",
        }
    ),
]


class MeasurementCreate(BaseModel):
    """The readings of one unit of the sample."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"unit_serial": "SN-0042", "values": {"DIAM": 10.01, "PRESS": 121.5}}]},
    )

    unit_serial: UnitSerial = Field(description="Serial of the measured unit; each serial counts once.")
    values: MeasuredValues


class MeasurementPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "inspection_id": _SAMPLE_IDS["inspection"],
                    "unit_serial": "SN-0042",
                    "values": {"DIAM": 10.01, "PRESS": 97.5},
                    "defective": True,
                    "failed_codes": ["PRESS"],
                    "critical_codes": ["PRESS"],
                    "measured_by": "inspector-7",
                    "measured_at": "2025-03-02T07:59:00Z",
                }
            ]
        }
    )

    inspection_id: UUID
    unit_serial: str
    values: dict[str, float]
    defective: bool = Field(description="Whether any value lies outside its requirement's limits.")
    failed_codes: list[str]
    critical_codes: list[str] = Field(description="The failed requirements that are critical.")
    measured_by: str
    measured_at: datetime

    @classmethod
    def of(cls, row: MeasurementRow) -> MeasurementPublic:
        return cls(
            inspection_id=row.inspection_id,
            unit_serial=row.unit_serial,
            values=row.values,
            defective=bool(row.failed_codes),
            failed_codes=row.failed_codes,
            critical_codes=row.critical_codes,
            measured_by=row.measured_by,
            measured_at=as_utc(row.measured_at),
        )


class CertificatePublic(BaseModel):
    """A certificate of conformity; `sha256` is the digest of the canonical JSON of the other fields."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _SAMPLE_IDS["certificate"],
                    "number": "QC-2025-000042",
                    "order_id": _SAMPLE_IDS["order"],
                    "inspection_id": _SAMPLE_IDS["inspection"],
                    "issued_at": "2025-03-02T08:00:00Z",
                    "sha256": "9f2c5a0d8e1b7c3f4a6d2e9b0c1f8a7e5d3b2c1a0f9e8d7c6b5a4f3e2d1c0b9a",
                }
            ]
        }
    )

    id: UUID
    number: str = Field(description="`QC-<year>-<6 digits>`, unique.")
    order_id: UUID
    inspection_id: UUID
    issued_at: str = Field(description="RFC 3339 UTC, exactly as hashed.")
    sha256: str = Field(description="Hex SHA-256 of the canonical JSON (sorted keys, no spaces) of the fields above.")

    @classmethod
    def of(cls, row: CertificateRow) -> CertificatePublic:
        certificate = Certificate(row.id, row.number, row.order_id, row.inspection_id, as_utc(row.issued_at))
        return cls(**certificate.body(), sha256=row.sha256)
