"""Commands of the quality service: measure a unit, complete an inspection, disposition a
nonconforming lot, resume a discontinued inspection; and the order's amendments, taken in.

Each runs inside one unit of work: load (locked), check the version, let the aggregates behave,
save, announce; the unit of work commits once. No HTTP here: domain results and domain errors.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from services.quality.domain.certificate import Certificate
from services.quality.domain.commands import (
    ApplyAmendment,
    CompleteInspection,
    DispositionNonconformance,
    RecordMeasurement,
    ResumeInspection,
    ReturnUnits,
)
from services.quality.domain.conformity import Concession, issue_certificate
from services.quality.domain.errors import (
    DispositionError,
    InspectionNotFound,
    NonconformanceNotFound,
    PlanCancelled,
    PlanNotFound,
)
from services.quality.domain.inspection import Inspection, Measurement
from services.quality.domain.nonconformance import Disposition, Nonconformance
from services.quality.domain.plan import LotSwitch, OrderPlan
from services.quality.domain.verdict import InspectionResult, Verdict
from services.quality.ports import QualityUnitOfWork
from shared import clock
from shared.events.payloads import (
    InspectionDiscontinued,
    InspectionResumed,
    LotAccepted,
    LotRejected,
    NonconformanceDispositioned,
    Nonconformity,
)
from shared.events.types import EventType
from shared.versioning import Expected, check_version


class PlanNotYetReceived(RuntimeError):
    """The order's ``order.contracted`` has not been applied yet; retrying will find it."""

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"no acceptance plan for order {order_id} yet")


async def _plan_of(uow: QualityUnitOfWork, order_id: UUID, *, for_change: bool = False) -> OrderPlan:
    plan = await uow.plans.get(order_id, for_change=for_change)
    if plan is None:  # an inspection or a report is only ever opened from a plan
        raise LookupError(f"order {order_id} has inspections but no acceptance plan")
    return plan


async def _inspection_for_change(
    uow: QualityUnitOfWork, inspection_id: UUID, expected: Expected | None, *, lock_plan: bool = False
) -> tuple[Inspection, OrderPlan]:
    """The inspection, locked and current (else 404 or 412), with the plan it is measured against."""
    inspection = await uow.inspections.get_for_change(inspection_id)
    if inspection is None:
        raise InspectionNotFound(inspection_id)
    check_version(expected, inspection.version)
    return inspection, await _plan_of(uow, inspection.order_id, for_change=lock_plan)


async def record_measurement(uow: QualityUnitOfWork, cmd: RecordMeasurement) -> tuple[Inspection, Measurement]:
    inspection, plan = await _inspection_for_change(uow, cmd.inspection_id, cmd.expected)
    measurement = inspection.record(
        cmd.unit_serial,
        cmd.values,
        plan.rules.requirements,
        measured_by=cmd.actor.sub,
        now=clock.now(),
        roles=cmd.actor.effective_roles,
    )
    await uow.inspections.save(inspection)
    details = {"unit_serial": measurement.unit_serial, "failed_codes": list(measurement.failed_codes)}
    uow.record("inspection.measured", "inspection", inspection.id, details)
    return inspection, measurement


async def complete_inspection(uow: QualityUnitOfWork, cmd: CompleteInspection) -> Inspection:
    inspection, plan = await _inspection_for_change(uow, cmd.inspection_id, cmd.expected, lock_plan=True)
    readings = await uow.inspections.readings(inspection.id)
    now = clock.now()
    result = inspection.complete(
        plan.rules.requirements, readings, now=now, roles=cmd.actor.effective_roles, inspected_by=cmd.actor.sub
    )
    if result.verdict is Verdict.ACCEPTED:
        assert inspection.closed_at is not None
        inspection.certify(await _issue(uow, plan, inspection, inspection.closed_at))
        uow.emit(EventType.QUALITY_LOT_ACCEPTED, inspection.order_id, _lot_accepted(inspection))
    else:
        report = await _open_report(uow, inspection, now)
        uow.emit(EventType.QUALITY_LOT_REJECTED, inspection.order_id, _lot_rejected(inspection, result, report))
    await uow.inspections.save(inspection)
    uow.record("inspection.completed", "inspection", inspection.id, _verdict_details(inspection))
    switch = plan.record_verdict(inspection, reduced_allowed=cmd.reduced_inspection, now=now)
    await uow.plans.save(plan)
    _announce_switch(uow, plan, switch, inspection)
    return inspection


async def disposition_nonconformance(uow: QualityUnitOfWork, cmd: DispositionNonconformance) -> Nonconformance:
    report = await uow.nonconformances.get_for_change(cmd.nonconformance_id)
    if report is None:
        raise NonconformanceNotFound(cmd.nonconformance_id)
    check_version(cmd.expected, report.version)
    plan = await _plan_of(uow, report.order_id, for_change=True)
    if plan.is_cancelled:
        raise PlanCancelled(plan.order_id)
    now = clock.now()
    report.dispose(
        cmd.disposition,
        cmd.reason,
        cmd.price_reduction,
        by=cmd.actor.sub,
        now=now,
        roles=cmd.actor.effective_roles,
        remaining_price=plan.price_in_force_kzt(),
    )
    if report.disposition is Disposition.USE_AS_IS:
        assert report.price_reduction is not None
        inspection = await uow.inspections.get_for_change(report.inspection_id)
        if inspection is None:  # pragma: no cover - a report is only ever opened from an inspection
            raise LookupError(f"nonconformance {report.id} names no stored inspection")
        plan.concede(report.price_reduction, report.lot_size, now)
        await uow.plans.save(plan)
        certificate = await _issue(uow, plan, inspection, now, Concession(report, cmd.actor.sub))
        report.certificate_id = certificate.id
        uow.emit(EventType.QUALITY_LOT_ACCEPTED, report.order_id, _lot_accepted_under_concession(inspection, report))
    await _settled(uow, report)
    return report


async def resume_inspection(uow: QualityUnitOfWork, cmd: ResumeInspection) -> OrderPlan:
    plan = await uow.plans.get(cmd.order_id, for_change=True)
    if plan is None:
        raise PlanNotFound(cmd.order_id)
    check_version(cmd.expected, plan.version)
    reason = cmd.reason.strip() if isinstance(cmd.reason, str) else ""
    if not reason:
        raise DispositionError("reason", "must say why inspection resumes (a non-empty text)")
    now = clock.now()
    lots_not_accepted = plan.switching.not_accepted
    held = plan.resume(reason, by=cmd.actor.sub, now=now, roles=cmd.actor.effective_roles)
    payload = InspectionResumed(order_id=plan.order_id, supplier_id=plan.supplier_id, reason=reason)
    uow.emit(EventType.QUALITY_INSPECTION_RESUMED, plan.order_id, payload)
    details = {"reason": reason, "lots_not_accepted": lots_not_accepted, "severity": plan.severity.value}
    uow.record("plan.resumed", "acceptance_plan", plan.order_id, details)
    if held is not None:
        inspection = plan.open_inspection(
            uuid4(), round_=int(held["round"]), lot_size=int(held["lot_size"]), now=now, original=held["original"]
        )
        await uow.inspections.add(inspection)
        record_opened(uow, inspection)
    await uow.plans.save(plan)
    return plan


async def apply_amendment(uow: QualityUnitOfWork, cmd: ApplyAmendment) -> OrderPlan | None:
    """The order's accepted amendment: the plan takes the quantity and price in force it states,
    once and in amendment order (an older one arriving late changes nothing). A lot already open
    keeps the size it was submitted with; one that now exceeds the units left is recorded."""
    plan = await uow.plans.get(cmd.order_id, for_change=True)
    if plan is None:
        raise PlanNotYetReceived(cmd.order_id)  # the contract event is still on its way
    entry = plan.amend(
        cmd.number,
        quantity=cmd.quantity,
        accepted_quantity=cmd.accepted_quantity,
        contract_price_kzt=cmd.contract_price_kzt,
        order_changes=cmd.order_changes,
        at=cmd.at,
        now=clock.now(),
    )
    if entry is None:
        return None
    await uow.plans.save(plan)
    uow.record("plan.amended", "acceptance_plan", plan.order_id, {**entry, "accepted_quantity": plan.accepted_quantity})
    for inspection in await uow.inspections.open_of_order(plan.order_id):
        if inspection.lot_size > plan.remaining_quantity:
            _record_excess(uow, inspection, plan.remaining_quantity, amendment_number=cmd.number)
    return plan


async def return_units(uow: QualityUnitOfWork, cmd: ReturnUnits) -> OrderPlan | None:
    """A short receipt: the missing units count as accepted no more, so the units left to accept
    (and a later lot's check against them) follow the order's."""
    plan = await uow.plans.get(cmd.order_id, for_change=True)
    if plan is None:
        raise PlanNotYetReceived(cmd.order_id)  # the contract event is still on its way
    missing = cmd.shipped - cmd.received
    taken = plan.return_units(missing, clock.now())
    if not taken:
        return None
    await uow.plans.save(plan)
    details = {"shipment_no": cmd.shipment_no, "units": taken, "accepted_quantity": plan.accepted_quantity}
    uow.record("plan.units_returned", "acceptance_plan", plan.order_id, details)
    return plan


def record_opened(uow: QualityUnitOfWork, inspection: Inspection) -> None:
    details = {
        "order_id": str(inspection.order_id),
        "round": inspection.round,
        "severity": inspection.severity.value,
        "original": inspection.original,
        "units_remaining": inspection.units_remaining,
        **inspection.sampling.as_dict(),
    }
    uow.record("inspection.opened", "inspection", inspection.id, details)
    if inspection.exceeds_remaining:
        assert inspection.units_remaining is not None
        _record_excess(uow, inspection, inspection.units_remaining)


def _record_excess(
    uow: QualityUnitOfWork, inspection: Inspection, units_remaining: int, *, amendment_number: int | None = None
) -> None:
    """A lot larger than the units the order has left to accept: inspected as submitted (the orders
    service decides what a lot may hold), and said so in the audit log."""
    details = {
        "order_id": str(inspection.order_id),
        "round": inspection.round,
        "lot_size": inspection.lot_size,
        "units_remaining": units_remaining,
        "amendment_number": amendment_number,
    }
    uow.record("inspection.exceeds_remaining", "inspection", inspection.id, details)


async def close_reports_by_resubmission(uow: QualityUnitOfWork, order_id: UUID, round_: int) -> None:
    """A lot resubmitted after rework before its report was dispositioned settles it as ``rework``."""
    now = clock.now()
    for report in await uow.nonconformances.open_of_order(order_id):
        report.close_by_resubmission(round_, now)
        await _settled(uow, report)


async def _settled(uow: QualityUnitOfWork, report: Nonconformance) -> None:
    await uow.nonconformances.save(report)
    assert report.disposition is not None
    payload = NonconformanceDispositioned(
        order_id=report.order_id,
        nonconformance_id=report.id,
        inspection_id=report.inspection_id,
        disposition=report.disposition.value,
        price_reduction_kzt=report.price_reduction,
        supplier_id=report.supplier_id,
        lot_size=report.lot_size,
        reason=report.reason,
    )
    uow.emit(EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED, report.order_id, payload)
    details = {
        "disposition": report.disposition.value,
        "reason": report.reason,
        "price_reduction_kzt": None if report.price_reduction is None else str(report.price_reduction),
        "certificate_id": report.certificate_id and str(report.certificate_id),
        "by": report.dispositioned_by,
    }
    uow.record("nonconformance.dispositioned", "nonconformance", report.id, details)


async def _open_report(uow: QualityUnitOfWork, inspection: Inspection, now: datetime) -> Nonconformance:
    report = Nonconformance.open(
        uuid4(),
        order_id=inspection.order_id,
        inspection_id=inspection.id,
        supplier_id=inspection.supplier_id,
        round_=inspection.round,
        lot_size=inspection.lot_size,
        lot_no=inspection.lot_no,
        defects=inspection.nonconformities,
        defective_units=inspection.defective_units,
        critical_failures=inspection.critical_failures,
        now=now,
    )
    await uow.nonconformances.add(report)
    details = {"inspection_id": str(inspection.id), "critical": report.critical, "defects": len(report.defects)}
    uow.record("nonconformance.opened", "nonconformance", report.id, details)
    return report


def _announce_switch(uow: QualityUnitOfWork, plan: OrderPlan, switch: LotSwitch, inspection: Inspection) -> None:
    if switch.switched:
        details = {
            "from": switch.before.value,
            "to": switch.after.value,
            "inspection_id": str(inspection.id),
            "lot_no": inspection.lot_no,
        }
        uow.record("plan.switched", "acceptance_plan", plan.order_id, details)
    if switch.discontinued:
        lots = plan.switching.not_accepted
        payload = InspectionDiscontinued(order_id=plan.order_id, supplier_id=plan.supplier_id, lots_not_accepted=lots)
        uow.emit(EventType.QUALITY_INSPECTION_DISCONTINUED, plan.order_id, payload)
        uow.record("plan.discontinued", "acceptance_plan", plan.order_id, {"lots_not_accepted": lots})


async def _issue(
    uow: QualityUnitOfWork,
    plan: OrderPlan,
    inspection: Inspection,
    at: datetime,
    concession: Concession | None = None,
) -> Certificate:
    # Whole seconds: the digest covers issued_at, and every store keeps seconds exactly.
    issued_at = at.replace(microsecond=0)
    sequence = await uow.certificates.next_sequence(issued_at.year)
    certificate = issue_certificate(
        uuid4(), sequence=sequence, issued_at=issued_at, plan=plan, inspection=inspection, concession=concession
    )
    await uow.certificates.add(certificate, inspection.supplier_id)
    details = {
        "number": certificate.number,
        "inspection_id": str(inspection.id),
        "sha256": certificate.sha256,
        "concession": certificate.concession,
    }
    uow.record("certificate.issued", "certificate", certificate.id, details)
    return certificate


def _verdict_details(inspection: Inspection) -> dict[str, object]:
    return {
        "verdict": inspection.status.value,
        "severity": inspection.severity.value,
        "defective_units": inspection.defective_units,
        "critical_failures": inspection.critical_failures,
        "certificate_id": inspection.certificate_id and str(inspection.certificate_id),
    }


def _lot_accepted(inspection: Inspection) -> LotAccepted:
    assert inspection.certificate_id is not None
    return LotAccepted(
        order_id=inspection.order_id,
        inspection_id=inspection.id,
        certificate_id=inspection.certificate_id,
        supplier_id=inspection.supplier_id,
        round=inspection.round,
        lot_size=inspection.lot_size,
    )


def _lot_accepted_under_concession(inspection: Inspection, report: Nonconformance) -> LotAccepted:
    assert report.certificate_id is not None
    return LotAccepted(
        order_id=report.order_id,
        inspection_id=report.inspection_id,
        certificate_id=report.certificate_id,
        supplier_id=report.supplier_id,
        round=report.round,
        lot_size=report.lot_size,
        concession=True,
        price_reduction_kzt=report.price_reduction,
        nonconformance_id=report.id,
    )


def _lot_rejected(inspection: Inspection, result: InspectionResult, report: Nonconformance) -> LotRejected:
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
        lot_size=inspection.lot_size,
        nonconformance_id=report.id,
    )
