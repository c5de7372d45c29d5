"""Commands of the quality service: record a unit's measurements, complete an inspection.

Each runs inside one unit of work: load (locked), check, change, queue audit entries and events;
the unit of work commits once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote
from uuid import UUID, uuid4

from services.quality.api.schemas import InspectionPublic, MeasurementCreate, MeasurementPublic
from services.quality.db import repository
from services.quality.db.tables import CertificateRow, InspectionRow, MeasurementRow
from services.quality.domain.certificate import Certificate, certificate_number
from services.quality.domain.inspection import ClosedReason, InspectionStatus, allowed_actions
from services.quality.domain.requirements import json_number
from services.quality.domain.verdict import (
    InspectionResult,
    UnitResult,
    Verdict,
    evaluate,
    judge_unit,
    validate_values,
)
from shared.events.payloads import LotAccepted, LotRejected, Nonconformity
from shared.events.types import EventType
from shared.http.commands import CommandResult
from shared.http.conditional import check_if_match
from shared.http.problems import Conflict, NotFound
from shared.uow import UnitOfWork


def utcnow() -> datetime:
    return datetime.now(UTC)


async def _open_inspection(uow: UnitOfWork, inspection_id: UUID, if_match: str | None, action: str) -> InspectionRow:
    """The inspection, locked, current and still open; else 404, 412 or 409."""
    inspection = await repository.get_inspection(uow.session, inspection_id, lock=True)
    if inspection is None:
        raise NotFound(f"No inspection {inspection_id}.")
    check_if_match(if_match, inspection.version)
    if inspection.status != InspectionStatus.OPEN:
        raise Conflict(
            f"The inspection is {inspection.status}; it cannot {action}.",
            current_status=inspection.status,
            allowed_actions=[],
        )
    return inspection


def _sample_conflict(inspection: InspectionRow, detail: str) -> Conflict:
    return Conflict(
        detail,
        current_status=inspection.status,
        allowed_actions=allowed_actions(inspection.status, inspection.units_measured, inspection.sample_size),
        units_measured=inspection.units_measured,
        sample_size=inspection.sample_size,
    )


async def record_measurement(
    uow: UnitOfWork, inspection_id: UUID, reading: MeasurementCreate, *, if_match: str | None
) -> CommandResult:
    inspection = await _open_inspection(uow, inspection_id, if_match, "take measurements")
    plan = await repository.plan_of(uow.session, inspection.order_id)
    values = validate_values(plan.requirements, reading.values)
    if await repository.get_measurement(uow.session, inspection.id, reading.unit_serial) is not None:
        raise _sample_conflict(inspection, f"Unit {reading.unit_serial!r} was already measured in this inspection.")
    if inspection.units_measured >= inspection.sample_size:
        raise _sample_conflict(inspection, f"The sample of {inspection.sample_size} units is complete.")
    unit = judge_unit(plan.requirements, reading.unit_serial, values)
    row = _count_unit(inspection, unit, values, measured_by=uow.actor, now=utcnow())
    uow.session.add(row)
    uow.record(
        "inspection.measured",
        "inspection",
        inspection.id,
        {"unit_serial": unit.unit_serial, "failed_codes": row.failed_codes},
    )
    location = f"/api/v1/inspections/{inspection.id}/measurements/{quote(unit.unit_serial, safe='')}"
    return CommandResult(body=MeasurementPublic.of(row), status=201, location=location, version=inspection.version)


def _count_unit(
    inspection: InspectionRow, unit: UnitResult, values: dict[str, Decimal], *, measured_by: str, now: datetime
) -> MeasurementRow:
    """Adds a judged unit to the inspection's counters; returns its measurement row."""
    inspection.units_measured += 1
    inspection.defective_units += unit.defective
    inspection.critical_failures += unit.critical
    _touch(inspection, now)
    return MeasurementRow(
        inspection_id=inspection.id,
        unit_serial=unit.unit_serial,
        values={code: json_number(value) for code, value in values.items()},
        failed_codes=list(unit.failed_codes),
        critical_codes=list(unit.critical_codes),
        measured_by=measured_by,
        measured_at=now,
    )


async def complete_inspection(uow: UnitOfWork, inspection_id: UUID, *, if_match: str | None) -> CommandResult:
    inspection = await _open_inspection(uow, inspection_id, if_match, "be completed")
    if inspection.units_measured < inspection.sample_size:
        raise _sample_conflict(
            inspection,
            f"Only {inspection.units_measured} of the {inspection.sample_size} sample units are measured.",
        )
    plan = await repository.plan_of(uow.session, inspection.order_id)
    readings = await repository.readings_of(uow.session, inspection.id)
    result = evaluate(plan.requirements, readings, reject=inspection.reject)
    now = utcnow()
    _close_with_verdict(inspection, result, now)
    if result.verdict is Verdict.ACCEPTED:
        inspection.certificate_id = (await _issue_certificate(uow, inspection, now)).id
        uow.emit(EventType.QUALITY_LOT_ACCEPTED, inspection.order_id, _lot_accepted(inspection))
    else:
        uow.emit(EventType.QUALITY_LOT_REJECTED, inspection.order_id, _lot_rejected(inspection, result))
    uow.record("inspection.completed", "inspection", inspection.id, _verdict_details(inspection))
    return CommandResult(body=InspectionPublic.of(inspection), version=inspection.version)


def _verdict_details(inspection: InspectionRow) -> dict[str, object]:
    return {
        "verdict": inspection.status,
        "defective_units": inspection.defective_units,
        "critical_failures": inspection.critical_failures,
        "certificate_id": inspection.certificate_id and str(inspection.certificate_id),
    }


def _touch(inspection: InspectionRow, now: datetime) -> None:
    inspection.version += 1
    inspection.updated_at = now


def _close_with_verdict(inspection: InspectionRow, result: InspectionResult, now: datetime) -> None:
    # The counters are recomputed from the stored readings, so the verdict never rests on drift.
    inspection.status = InspectionStatus(result.verdict.value).value
    inspection.closed_reason = ClosedReason.VERDICT.value
    inspection.units_measured = result.units_measured
    inspection.defective_units = result.defective_units
    inspection.critical_failures = result.critical_failures
    inspection.nonconformities = result.nonconformities_as_dicts()
    inspection.closed_at = now
    _touch(inspection, now)


async def _issue_certificate(uow: UnitOfWork, inspection: InspectionRow, now: datetime) -> Certificate:
    # Whole seconds: the digest covers issued_at, and every store keeps seconds exactly.
    issued_at = now.replace(microsecond=0)
    sequence = await repository.next_certificate_sequence(uow.session, issued_at.year)
    certificate = Certificate(
        id=uuid4(),
        number=certificate_number(issued_at.year, sequence),
        order_id=inspection.order_id,
        inspection_id=inspection.id,
        issued_at=issued_at,
    )
    uow.session.add(
        CertificateRow(
            id=certificate.id,
            number=certificate.number,
            order_id=certificate.order_id,
            inspection_id=certificate.inspection_id,
            supplier_id=inspection.supplier_id,
            issued_at=certificate.issued_at,
            sha256=certificate.sha256,
        )
    )
    uow.record(
        "certificate.issued",
        "certificate",
        certificate.id,
        {"number": certificate.number, "inspection_id": str(inspection.id), "sha256": certificate.sha256},
    )
    return certificate


def _lot_accepted(inspection: InspectionRow) -> LotAccepted:
    assert inspection.certificate_id is not None
    return LotAccepted(
        order_id=inspection.order_id,
        inspection_id=inspection.id,
        certificate_id=inspection.certificate_id,
        supplier_id=inspection.supplier_id,
        round=inspection.round,
    )


def _lot_rejected(inspection: InspectionRow, result: InspectionResult) -> LotRejected:
    nonconformities = [
        Nonconformity(
            code=n.requirement.code,
            name=n.requirement.name,
            unit=n.requirement.unit,
            critical=n.requirement.critical,
            units=[r.unit_serial for r in n.readings],
            measured={r.unit_serial: r.value for r in n.readings},
            min=n.requirement.min,
            max=n.requirement.max,
        )
        for n in result.nonconformities
    ]
    return LotRejected(
        order_id=inspection.order_id,
        inspection_id=inspection.id,
        nonconformities=nonconformities,
        supplier_id=inspection.supplier_id,
        round=inspection.round,
        defective_units=result.defective_units,
        critical_failures=result.critical_failures,
    )
