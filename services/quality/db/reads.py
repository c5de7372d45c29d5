"""Every read of the quality API: plans, inspections, measurements, nonconformances, certificates.

Each takes the caller's supplier scope (a supplier sees only rows that name it; another's is not
found); lists are keyset pages of ``limit + 1`` rows, so the caller knows whether more follow.
The rows are rendered by the ``XPublic.of`` of ``api/schemas.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.db.tables import (
    AcceptancePlanRow,
    CertificateRow,
    InspectionRow,
    MeasurementRow,
    NonconformanceRow,
)

Q = TypeVar("Q", bound=Select[Any])


def _scoped(query: Q, column: Any, supplier_scope: UUID | None) -> Q:
    return query if supplier_scope is None else query.where(column == supplier_scope)


async def plan(session: AsyncSession, order_id: UUID, supplier_scope: UUID | None) -> AcceptancePlanRow | None:
    query = select(AcceptancePlanRow).where(col(AcceptancePlanRow.order_id) == order_id)
    return (await session.execute(_scoped(query, AcceptancePlanRow.supplier_id, supplier_scope))).scalar_one_or_none()


async def inspection(session: AsyncSession, inspection_id: UUID, supplier_scope: UUID | None) -> InspectionRow | None:
    query = select(InspectionRow).where(col(InspectionRow.id) == inspection_id)
    return (await session.execute(_scoped(query, InspectionRow.supplier_id, supplier_scope))).scalar_one_or_none()


async def inspections(
    session: AsyncSession,
    *,
    supplier_scope: UUID | None,
    order_id: UUID | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Sequence[InspectionRow]:
    """Oldest first by (opened_at, id)."""
    query = _scoped(select(InspectionRow), InspectionRow.supplier_id, supplier_scope)
    if order_id is not None:
        query = query.where(col(InspectionRow.order_id) == order_id)
    if status is not None:
        query = query.where(col(InspectionRow.status) == status)
    if after is not None:
        opened_at, last_id = after
        query = query.where(
            or_(
                col(InspectionRow.opened_at) > opened_at,
                and_(col(InspectionRow.opened_at) == opened_at, col(InspectionRow.id) > last_id),
            )
        )
    query = query.order_by(col(InspectionRow.opened_at), col(InspectionRow.id)).limit(limit + 1)
    return (await session.execute(query)).scalars().all()


async def measurement(session: AsyncSession, inspection_id: UUID, unit_serial: str) -> MeasurementRow | None:
    query = select(MeasurementRow).where(
        col(MeasurementRow.inspection_id) == inspection_id, col(MeasurementRow.unit_serial) == unit_serial
    )
    return (await session.execute(query)).scalar_one_or_none()


async def measurements(
    session: AsyncSession, inspection_id: UUID, *, after: int | None, limit: int
) -> Sequence[MeasurementRow]:
    """In the order they were measured."""
    query = select(MeasurementRow).where(col(MeasurementRow.inspection_id) == inspection_id)
    if after is not None:
        query = query.where(col(MeasurementRow.id) > after)
    query = query.order_by(col(MeasurementRow.id)).limit(limit + 1)
    return (await session.execute(query)).scalars().all()


async def certificate(
    session: AsyncSession, certificate_id: UUID, supplier_scope: UUID | None
) -> CertificateRow | None:
    query = select(CertificateRow).where(col(CertificateRow.id) == certificate_id)
    return (await session.execute(_scoped(query, CertificateRow.supplier_id, supplier_scope))).scalar_one_or_none()


async def certificates(
    session: AsyncSession, *, supplier_scope: UUID | None, order_id: UUID | None, after: str | None, limit: int
) -> Sequence[CertificateRow]:
    """Ordered by number, which follows issue order within a year and years in turn."""
    query = _scoped(select(CertificateRow), CertificateRow.supplier_id, supplier_scope)
    if order_id is not None:
        query = query.where(col(CertificateRow.order_id) == order_id)
    if after is not None:
        query = query.where(col(CertificateRow.number) > after)
    query = query.order_by(col(CertificateRow.number)).limit(limit + 1)
    return (await session.execute(query)).scalars().all()


async def nonconformance(
    session: AsyncSession, nonconformance_id: UUID, supplier_scope: UUID | None
) -> NonconformanceRow | None:
    query = select(NonconformanceRow).where(col(NonconformanceRow.id) == nonconformance_id)
    return (await session.execute(_scoped(query, NonconformanceRow.supplier_id, supplier_scope))).scalar_one_or_none()


async def nonconformances(
    session: AsyncSession,
    *,
    supplier_scope: UUID | None,
    order_id: UUID | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> Sequence[NonconformanceRow]:
    """Oldest first by (opened_at, id)."""
    query = _scoped(select(NonconformanceRow), NonconformanceRow.supplier_id, supplier_scope)
    if order_id is not None:
        query = query.where(col(NonconformanceRow.order_id) == order_id)
    if status is not None:
        query = query.where(col(NonconformanceRow.status) == status)
    if after is not None:
        opened_at, last_id = after
        query = query.where(
            or_(
                col(NonconformanceRow.opened_at) > opened_at,
                and_(col(NonconformanceRow.opened_at) == opened_at, col(NonconformanceRow.id) > last_id),
            )
        )
    query = query.order_by(col(NonconformanceRow.opened_at), col(NonconformanceRow.id)).limit(limit + 1)
    return (await session.execute(query)).scalars().all()
