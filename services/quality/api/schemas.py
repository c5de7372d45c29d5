"""Request and response bodies of the quality API (contract section 5)."""

from __future__ import annotations

import sys
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from services.quality.db.repository import as_utc, order_plan
from services.quality.db.tables import (
    AcceptancePlanRow,
    CertificateRow,
    InspectionRow,
    MeasurementRow,
    NonconformanceRow,
)
from services.quality.domain.certificate import Certificate
from services.quality.domain.inspection import ClosedReason, Inspection, InspectionStatus, Measurement
from services.quality.domain.nonconformance import CURRENCY, Disposition, Nonconformance, NonconformanceStatus
from services.quality.domain.plan import AcceptancePlan, OrderPlan, money
from services.quality.domain.sampling import SamplingPlan, Severity
from shared.requirements import TechnicalRequirement

InspectionStatusName = Literal["open", "accepted", "rejected"]
SeverityName = Literal["normal", "tightened", "reduced"]
PlanStatusName = Literal["active", "discontinued", "cancelled"]
NonconformanceStatusName = Literal["open", "dispositioned"]
DispositionName = Literal["rework", "repair", "use_as_is", "scrap", "return"]
ClosedReasonName = Literal["verdict", "order_cancelled"]

# The documents' examples are made by the rules themselves, so they cannot drift from what is answered.
_ORDER_IDS = {"order_id": "6f1c2b9e-4d0a-4b8e-9a51-3c2f1e7d8a90", "supplier_id": "0b6a3d1f-9e2c-4f7a-8b15-2d4e6f8a0c13"}
_INSPECTION_ID = "a3e8c7d2-5b19-4f60-9c4e-7d1b2a3f4e56"
_PRESSURE = TechnicalRequirement("PRESS", "Burst pressure", "MPa", min=Decimal(100), critical=True)
_EXAMPLE_PLAN = AcceptancePlan(
    aql=Decimal("1.0"),
    requirements=(TechnicalRequirement("DIAM", "Bore diameter", "mm", Decimal("9.95"), Decimal("10.05")), _PRESSURE),
)


def _example(example: dict[str, Any], *, forbid_extra: bool = False) -> ConfigDict:
    config = ConfigDict(json_schema_extra={"examples": [example]})
    if forbid_extra:
        config["extra"] = "forbid"
    return config


class SamplingPlanPublic(BaseModel):
    """An ISO 2859-1 single sampling plan, normal inspection, arrows resolved."""

    model_config = _example(SamplingPlan("J", 80, 2, 3).as_dict())

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


class PlanHistoryEntry(BaseModel):
    """One step of the order's series of lots: a verdict (`kind: lot`) or a resumption (`kind: resume`)."""

    kind: Literal["lot", "resume"]
    lot_no: int | None = Field(default=None, description="The original lot's number; null for a resubmission.")
    inspection_id: UUID | None = None
    round: int | None = None
    verdict: InspectionStatusName | None = None
    original: bool | None = Field(default=None, description="False for a lot resubmitted after rework.")
    counted: bool | None = Field(default=None, description="Whether the switching rules took the lot in.")
    severity_before: SeverityName
    severity_after: SeverityName
    switching_score: int
    discontinued: bool = Field(description="Whether inspection is discontinued after this step.")
    reason: str | None = Field(default=None, description="Why inspection resumed.")
    by: str | None = Field(default=None, description="Who resumed it.")
    lots_not_accepted: int | None = Field(default=None, description="On tightened inspection, before resuming.")
    at: datetime


class MoneyPublic(BaseModel):
    """`{"amount": "1500.00", "currency": "KZT"}`: the amount is a decimal string."""

    amount: str
    currency: str


class LotPlanPublic(BaseModel):
    """The sampling plan of a lot of `lot_size` units at the plan's current severity."""

    lot_size: int
    code_letter: str
    sample_size: int
    accept: int
    reject: int


# What quality takes from the contract and uses, as an amendment changed it (only the figures it changed).
AmendedFigures = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "quantity": {"type": "integer", "description": "The order's quantity in force."},
                "remaining_quantity": {"type": "integer", "description": "Units still to accept."},
                "contract_price": {
                    "anyOf": [{"$ref": "#/components/schemas/MoneyPublic"}, {"type": "null"}],
                    "description": "The order's price in force, in KZT.",
                },
            },
            "additionalProperties": False,
        }
    ),
]


class PlanAmendmentEntry(BaseModel):
    """One amendment of the contract the plan took in (contract section 8)."""

    number: int = Field(description="The order's amendment number.")
    at: datetime = Field(description="When the orders service applied the amendment.")
    applied_at: datetime = Field(description="When the plan took it in.")
    order_changes: list[str] = Field(description="What the amendment changed on the order, by field.")
    before: AmendedFigures = Field(description="The plan's figures the amendment changed, before it.")
    after: AmendedFigures = Field(description="The same figures after it.")


_AMENDMENT_EXAMPLE: dict[str, Any] = {
    "number": 1,
    "at": "2025-04-10T09:00:00Z",
    "applied_at": "2025-04-10T09:00:01Z",
    "order_changes": ["contract_price", "quantity"],
    "before": {
        "quantity": 1000,
        "remaining_quantity": 1000,
        "contract_price": {"amount": "1000000.00", "currency": "KZT"},
    },
    "after": {"quantity": 800, "remaining_quantity": 800, "contract_price": {"amount": "820000.00", "currency": "KZT"}},
}


class AcceptancePlanPublic(BaseModel):
    """What is checked on every unit of an order, how its lots are sampled, and where its series stands."""

    model_config = _example(
        _ORDER_IDS
        | {"order_number": "SDO-2025-000001", "category": "production", "quantity": 800}
        | {"accepted_quantity": 0, "remaining_quantity": 800}
        | {"largest_next_lot": {"lot_size": 800} | SamplingPlan("J", 80, 2, 3).as_dict()}
        | {"contract_price": {"amount": "820000.00", "currency": "KZT"}}
        | {"concessions_granted": {"amount": "0.00", "currency": "KZT"}}
        | {"amendment_number": 1, "amendments": [_AMENDMENT_EXAMPLE]}
        | _EXAMPLE_PLAN.as_dict()
        | {"status": "active", "severity": "tightened", "inspection_severity": "tightened", "switching_score": 0}
        | {
            "history": [
                {
                    "kind": "lot",
                    "lot_no": 2,
                    "inspection_id": _INSPECTION_ID,
                    "round": 2,
                    "verdict": "rejected",
                    "original": True,
                    "counted": True,
                    "severity_before": "normal",
                    "severity_after": "tightened",
                    "switching_score": 0,
                    "discontinued": False,
                    "at": "2025-03-02T08:00:00Z",
                }
            ]
        }
        | {"cancelled_at": None, "cancel_reason": None, "created_at": "2025-03-01T10:15:30Z"}
        | {"updated_at": "2025-03-02T08:00:00Z", "version": 2}
    )

    order_id: UUID
    order_number: str | None = Field(description="The order's number, kept from its contract.")
    supplier_id: UUID
    category: str
    quantity: int = Field(description="The order's quantity in force: the contract's, or its last amendment's.")
    accepted_quantity: int = Field(description="Units accepted so far, by verdict or under concession.")
    remaining_quantity: int = Field(description="Units still to accept: `quantity - accepted_quantity`, never below 0.")
    largest_next_lot: LotPlanPublic | None = Field(
        description="How a lot of every remaining unit would be sampled at the current severity: the most a next "
        "lot may hold. Null once nothing remains or the plan is cancelled. A lot is sized by its own `lot_size`."
    )
    contract_price: MoneyPublic | None = Field(
        description="The order's price in force, in KZT: the contract's or its last amendment's, less the "
        "concessions granted since. A `use_as_is` price reduction must stay below it. Null for plans made before "
        "the price was kept."
    )
    concessions_granted: MoneyPublic = Field(description="Every `use_as_is` price reduction granted, in KZT.")
    amendment_number: int = Field(description="The last amendment of the contract taken in; 0 before any.")
    amendments: list[PlanAmendmentEntry] = Field(
        description="Every amendment taken in, oldest first. One that arrives after a later one changes nothing."
    )
    aql: float = Field(description="ISO 2859-1 AQL, as the order gave it.")
    standard: str
    inspection_level: str
    status: PlanStatusName = Field(
        description="`active`; `discontinued` after 5 lots not accepted on tightened inspection (no inspection "
        "opens until `POST /plans/{order_id}/resume`); `cancelled` with its order."
    )
    severity: SeverityName = Field(description="The severity the next lot is sized with (ISO 2859-1 clause 9).")
    inspection_severity: SeverityName = Field(description="The same as `severity` (kept for earlier clients).")
    switching_score: int = Field(description="ISO 2859-1 9.3.3.2; normal -> reduced at 30 when approved.")
    history: list[PlanHistoryEntry] = Field(description="Every verdict and resumption, oldest first.")
    requirements: list[RequirementPublic]
    critical_codes: list[str]
    cancelled_at: datetime | None = Field(description="When the order was cancelled; no inspection opens after.")
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, plan: AcceptancePlanRow | OrderPlan) -> AcceptancePlanPublic:
        """From a stored row or the aggregate a command changed."""
        if isinstance(plan, AcceptancePlanRow):
            plan = order_plan(plan)
        price, largest = plan.price_in_force_kzt(), plan.largest_next_lot()
        return cls(
            order_id=plan.order_id,
            order_number=plan.order_number,
            supplier_id=plan.supplier_id,
            category=plan.category,
            quantity=plan.quantity,
            accepted_quantity=plan.accepted_quantity,
            remaining_quantity=plan.remaining_quantity,
            largest_next_lot=None if largest is None else LotPlanPublic(lot_size=largest[0], **largest[1].as_dict()),
            contract_price=None if price is None else MoneyPublic(**money(price)),
            concessions_granted=MoneyPublic(**money(plan.concessions_kzt)),
            amendment_number=plan.amendment_number,
            amendments=[PlanAmendmentEntry.model_validate(entry) for entry in plan.amendments],
            **plan.rules.as_dict(),
            status=plan.status.value,
            severity=plan.severity.value,
            inspection_severity=plan.severity.value,
            switching_score=plan.switching.score,
            history=[PlanHistoryEntry.model_validate(entry) for entry in plan.history],
            cancelled_at=plan.cancelled_at,
            cancel_reason=plan.cancel_reason,
            created_at=plan.created_at,
            updated_at=plan.updated_at,
            version=plan.version,
        )


class ResumeRequest(BaseModel):
    """Why the responsible authority resumes a discontinued inspection."""

    model_config = _example({"reason": "Corrective action report CAR-17 verified at the plant."}, forbid_extra=True)

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


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

    model_config = _example(
        {"id": _INSPECTION_ID}
        | _ORDER_IDS
        | {"round": 1, "lot_size": 1000, "severity": "normal", "original": True, "lot_no": 1}
        | {"units_remaining": 1000, "exceeds_remaining": False}
        | SamplingPlan("J", 80, 2, 3).as_dict()
        | {"status": "rejected", "closed_reason": "verdict"}
        | {"units_measured": 80, "defective_units": 1, "critical_failures": 1}
        | {"nonconformities": [_PRESSURE.as_dict() | {"units": [{"unit_serial": "SN-0042", "value": 97.5}]}]}
        | {"certificate_id": None, "inspected_by": "inspector-7"}
        | {"opened_at": "2025-03-01T10:15:30Z", "closed_at": "2025-03-02T08:00:00Z"}
        | {"updated_at": "2025-03-02T08:00:00Z", "version": 82}
    )

    id: UUID
    order_id: UUID
    supplier_id: UUID
    round: int = Field(description="1 for the first submission, 2, 3, ... after rework.")
    lot_size: int
    severity: SeverityName = Field(description="The severity of inspection the lot was sized with.")
    original: bool = Field(description="False for a lot resubmitted after rework (not counted by the switching rules).")
    lot_no: int | None = Field(description="The original lot's number within the order; null for a resubmission.")
    units_remaining: int | None = Field(
        description="The order's units still to accept when the lot was submitted (the quantity in force less the "
        "units accepted); null for rounds opened before it was kept."
    )
    exceeds_remaining: bool = Field(
        description="The lot holds more units than remained (the quantity was cut by an amendment while the lot "
        "was on its way). It is sampled as submitted; the orders service decides what a lot may hold."
    )
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
    inspected_by: str | None = Field(description="Who completed the inspection.")
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, inspection: InspectionRow | Inspection) -> InspectionPublic:
        """From a stored row or the aggregate a command changed (the same names)."""
        remaining = inspection.units_remaining
        return cls(
            **{name: getattr(inspection, name) for name in _INSPECTION_AS_IS},
            exceeds_remaining=remaining is not None and inspection.lot_size > remaining,
            status=InspectionStatus(inspection.status).value,
            severity=Severity(inspection.severity).value,
            closed_reason=ClosedReason(inspection.closed_reason).value if inspection.closed_reason else None,
            opened_at=as_utc(inspection.opened_at),
            closed_at=inspection.closed_at and as_utc(inspection.closed_at),
            updated_at=as_utc(inspection.updated_at),
        )


_INSPECTION_AS_IS = tuple(
    InspectionPublic.model_fields.keys()
    - {"status", "severity", "closed_reason", "opened_at", "closed_at", "updated_at", "exceeds_remaining"}
)


UnitSerial = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# The orders service bounds an order's technical requirements (at most 500, codes of at most 64
# characters); one unit's readings are bounded alike. A reading is any finite JSON number, an
# IEEE 754 binary64 (RFC 8259 section 6): an integer literal beyond that range is refused too.
MAX_REQUIREMENTS = 500
MAX_CODE_LENGTH = 64
MAX_READING = sys.float_info.max


def _within_binary64(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_READING:
        raise ValueError(f"must be a number between -{MAX_READING} and {MAX_READING}")
    return value


# Typed loosely on purpose: the requirement rules name each bad code (`values.DIAM`) themselves,
# and strings such as "10.0" must be refused, not coerced. The schema still says "numbers".
MeasuredValues = Annotated[
    dict[
        Annotated[str, StringConstraints(max_length=MAX_CODE_LENGTH)],
        Annotated[Any, AfterValidator(_within_binary64)],
    ],
    Field(max_length=MAX_REQUIREMENTS),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_REQUIREMENTS,
            "propertyNames": {"maxLength": MAX_CODE_LENGTH},
            "additionalProperties": {"type": "number", "minimum": -MAX_READING, "maximum": MAX_READING},
            "description": "One finite number per requirement code of the order's plan, every code present.",
        }
    ),
]


class MeasurementCreate(BaseModel):
    """The readings of one unit of the sample."""

    model_config = _example({"unit_serial": "SN-0042", "values": {"DIAM": 10.01, "PRESS": 121.5}}, forbid_extra=True)

    unit_serial: UnitSerial = Field(description="Serial of the measured unit; each serial counts once.")
    values: MeasuredValues


class MeasurementPublic(BaseModel):
    model_config = _example(
        {"inspection_id": _INSPECTION_ID, "unit_serial": "SN-0042", "values": {"DIAM": 10.01, "PRESS": 97.5}}
        | {"defective": True, "failed_codes": ["PRESS"], "critical_codes": ["PRESS"]}
        | {"measured_by": "inspector-7", "measured_at": "2025-03-02T07:59:00Z"}
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
    def of(cls, measurement: MeasurementRow | Measurement) -> MeasurementPublic:
        """From a stored row or the measurement a command recorded (the same names)."""
        return cls(
            inspection_id=measurement.inspection_id,
            unit_serial=measurement.unit_serial,
            values=dict(measurement.values),
            defective=bool(measurement.failed_codes),
            failed_codes=list(measurement.failed_codes),
            critical_codes=list(measurement.critical_codes),
            measured_by=measurement.measured_by,
            measured_at=as_utc(measurement.measured_at),
        )


class CertificateRequirement(BaseModel):
    code: str
    name: str
    unit: str
    min: str | None = Field(description="Lower limit as an exact decimal string; null when there is none.")
    max: str | None = Field(description="Upper limit as an exact decimal string; null when there is none.")
    critical: bool


class ConcessionTerms(BaseModel):
    """A nonconforming lot accepted as it is (`use_as_is`), for a price reduction (FAR 46.407)."""

    nonconformance_id: UUID
    reason: str | None
    price_reduction: MoneyPublic
    authorized_by: str
    nonconformities: list[dict[str, Any]] = Field(description="What failed, values as decimal strings.")


_CERTIFICATE_EXAMPLE: dict[str, Any] = {
    "format": "sdo-certificate-of-conformity/1",
    "id": "c9d4e2f1-7a3b-4c8d-9e5f-1a2b3c4d5e6f",
    "number": "QC-2025-000042",
    "issued_at": "2025-03-02T08:00:00Z",
    "supplier_id": _ORDER_IDS["supplier_id"],
    "order_id": _ORDER_IDS["order_id"],
    "order_number": "SDO-2025-000001",
    "inspection_id": _INSPECTION_ID,
    "lot_no": 1,
    "round": 1,
    "lot_size": 1000,
    "quantity_accepted": 1000,
    "standard": "ISO 2859-1",
    "inspection_level": "II",
    "severity": "normal",
    "aql": "1.0",
    **SamplingPlan("J", 80, 2, 3).as_dict(),
    "units_measured": 80,
    "defective_units": 1,
    "critical_failures": 0,
    "requirements": [
        {"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": "9.95", "max": "10.05", "critical": False}
    ],
    "inspector": "inspector-7",
    "concession": False,
    "concession_terms": None,
    "statement": "The 1000 units of lot 1 of order SDO-2025-000001 were inspected by sampling under ISO 2859-1, "
    "normal inspection, level II, AQL 1.0. It is certified that they conform to the technical requirements of the "
    "contract listed here.",
    "sha256": "9f2c5a0d8e1b7c3f4a6d2e9b0c1f8a7e5d3b2c1a0f9e8d7c6b5a4f3e2d1c0b9a",
}


class CertificatePublic(BaseModel):
    """A certificate of conformity (AQAP-2131): `sha256` is the digest of the canonical JSON of every other
    member. Certificates issued before the conformity document carry only `id, number, order_id,
    inspection_id, issued_at` and `sha256`."""

    model_config = _example(_CERTIFICATE_EXAMPLE)

    format: str | None = Field(default=None, description="The document's format and version.")
    id: UUID
    number: str = Field(description="`QC-<year>-<6 digits>`, unique.")
    issued_at: str = Field(description="RFC 3339 UTC, exactly as hashed.")
    supplier_id: UUID | None = None
    order_id: UUID
    order_number: str | None = None
    inspection_id: UUID
    lot_no: int | None = Field(default=None, description="The original lot's number; null for a resubmission.")
    round: int | None = None
    lot_size: int | None = None
    quantity_accepted: int | None = Field(default=None, description="Units accepted by this certificate.")
    standard: str | None = None
    inspection_level: str | None = None
    severity: SeverityName | None = Field(default=None, description="The severity the lot was sized with.")
    aql: str | None = None
    code_letter: str | None = None
    sample_size: int | None = None
    accept: int | None = None
    reject: int | None = None
    units_measured: int | None = None
    defective_units: int | None = None
    critical_failures: int | None = None
    requirements: list[CertificateRequirement] | None = Field(default=None, description="The requirements checked.")
    inspector: str | None = Field(default=None, description="Who inspected the lot.")
    concession: bool | None = Field(default=None, description="True when the lot was accepted under concession.")
    concession_terms: ConcessionTerms | None = None
    statement: str | None = Field(default=None, description="The statement of conformity.")
    sha256: str = Field(description="Hex SHA-256 of the canonical JSON (sorted keys, no spaces) of the other members.")

    @classmethod
    def of(cls, row: CertificateRow) -> CertificatePublic:
        """The signed fields as issued, with the digest fixed at issue (render with ``exclude_unset``)."""
        certificate = Certificate(
            row.id, row.number, row.order_id, row.inspection_id, as_utc(row.issued_at), document=row.document
        )
        return cls(**certificate.body(), sha256=row.sha256)

    def body(self) -> dict[str, Any]:
        """The members as issued: a field the certificate does not carry is left out, not null."""
        return self.model_dump(mode="json", exclude_unset=True)


class NonconformancePublic(BaseModel):
    """The report of a rejected lot, and how the ministry dispositioned it."""

    model_config = _example(
        {"id": "5b1e9c3a-2d4f-4e6a-8b7c-9d0e1f2a3b4c", **_ORDER_IDS, "inspection_id": _INSPECTION_ID}
        | {"round": 1, "lot_no": 1, "lot_size": 1000, "defective_units": 3, "critical_failures": 0}
        | {"defects": [_PRESSURE.as_dict() | {"critical": False, "units": [{"unit_serial": "SN-0042", "value": 97.5}]}]}
        | {"critical": False, "status": "dispositioned", "disposition": "use_as_is"}
        | {
            "reason": "Pressure margin accepted by the design authority.",
            "price_reduction": {"amount": "150000.00", "currency": "KZT"},
        }
        | {"dispositioned_by": "officer-3", "dispositioned_at": "2025-03-03T09:00:00Z"}
        | {"certificate_id": "c9d4e2f1-7a3b-4c8d-9e5f-1a2b3c4d5e6f", "opened_at": "2025-03-02T08:00:00Z"}
        | {"updated_at": "2025-03-03T09:00:00Z", "version": 2}
    )

    id: UUID
    order_id: UUID
    supplier_id: UUID
    inspection_id: UUID
    round: int
    lot_no: int | None
    lot_size: int
    defects: list[NonconformityPublic] = Field(description="Each failed requirement with the units that failed it.")
    defective_units: int
    critical_failures: int
    critical: bool = Field(description="A critical requirement failed: `use_as_is` is refused.")
    status: NonconformanceStatusName
    disposition: DispositionName | None
    reason: str | None
    price_reduction: MoneyPublic | None = Field(description="For `use_as_is`: the consideration, in KZT.")
    dispositioned_by: str | None
    dispositioned_at: datetime | None
    certificate_id: UUID | None = Field(description="The concession certificate of a `use_as_is` lot.")
    opened_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, report: NonconformanceRow | Nonconformance) -> NonconformancePublic:
        """From a stored row or the aggregate a command changed."""
        price = report.price_reduction
        disposition = report.disposition
        return cls(
            id=report.id,
            order_id=report.order_id,
            supplier_id=report.supplier_id,
            inspection_id=report.inspection_id,
            round=report.round,
            lot_no=report.lot_no,
            lot_size=report.lot_size,
            defects=[NonconformityPublic.model_validate(d) for d in report.defects],
            defective_units=report.defective_units,
            critical_failures=report.critical_failures,
            critical=report.critical_failures > 0,
            status=NonconformanceStatus(report.status).value,
            disposition=None if disposition is None else Disposition(disposition).value,
            reason=report.reason,
            price_reduction=None if price is None else MoneyPublic(amount=f"{Decimal(price):.2f}", currency=CURRENCY),
            dispositioned_by=report.dispositioned_by,
            dispositioned_at=report.dispositioned_at and as_utc(report.dispositioned_at),
            certificate_id=report.certificate_id,
            opened_at=as_utc(report.opened_at),
            updated_at=as_utc(report.updated_at),
            version=report.version,
        )


class MoneyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Annotated[
        str, StringConstraints(pattern=r"^[0-9]{1,15}(\.[0-9]{1,2})?$"), Field(description="Decimal string, > 0.")
    ]
    currency: Literal["KZT"] = Field(description="KZT only: the quality service converts no currency.")


class DispositionRequest(BaseModel):
    """How the ministry settles a rejected lot."""

    model_config = _example(
        {
            "disposition": "use_as_is",
            "reason": "Pressure margin accepted by the design authority.",
            "price_reduction": {"amount": "150000.00", "currency": "KZT"},
        },
        forbid_extra=True,
    )

    disposition: DispositionName = Field(
        description="`rework` or `repair` (the supplier corrects the lot and resubmits it), `use_as_is` (accepted "
        "under concession for `price_reduction`; refused when a critical requirement failed), `scrap` or `return` "
        "(the lot's units go back to production)."
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    price_reduction: MoneyCreate | None = Field(default=None, description="Required for `use_as_is`, only then.")
