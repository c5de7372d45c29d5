"""Queries of the quality service: loads scoped to a supplier, keyset pages, the number sequence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.db.tables import (
    AcceptancePlanRow,
    CertificateRow,
    CertificateSequenceRow,
    InspectionRow,
    MeasurementRow,
)
from services.quality.domain.inspection import InspectionStatus
from services.quality.domain.plan import AcceptancePlan


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def acceptance_plan(row: AcceptancePlanRow) -> AcceptancePlan:
    """The domain plan stored in a row (requirements were validated when the plan was made)."""
    return AcceptancePlan.build(aql=row.aql, technical_requirements=row.requirements)


def _scoped(query: Any, column: Any, supplier_scope: UUID | None) -> Any:
    return query if supplier_scope is None else query.where(column == supplier_scope)


async def get_plan(
    session: AsyncSession, order_id: UUID, *, supplier_scope: UUID | None = None
) -> AcceptancePlanRow | None:
    query = _scoped(
        select(AcceptancePlanRow).where(AcceptancePlanRow.order_id == order_id),
        AcceptancePlanRow.supplier_id,
        supplier_scope,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def plan_of(session: AsyncSession, order_id: UUID) -> AcceptancePlan:
    """The plan of an order that has inspections (an inspection is only opened from a plan)."""
    row = await get_plan(session, order_id)
    if row is None:
        raise LookupError(f"order {order_id} has inspections but no acceptance plan")
    return acceptance_plan(row)


async def get_inspection(
    session: AsyncSession, inspection_id: UUID, *, supplier_scope: UUID | None = None, lock: bool = False
) -> InspectionRow | None:
    """One inspection; ``lock`` takes its row lock (PostgreSQL) so counters are not lost to a race."""
    query = _scoped(
        select(InspectionRow).where(InspectionRow.id == inspection_id), InspectionRow.supplier_id, supplier_scope
    )
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def inspection_for_round(session: AsyncSession, order_id: UUID, round_: int) -> InspectionRow | None:
    query = select(InspectionRow).where(InspectionRow.order_id == order_id, InspectionRow.round == round_)
    return (await session.execute(query)).scalar_one_or_none()


async def open_inspections(session: AsyncSession, order_id: UUID) -> Sequence[InspectionRow]:
    query = (
        select(InspectionRow)
        .where(InspectionRow.order_id == order_id, InspectionRow.status == InspectionStatus.OPEN.value)
        .with_for_update()
    )
    return (await session.execute(query)).scalars().all()


async def page_of_inspections(
    session: AsyncSession,
    *,
    supplier_scope: UUID | None,
    order_id: UUID | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Sequence[InspectionRow]:
    """Oldest first by (opened_at, id); ``limit + 1`` rows so the caller knows whether more follow."""
    query = _scoped(select(InspectionRow), InspectionRow.supplier_id, supplier_scope)
    if order_id is not None:
        query = query.where(InspectionRow.order_id == order_id)
    if status is not None:
        query = query.where(InspectionRow.status == status)
    if after is not None:
        opened_at, last_id = after
        query = query.where(
            or_(
                InspectionRow.opened_at > opened_at,
                and_(InspectionRow.opened_at == opened_at, InspectionRow.id > last_id),
            )
        )
    query = query.order_by(InspectionRow.opened_at, InspectionRow.id).limit(limit + 1)
    return (await session.execute(query)).scalars().all()


async def get_measurement(session: AsyncSession, inspection_id: UUID, unit_serial: str) -> MeasurementRow | None:
    query = select(MeasurementRow).where(
        MeasurementRow.inspection_id == inspection_id, MeasurementRow.unit_serial == unit_serial
    )
    return (await session.execute(query)).scalar_one_or_none()


async def page_of_measurements(
    session: AsyncSession, inspection_id: UUID, *, after: int | None, limit: int
) -> Sequence[MeasurementRow]:
    query = select(MeasurementRow).where(MeasurementRow.inspection_id == inspection_id)
    if after is not None:
        query = query.where(MeasurementRow.id > after)
    query = query.order_by(MeasurementRow.id).limit(limit + 1)
    return (await session.execute(query)).scalars().all()


async def readings_of(session: AsyncSession, inspection_id: UUID) -> dict[str, dict[str, Any]]:
    """``unit_serial -> {code: value}`` of every measured unit, as the verdict rules take them."""
    query = select(MeasurementRow.unit_serial, MeasurementRow.values).where(
        MeasurementRow.inspection_id == inspection_id
    )
    return {serial: values for serial, values in (await session.execute(query)).all()}


async def get_certificate(
    session: AsyncSession, certificate_id: UUID, *, supplier_scope: UUID | None = None
) -> CertificateRow | None:
    query = _scoped(
        select(CertificateRow).where(CertificateRow.id == certificate_id), CertificateRow.supplier_id, supplier_scope
    )
    return (await session.execute(query)).scalar_one_or_none()


async def page_of_certificates(
    session: AsyncSession, *, supplier_scope: UUID | None, order_id: UUID | None, after: str | None, limit: int
) -> Sequence[CertificateRow]:
    """Ordered by number, which follows issue order within a year and years in turn."""
    query = _scoped(select(CertificateRow), CertificateRow.supplier_id, supplier_scope)
    if order_id is not None:
        query = query.where(CertificateRow.order_id == order_id)
    if after is not None:
        query = query.where(CertificateRow.number > after)
    query = query.order_by(CertificateRow.number).limit(limit + 1)
    return (await session.execute(query)).scalars().all()


async def next_certificate_sequence(session: AsyncSession, year: int) -> int:
    """The next number of ``year``, taken in the caller's transaction (so a rollback leaves no gap).

    One atomic upsert: the first certificate of a year creates the row, later ones bump it under
    its row lock, so two concurrent issuers never get the same number.
    """
    table = CertificateSequenceRow.__table__
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(table)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=[table.c.year], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    return int((await session.execute(stmt)).scalar_one())
