"""Every GET of the suppliers service: domain values out, rendered by the routes (``XPublic.of``).

Each read takes the caller's supplier scope (``Principal.supplier_scope``): a supplier sees only its
own record, and another's answers as if it did not exist (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.suppliers.db.repository import (
    certification_of,
    counters_of,
    details_of,
    license_of,
    supplier_of,
    suppliers_of,
    tiyn_to_kzt,
)
from services.suppliers.db.tables import (
    AwardRow,
    CancelledOrderRow,
    CertificationRow,
    LicenseRow,
    StatusChangeRow,
    SupplierCategoryRow,
    SupplierRow,
)
from services.suppliers.domain.diversification import AwardRecord, CategoryDiversification, summarize_category
from services.suppliers.domain.expiry import Lapsing
from services.suppliers.domain.facts import ORDER_CATEGORIES, SupplierFacts
from services.suppliers.domain.scorecard import ScorecardCounters
from services.suppliers.domain.status import SupplierStatus
from services.suppliers.domain.supplier import Certification, License, Supplier


def _sees(scope: UUID | None, supplier_id: UUID) -> bool:
    return scope is None or scope == supplier_id


async def _row(session: AsyncSession, supplier_id: UUID, scope: UUID | None) -> SupplierRow | None:
    return await session.get(SupplierRow, supplier_id) if _sees(scope, supplier_id) else None


async def supplier(session: AsyncSession, supplier_id: UUID, scope: UUID | None) -> Supplier | None:
    """The whole record: the supplier with its categories, licenses and certifications."""
    row = await _row(session, supplier_id, scope)
    return None if row is None else supplier_of(row, (await details_of(session, [row.id]))[row.id])


async def exists(session: AsyncSession, supplier_id: UUID, scope: UUID | None) -> bool:
    if not _sees(scope, supplier_id):
        return False
    found = await session.execute(select(col(SupplierRow.id)).where(col(SupplierRow.id) == supplier_id))
    return found.first() is not None


async def scorecard(
    session: AsyncSession, supplier_id: UUID, scope: UUID | None
) -> tuple[ScorecardCounters, int] | None:
    """The scorecard counters and the supplier's version (they change it)."""
    row = await _row(session, supplier_id, scope)
    return None if row is None else (counters_of(row), row.version)


@dataclass(frozen=True)
class SupplierFilter:
    status: str | None = None
    category: str | None = None
    country: str | None = None


async def supplier_page(
    session: AsyncSession, where: SupplierFilter, scope: UUID | None, after: tuple[datetime, UUID] | None, limit: int
) -> list[Supplier]:
    """One page (``limit`` + 1, to tell whether more follow), oldest first by (created_at, id)."""
    query = select(SupplierRow).order_by(col(SupplierRow.created_at), col(SupplierRow.id)).limit(limit + 1)
    if scope is not None:
        query = query.where(col(SupplierRow.id) == scope)
    if where.status:
        query = query.where(col(SupplierRow.status) == where.status)
    if where.country:
        query = query.where(col(SupplierRow.country) == where.country)
    if where.category:
        declared = select(col(SupplierCategoryRow.supplier_id)).where(
            col(SupplierCategoryRow.category) == where.category
        )
        query = query.where(col(SupplierRow.id).in_(declared))
    if after:
        created_at, last_id = after
        later = col(SupplierRow.created_at) > created_at
        same_time_higher_id = and_(col(SupplierRow.created_at) == created_at, col(SupplierRow.id) > last_id)
        query = query.where(or_(later, same_time_higher_id))
    return await suppliers_of(session, list((await session.execute(query)).scalars()))


async def license(session: AsyncSession, supplier_id: UUID, license_id: UUID) -> License | None:
    row = await session.get(LicenseRow, license_id)
    return license_of(row) if row is not None and row.supplier_id == supplier_id else None


async def certification(session: AsyncSession, supplier_id: UUID, certification_id: UUID) -> Certification | None:
    row = await session.get(CertificationRow, certification_id)
    return certification_of(row) if row is not None and row.supplier_id == supplier_id else None


async def status_history(
    session: AsyncSession, supplier_id: UUID, after: int | None, limit: int
) -> list[StatusChangeRow]:
    query = (
        select(StatusChangeRow)
        .where(col(StatusChangeRow.supplier_id) == supplier_id)
        .order_by(col(StatusChangeRow.id))
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(col(StatusChangeRow.id) > after)
    return list((await session.execute(query)).scalars())


ExpiringKind = Literal["license", "certification"]


async def expiring(
    session: AsyncSession,
    window: tuple[date, date],
    scope: UUID | None,
    kind: ExpiringKind | None,
    after: tuple[date, str, UUID] | None,
    limit: int,
) -> list[Lapsing]:
    """Licenses and certifications whose last valid day falls in ``window``, soonest first by
    (valid_until, kind, id); neither revoked ones nor those of excluded suppliers (which need no renewal).

    One page (``limit`` + 1) from each table, merged: the first ``limit`` + 1 of the union are among them.
    """
    found: list[Lapsing] = []
    if kind in (None, "license"):
        found += await _lapsing(session, LicenseRow, "license", window, scope, after, limit)
    if kind in (None, "certification"):
        found += await _lapsing(session, CertificationRow, "certification", window, scope, after, limit)
    found.sort(key=lambda item: (item.valid_until, item.kind, str(item.id)))
    return found[: limit + 1]


async def _lapsing(
    session: AsyncSession,
    table: type[LicenseRow] | type[CertificationRow],
    kind: ExpiringKind,
    window: tuple[date, date],
    scope: UUID | None,
    after: tuple[date, str, UUID] | None,
    limit: int,
) -> list[Lapsing]:
    held: Any = table
    detail = held.category if table is LicenseRow else held.standard
    query = (
        select(held.id, held.supplier_id, col(SupplierRow.name), col(SupplierRow.status), detail, held.number)
        .add_columns(held.valid_until)
        .join(SupplierRow, col(SupplierRow.id) == held.supplier_id)
        .where(
            held.valid_until >= window[0],
            held.valid_until <= window[1],
            held.revoked_at.is_(None),
            col(SupplierRow.status) != SupplierStatus.EXCLUDED.value,
        )
        .order_by(held.valid_until, held.id)
        .limit(limit + 1)
    )
    if scope is not None:
        query = query.where(held.supplier_id == scope)
    if after is not None:
        until, after_kind, after_id = after
        if kind > after_kind:
            query = query.where(held.valid_until >= until)
        elif kind == after_kind:
            query = query.where(or_(held.valid_until > until, and_(held.valid_until == until, held.id > after_id)))
        else:
            query = query.where(held.valid_until > until)
    return [
        Lapsing(
            kind=kind,
            id=held_id,
            supplier_id=supplier_id,
            supplier_name=name,
            supplier_status=SupplierStatus(status),
            category=value if kind == "license" else None,
            standard=value if kind == "certification" else None,
            number=number,
            valid_until=valid_until,
        )
        for held_id, supplier_id, name, status, value, number, valid_until in await session.execute(query)
    ]


async def supplier_facts(session: AsyncSession, supplier_id: UUID) -> SupplierFacts | None:
    """The supplier as the eligibility rules see it (eligibility is not asked by suppliers: no scope)."""
    found = await supplier(session, supplier_id, None)
    return None if found is None else found.facts()


async def diversification(session: AsyncSession) -> list[CategoryDiversification]:
    """One row per order category, from the active suppliers and the contracts still in force."""
    active = await _active_suppliers_per_category(session)
    awards = await _awarded_value_per_supplier(session)
    return [summarize_category(category, active.get(category, 0), awards) for category in ORDER_CATEGORIES]


async def _active_suppliers_per_category(session: AsyncSession) -> dict[str, int]:
    query = (
        select(col(SupplierCategoryRow.category), func.count())
        .join(SupplierRow, col(SupplierRow.id) == col(SupplierCategoryRow.supplier_id))
        .where(col(SupplierRow.status) == SupplierStatus.ACTIVE.value)
        .group_by(col(SupplierCategoryRow.category))
    )
    return {category: count for category, count in await session.execute(query)}


async def _awarded_value_per_supplier(session: AsyncSession) -> list[AwardRecord]:
    """Contracted value summed in SQL per (category, supplier, country), in exact tiyn.

    Cancelled contracts do not count: the figures describe the supply the ministry still relies on,
    as the orders service's KPI does.
    """
    cancelled = select(col(CancelledOrderRow.order_id)).where(col(CancelledOrderRow.order_id) == col(AwardRow.order_id))
    query = (
        select(col(AwardRow.category), col(AwardRow.supplier_id), col(AwardRow.country), func.sum(AwardRow.value_tiyn))
        .where(~cancelled.exists())
        .group_by(col(AwardRow.category), col(AwardRow.supplier_id), col(AwardRow.country))
    )
    return [
        AwardRecord(supplier_id=supplier_id, country=country, category=category, value_kzt=tiyn_to_kzt(int(tiyn)))
        for category, supplier_id, country, tiyn in await session.execute(query)
    ]
