"""The repositories behind ``ports.py``: rows in, aggregates out, and changes copied back on ``save``.

Each repository remembers the row it loaded for an aggregate, so ``save`` writes onto the row the
session tracks (one UPDATE at flush) instead of a second copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.db.tables import (
    AcceptancePlanRow,
    CertificateRow,
    CertificateSequenceRow,
    InspectionRow,
    MeasurementRow,
    NonconformanceRow,
    metadata,
)
from services.quality.domain.certificate import Certificate
from services.quality.domain.inspection import ClosedReason, Inspection, InspectionStatus, Measurement
from services.quality.domain.nonconformance import Disposition, Nonconformance, NonconformanceStatus
from services.quality.domain.plan import AcceptancePlan, OrderPlan
from services.quality.domain.sampling import Severity
from services.quality.domain.switching import Switching
from shared.requirements import json_number


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def acceptance_plan(row: AcceptancePlanRow) -> AcceptancePlan:
    """The rules stored in a plan row (requirements were validated when the plan was made)."""
    return AcceptancePlan.build(aql=row.aql, technical_requirements=row.requirements)


def _stored_requirements(rules: AcceptancePlan) -> list[dict[str, object]]:
    # Limits kept as decimal strings so they round-trip exactly (JSON numbers would go through float).
    return [
        r.as_dict() | {"min": None if r.min is None else str(r.min), "max": None if r.max is None else str(r.max)}
        for r in rules.requirements
    ]


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def order_plan(row: AcceptancePlanRow) -> OrderPlan:
    """The plan aggregate of a stored row."""
    return OrderPlan(
        order_id=row.order_id,
        supplier_id=row.supplier_id,
        category=row.category,
        quantity=row.quantity,
        rules=acceptance_plan(row),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        cancelled_at=_maybe_utc(row.cancelled_at),
        cancel_reason=row.cancel_reason,
        version=row.version,
        order_number=row.order_number,
        contract_price_kzt=_decimal(row.contract_price_kzt),
        switching=Switching.from_dict(row.switching),
        history=list(row.history or []),
        original_lots=row.original_lots,
        pending_submission=row.pending_submission,
        concessions_kzt=Decimal(row.concessions_kzt or "0"),
        concessions_in_price_kzt=Decimal(row.concessions_in_price_kzt or "0"),
        accepted_quantity=row.accepted_quantity,
        amendment_number=row.amendment_number,
        amendments=list(row.amendments or []),
    )


class SqlPlans:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[UUID, AcceptancePlanRow] = {}

    async def get(self, order_id: UUID, *, for_change: bool = False) -> OrderPlan | None:
        query = select(AcceptancePlanRow).where(col(AcceptancePlanRow.order_id) == order_id)
        if for_change:
            query = query.with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        self._rows[row.order_id] = row
        return order_plan(row)

    async def add(self, plan: OrderPlan) -> None:
        row = AcceptancePlanRow(
            order_id=plan.order_id,
            supplier_id=plan.supplier_id,
            category=plan.category,
            quantity=plan.quantity,
            aql=str(plan.rules.aql),
            inspection_level=plan.rules.inspection_level,
            requirements=_stored_requirements(plan.rules),
            created_at=plan.created_at,
            updated_at=plan.updated_at,
            order_number=plan.order_number,
            contract_price_kzt=None if plan.contract_price_kzt is None else str(plan.contract_price_kzt),
        )
        _copy_plan_changes(plan, row)
        self.session.add(row)
        self._rows[plan.order_id] = row

    async def save(self, plan: OrderPlan) -> None:
        _copy_plan_changes(plan, self._rows[plan.order_id])


def _copy_plan_changes(plan: OrderPlan, row: AcceptancePlanRow) -> None:
    """What changes once a plan is made: its cancellation, its switching series, its concessions,
    the units accepted, and the quantity and price its amendments state."""
    row.cancelled_at, row.cancel_reason = plan.cancelled_at, plan.cancel_reason
    row.updated_at, row.version = plan.updated_at, plan.version
    row.status, row.severity = plan.status.value, plan.severity.value
    row.switching = plan.switching.as_dict()
    row.history = list(plan.history)  # a new list, so the JSON column is seen as changed
    row.original_lots = plan.original_lots
    row.pending_submission = None if plan.pending_submission is None else dict(plan.pending_submission)
    row.concessions_kzt = str(plan.concessions_kzt)
    row.concessions_in_price_kzt = str(plan.concessions_in_price_kzt)
    row.accepted_quantity = plan.accepted_quantity
    row.quantity = plan.quantity
    row.contract_price_kzt = None if plan.contract_price_kzt is None else str(plan.contract_price_kzt)
    row.amendment_number = plan.amendment_number
    row.amendments = list(plan.amendments)


# An inspection's columns by their life: fixed when it opens, or changed by its measurements and verdict.
_FIXED = ("id", "order_id", "supplier_id", "round", "lot_size", "code_letter", "sample_size", "accept", "reject")
_CHANGING = ("units_measured", "defective_units", "critical_failures", "certificate_id", "version", "inspected_by")


def _inspection(row: InspectionRow, measured_serials: set[str] | None = None) -> Inspection:
    return Inspection(
        **{name: getattr(row, name) for name in _FIXED + _CHANGING},
        status=InspectionStatus(row.status),
        closed_reason=None if row.closed_reason is None else ClosedReason(row.closed_reason),
        nonconformities=list(row.nonconformities),
        opened_at=as_utc(row.opened_at),
        closed_at=_maybe_utc(row.closed_at),
        updated_at=as_utc(row.updated_at),
        severity=Severity(row.severity),
        original=row.original,
        lot_no=row.lot_no,
        units_remaining=row.units_remaining,
        measured_serials=measured_serials or set(),
    )


def _copy_changes(inspection: Inspection, row: InspectionRow) -> None:
    for name in (*_CHANGING, "nonconformities", "closed_at", "updated_at"):
        setattr(row, name, getattr(inspection, name))
    row.status = inspection.status.value
    row.closed_reason = None if inspection.closed_reason is None else inspection.closed_reason.value


def _measurement_row(measurement: Measurement) -> MeasurementRow:
    return MeasurementRow(
        inspection_id=measurement.inspection_id,
        unit_serial=measurement.unit_serial,
        values={code: json_number(value) for code, value in measurement.values.items()},
        failed_codes=list(measurement.failed_codes),
        critical_codes=list(measurement.critical_codes),
        measured_by=measurement.measured_by,
        measured_at=measurement.measured_at,
    )


class SqlInspections:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[UUID, InspectionRow] = {}

    def _tracked(self, row: InspectionRow, measured_serials: set[str] | None = None) -> Inspection:
        self._rows[row.id] = row
        return _inspection(row, measured_serials)

    async def get_for_change(self, inspection_id: UUID) -> Inspection | None:
        # The row lock (PostgreSQL) keeps concurrent measurements from losing a count.
        query = select(InspectionRow).where(col(InspectionRow.id) == inspection_id).with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        serials = select(col(MeasurementRow.unit_serial)).where(col(MeasurementRow.inspection_id) == inspection_id)
        return self._tracked(row, set((await self.session.execute(serials)).scalars()))

    async def of_round(self, order_id: UUID, round_: int) -> Inspection | None:
        query = select(InspectionRow).where(col(InspectionRow.order_id) == order_id, col(InspectionRow.round) == round_)
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else self._tracked(row)

    async def open_of_order(self, order_id: UUID) -> Sequence[Inspection]:
        query = (
            select(InspectionRow)
            .where(col(InspectionRow.order_id) == order_id, col(InspectionRow.status) == InspectionStatus.OPEN.value)
            .with_for_update()
        )
        return [self._tracked(row) for row in (await self.session.execute(query)).scalars()]

    async def readings(self, inspection_id: UUID) -> Mapping[str, Mapping[str, object]]:
        query = select(col(MeasurementRow.unit_serial), col(MeasurementRow.values)).where(
            col(MeasurementRow.inspection_id) == inspection_id
        )
        return {serial: values for serial, values in (await self.session.execute(query)).all()}

    async def add(self, inspection: Inspection) -> None:
        row = InspectionRow(
            **{name: getattr(inspection, name) for name in _FIXED},
            opened_at=inspection.opened_at,
            severity=inspection.severity.value,
            original=inspection.original,
            lot_no=inspection.lot_no,
            units_remaining=inspection.units_remaining,
        )
        _copy_changes(inspection, row)
        self.session.add(row)
        self._rows[inspection.id] = row

    async def save(self, inspection: Inspection) -> None:
        _copy_changes(inspection, self._rows[inspection.id])
        self.session.add_all([_measurement_row(m) for m in inspection.new_measurements])
        inspection.new_measurements.clear()


class SqlCertificates:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_sequence(self, year: int) -> int:
        """One atomic upsert: the first certificate of a year creates the row, later ones bump it
        under its row lock, so two concurrent issuers never get the same number."""
        table = metadata.tables[CertificateSequenceRow.__tablename__]
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = (
            insert(table)
            .values(year=year, last=1)
            .on_conflict_do_update(index_elements=[table.c.year], set_={"last": table.c.last + 1})
            .returning(table.c.last)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, certificate: Certificate, supplier_id: UUID) -> None:
        self.session.add(
            CertificateRow(
                id=certificate.id,
                number=certificate.number,
                order_id=certificate.order_id,
                inspection_id=certificate.inspection_id,
                supplier_id=supplier_id,
                issued_at=certificate.issued_at,
                sha256=certificate.sha256,
                document=None if certificate.document is None else dict(certificate.document),
                concession=certificate.concession,
            )
        )


def _nonconformance(row: NonconformanceRow) -> Nonconformance:
    return Nonconformance(
        id=row.id,
        order_id=row.order_id,
        inspection_id=row.inspection_id,
        supplier_id=row.supplier_id,
        round=row.round,
        lot_size=row.lot_size,
        lot_no=row.lot_no,
        defects=list(row.defects),
        defective_units=row.defective_units,
        critical_failures=row.critical_failures,
        opened_at=as_utc(row.opened_at),
        updated_at=as_utc(row.updated_at),
        status=NonconformanceStatus(row.status),
        disposition=None if row.disposition is None else Disposition(row.disposition),
        reason=row.reason,
        price_reduction=_decimal(row.price_reduction),
        dispositioned_by=row.dispositioned_by,
        dispositioned_at=_maybe_utc(row.dispositioned_at),
        certificate_id=row.certificate_id,
        version=row.version,
    )


def _copy_report_changes(report: Nonconformance, row: NonconformanceRow) -> None:
    row.status = report.status.value
    row.disposition = None if report.disposition is None else report.disposition.value
    row.reason = report.reason
    row.price_reduction = None if report.price_reduction is None else str(report.price_reduction)
    row.dispositioned_by, row.dispositioned_at = report.dispositioned_by, report.dispositioned_at
    row.certificate_id = report.certificate_id
    row.updated_at, row.version = report.updated_at, report.version


class SqlNonconformances:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[UUID, NonconformanceRow] = {}

    def _tracked(self, row: NonconformanceRow) -> Nonconformance:
        self._rows[row.id] = row
        return _nonconformance(row)

    async def get_for_change(self, nonconformance_id: UUID) -> Nonconformance | None:
        query = select(NonconformanceRow).where(col(NonconformanceRow.id) == nonconformance_id).with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        return None if row is None else self._tracked(row)

    async def open_of_order(self, order_id: UUID) -> Sequence[Nonconformance]:
        query = (
            select(NonconformanceRow)
            .where(
                col(NonconformanceRow.order_id) == order_id,
                col(NonconformanceRow.status) == NonconformanceStatus.OPEN.value,
            )
            .order_by(col(NonconformanceRow.opened_at), col(NonconformanceRow.id))
            .with_for_update()
        )
        return [self._tracked(row) for row in (await self.session.execute(query)).scalars()]

    async def add(self, report: Nonconformance) -> None:
        row = NonconformanceRow(
            id=report.id,
            order_id=report.order_id,
            inspection_id=report.inspection_id,
            supplier_id=report.supplier_id,
            round=report.round,
            lot_size=report.lot_size,
            lot_no=report.lot_no,
            defects=list(report.defects),
            defective_units=report.defective_units,
            critical_failures=report.critical_failures,
            status=report.status.value,
            opened_at=report.opened_at,
            updated_at=report.updated_at,
        )
        _copy_report_changes(report, row)
        self.session.add(row)
        self._rows[report.id] = row

    async def save(self, report: Nonconformance) -> None:
        _copy_report_changes(report, self._rows[report.id])
