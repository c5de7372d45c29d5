"""One inspection round of an order's lot: open -> accepted | rejected, and what may be done when.

The contract names three statuses. An inspection closed because its order was cancelled ends
``rejected`` (the lot was not accepted, which is the default outcome of acceptance) and says why
in ``closed_reason: "order_cancelled"``; no verdict event is published for it and it carries no
nonconformities, so it is never mistaken for a lot that failed its requirements.

The table says which actions a status draws and who may take them; the sample adds its own
guard: an open inspection takes measurements while its sample is short and completes once it is
full. Every refusal names the current status and what this caller could do instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final
from uuid import UUID

from services.quality.domain.certificate import Certificate
from services.quality.domain.errors import SampleRefusal, UnitAlreadyMeasured
from services.quality.domain.sampling import SamplingPlan, Severity
from services.quality.domain.verdict import InspectionResult, Verdict, evaluate, judge_unit, validate_values
from shared.lifecycle import SYSTEM, Lifecycle
from shared.principal import Role
from shared.requirements import TechnicalRequirement


class InspectionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ClosedReason(StrEnum):
    VERDICT = "verdict"
    ORDER_CANCELLED = "order_cancelled"


class InspectionAction(StrEnum):
    MEASURE = "measure"
    COMPLETE = "complete"
    CANCEL = "cancel"


S, A = InspectionStatus, InspectionAction
INSPECTORS: Final = frozenset({Role.QUALITY_INSPECTOR.value})

INSPECTION: Final = Lifecycle[InspectionStatus, InspectionAction](
    "inspection",
    {
        (S.OPEN, A.MEASURE): S.OPEN,  # while the sample is short
        # Once the sample is full; the verdict picks the outcome (`_CLOSED_BY`).
        (S.OPEN, A.COMPLETE): frozenset({S.ACCEPTED, S.REJECTED}),
        (S.OPEN, A.CANCEL): S.REJECTED,  # the order was cancelled: the lot was not accepted
    },
    roles={A.MEASURE: INSPECTORS, A.COMPLETE: INSPECTORS, A.CANCEL: {SYSTEM}},
)
_CLOSED_BY: Final = {Verdict.ACCEPTED: S.ACCEPTED, Verdict.REJECTED: S.REJECTED}

# Orders cancelled from these statuses were contracted, so their acceptance plan exists (or is
# still on its way); an order cancelled before that never gets one.
CONTRACTED_ORDER_STATUSES: Final = frozenset({"contracted", "in_production", "inspection", "rework"})


def allowed_actions(status: str, units_measured: int, sample_size: int, roles: Iterable[str] = INSPECTORS) -> list[str]:
    """What the caller (an inspector unless ``roles`` say otherwise) may do next.

    The table's actions for ``status``, then the sample's guard: measure until it is full, then complete.
    """
    full = units_measured >= sample_size
    sample_allows = {A.MEASURE: not full, A.COMPLETE: full, A.CANCEL: True}
    return [a for a in INSPECTION.allowed_actions(S(status), roles) if sample_allows[A(a)]]


@dataclass(frozen=True, slots=True)
class Measurement:
    """The readings of one unit of the sample and how it fared."""

    inspection_id: UUID
    unit_serial: str
    values: Mapping[str, Decimal]
    failed_codes: tuple[str, ...]
    critical_codes: tuple[str, ...]
    measured_by: str
    measured_at: datetime

    @property
    def defective(self) -> bool:
        return bool(self.failed_codes)


@dataclass
class Inspection:
    """An inspection round; its counters follow the measurements, its verdict the stored readings."""

    id: UUID
    order_id: UUID
    supplier_id: UUID
    round: int
    lot_size: int
    code_letter: str
    sample_size: int
    accept: int
    reject: int
    opened_at: datetime
    updated_at: datetime
    # The severity of inspection the lot was sized with; an original inspection (not a lot
    # resubmitted after rework) counts in the switching rules and has a lot number.
    severity: Severity = Severity.NORMAL
    original: bool = True
    lot_no: int | None = None
    inspected_by: str | None = None
    status: InspectionStatus = S.OPEN
    closed_reason: ClosedReason | None = None
    units_measured: int = 0
    defective_units: int = 0
    critical_failures: int = 0
    nonconformities: list[dict[str, Any]] = field(default_factory=list)
    certificate_id: UUID | None = None
    closed_at: datetime | None = None
    version: int = 1
    # The order's units still to accept when the lot was submitted (None: opened before it was kept).
    units_remaining: int | None = None
    # The serials measured so far (a unit counts once), and the measurements this change adds.
    measured_serials: set[str] = field(default_factory=set)
    new_measurements: list[Measurement] = field(default_factory=list)

    @classmethod
    def open(
        cls,
        inspection_id: UUID,
        *,
        order_id: UUID,
        supplier_id: UUID,
        round_: int,
        lot_size: int,
        sampling: SamplingPlan,
        now: datetime,
        severity: Severity = Severity.NORMAL,
        original: bool = True,
        lot_no: int | None = None,
        units_remaining: int | None = None,
    ) -> Inspection:
        """A new round sized by ``sampling``, the plan of its lot at ``severity``."""
        return cls(
            id=inspection_id,
            order_id=order_id,
            supplier_id=supplier_id,
            round=round_,
            lot_size=lot_size,
            code_letter=sampling.code_letter,
            sample_size=sampling.sample_size,
            accept=sampling.accept,
            reject=sampling.reject,
            opened_at=now,
            updated_at=now,
            severity=severity,
            original=original,
            lot_no=lot_no,
            units_remaining=units_remaining,
        )

    @property
    def exceeds_remaining(self) -> bool:
        """The lot holds more units than the order had left to accept when it was submitted."""
        return self.units_remaining is not None and self.lot_size > self.units_remaining

    @property
    def sampling(self) -> SamplingPlan:
        return SamplingPlan(self.code_letter, self.sample_size, self.accept, self.reject)

    @property
    def sample_full(self) -> bool:
        return self.units_measured >= self.sample_size

    def allowed_actions(self, roles: Iterable[str]) -> list[str]:
        return allowed_actions(self.status, self.units_measured, self.sample_size, roles)

    def record(
        self,
        unit_serial: str,
        values: object,
        requirements: Sequence[TechnicalRequirement],
        *,
        measured_by: str,
        now: datetime,
        roles: Iterable[str] = INSPECTORS,
    ) -> Measurement:
        """Count one unit of the sample: its values checked against every requirement code."""
        roles = frozenset(roles)
        INSPECTION.move(self.status, A.MEASURE, roles)
        readings = validate_values(requirements, values)
        if unit_serial in self.measured_serials:
            raise UnitAlreadyMeasured(unit_serial, **self._progress(roles))
        if self.sample_full:
            raise SampleRefusal(
                f"The sample of {self.sample_size} units is complete.", action=A.MEASURE, **self._progress(roles)
            )
        unit = judge_unit(requirements, unit_serial, readings)
        measurement = Measurement(
            self.id, unit.unit_serial, readings, unit.failed_codes, unit.critical_codes, measured_by, now
        )
        self.units_measured += 1
        self.defective_units += unit.defective
        self.critical_failures += unit.critical
        self.measured_serials.add(unit.unit_serial)
        self.new_measurements.append(measurement)
        self._touch(now)
        return measurement

    def complete(
        self,
        requirements: Sequence[TechnicalRequirement],
        readings: Mapping[str, Mapping[str, object]],
        *,
        now: datetime,
        roles: Iterable[str] = INSPECTORS,
        inspected_by: str | None = None,
    ) -> InspectionResult:
        """Close a full sample with its verdict, judged on the stored ``readings`` (serial -> values)."""
        roles = frozenset(roles)
        if not INSPECTION.outcomes(self.status, A.COMPLETE):
            INSPECTION.move(self.status, A.COMPLETE, roles)  # not drawn from here: refused, naming what is
        if not self.sample_full:
            raise SampleRefusal(
                f"Only {self.units_measured} of the {self.sample_size} sample units are measured.",
                action=A.COMPLETE,
                **self._progress(roles),
            )
        result = evaluate(requirements, readings, reject=self.reject)
        # The counters are recomputed from the stored readings, so the verdict never rests on drift.
        self.units_measured = result.units_measured
        self.defective_units = result.defective_units
        self.critical_failures = result.critical_failures
        self.nonconformities = result.nonconformities_as_dicts()
        self.inspected_by = inspected_by
        closed = INSPECTION.move(self.status, A.COMPLETE, roles, to=_CLOSED_BY[result.verdict])
        self._close(closed, ClosedReason.VERDICT, now)
        return result

    def certify(self, certificate: Certificate) -> None:
        """An accepted lot gets its certificate of conformity."""
        if self.status is not S.ACCEPTED or certificate.inspection_id != self.id:
            raise ValueError(f"inspection {self.id} cannot carry certificate {certificate.number}")
        self.certificate_id = certificate.id

    def close_for_cancellation(self, now: datetime) -> None:
        """The order was cancelled while the inspection was open: closed ``rejected``, with no verdict."""
        self._close(INSPECTION.move(self.status, A.CANCEL, {SYSTEM}), ClosedReason.ORDER_CANCELLED, now)

    def _progress(self, roles: Iterable[str]) -> dict[str, Any]:
        return {
            "current_status": self.status.value,
            "allowed_actions": self.allowed_actions(roles),
            "units_measured": self.units_measured,
            "sample_size": self.sample_size,
        }

    def _close(self, status: InspectionStatus, reason: ClosedReason, now: datetime) -> None:
        self.status, self.closed_reason, self.closed_at = status, reason, now
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now


__all__ = [
    "CONTRACTED_ORDER_STATUSES",
    "INSPECTION",
    "INSPECTORS",
    "ClosedReason",
    "Inspection",
    "InspectionAction",
    "InspectionStatus",
    "Measurement",
    "allowed_actions",
]
