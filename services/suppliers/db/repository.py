"""Loading and saving supplier rows; the only module that writes SQL for the service.

Functions take a session and never commit: the unit of work (or a read session) owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.suppliers.db.tables import (
    AwardRow,
    CancelledOrderRow,
    CertificationRow,
    LicenseRow,
    LotResultRow,
    StatusChangeRow,
    SupplierCategoryRow,
    SupplierRow,
)
from services.suppliers.domain.diversification import AwardRecord
from services.suppliers.domain.facts import ORDER_CATEGORIES, CertificationFacts, LicenseFacts, SupplierFacts
from services.suppliers.domain.scorecard import ScorecardCounters
from services.suppliers.domain.status import SupplierStatus

_CENT = Decimal("0.01")


def percent_to_hundredths(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hundredths_to_percent(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(_CENT)


def kzt_to_tiyn(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tiyn_to_kzt(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(_CENT)


def category_order(categories: Iterable[str]) -> list[str]:
    """Categories in the contract's order, whatever order they were stored in."""
    # Only known categories are ever stored (the API validates them).
    return sorted(categories, key=ORDER_CATEGORIES.index)


def counters_of(row: SupplierRow) -> ScorecardCounters:
    return ScorecardCounters(
        orders_awarded=row.orders_awarded,
        lots_inspected=row.lots_inspected,
        lots_accepted=row.lots_accepted,
        deliveries=row.deliveries,
        on_time_deliveries=row.on_time_deliveries,
    )


def store_counters(row: SupplierRow, counters: ScorecardCounters, at: datetime) -> None:
    row.orders_awarded = counters.orders_awarded
    row.lots_inspected = counters.lots_inspected
    row.lots_accepted = counters.lots_accepted
    row.deliveries = counters.deliveries
    row.on_time_deliveries = counters.on_time_deliveries
    row.version += 1
    row.updated_at = at


async def get_supplier(session: AsyncSession, supplier_id: UUID, *, for_update: bool = False) -> SupplierRow | None:
    query = select(SupplierRow).where(SupplierRow.id == supplier_id)
    if for_update:
        # PostgreSQL: concurrent changes of one supplier queue up here; SQLite is one writer anyway.
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def find_same_identity(
    session: AsyncSession, *, bin: str | None, country: str, registration_number: str | None
) -> SupplierRow | None:
    """A registered supplier with the same BIN, or the same country and registration number."""
    same = []
    if bin is not None:
        same.append(SupplierRow.bin == bin)
    if registration_number is not None:
        same.append(and_(SupplierRow.country == country, SupplierRow.registration_number == registration_number))
    if not same:
        return None
    return (await session.execute(select(SupplierRow).where(or_(*same)).limit(1))).scalar_one_or_none()


@dataclass
class SupplierDetails:
    """What the public record holds besides the supplier row itself."""

    categories: list[str]
    licenses: list[LicenseRow]
    certifications: list[CertificationRow]


async def details_of(session: AsyncSession, supplier_ids: list[UUID]) -> dict[UUID, SupplierDetails]:
    """Categories, licenses and certifications of many suppliers in three queries."""
    details = {sid: SupplierDetails([], [], []) for sid in supplier_ids}
    if not supplier_ids:
        return details
    categories = await session.execute(
        select(SupplierCategoryRow.supplier_id, SupplierCategoryRow.category).where(
            SupplierCategoryRow.supplier_id.in_(supplier_ids)
        )
    )
    for supplier_id, category in categories:
        details[supplier_id].categories.append(category)
    for item in details.values():
        item.categories = category_order(item.categories)
    licenses = await session.execute(
        select(LicenseRow)
        .where(LicenseRow.supplier_id.in_(supplier_ids))
        .order_by(LicenseRow.valid_until, LicenseRow.id)
    )
    for lic in licenses.scalars():
        details[lic.supplier_id].licenses.append(lic)
    certifications = await session.execute(
        select(CertificationRow)
        .where(CertificationRow.supplier_id.in_(supplier_ids))
        .order_by(CertificationRow.valid_until, CertificationRow.id)
    )
    for cert in certifications.scalars():
        details[cert.supplier_id].certifications.append(cert)
    return details


async def facts_of(session: AsyncSession, row: SupplierRow) -> SupplierFacts:
    """The supplier as the eligibility rules see it."""
    details = (await details_of(session, [row.id]))[row.id]
    return SupplierFacts(
        status=SupplierStatus(row.status),
        country=row.country,
        local_content_share=hundredths_to_percent(row.local_content_hundredths),
        security_clearance=row.security_clearance,
        licenses=tuple(_license_facts(lic) for lic in details.licenses),
        certifications=tuple(
            CertificationFacts(standard=c.standard, valid_until=c.valid_until, number=c.number)
            for c in details.certifications
        ),
    )


async def licenses_of(session: AsyncSession, supplier_id: UUID) -> list[LicenseFacts]:
    rows = await session.execute(select(LicenseRow).where(LicenseRow.supplier_id == supplier_id))
    return [_license_facts(lic) for lic in rows.scalars()]


def _license_facts(lic: LicenseRow) -> LicenseFacts:
    return LicenseFacts(
        category=lic.category, valid_from=lic.valid_from, valid_until=lic.valid_until, number=lic.number
    )


@dataclass(frozen=True)
class SupplierFilter:
    status: str | None = None
    category: str | None = None
    country: str | None = None
    only_id: UUID | None = None


async def list_suppliers(
    session: AsyncSession, where: SupplierFilter, after: tuple[datetime, UUID] | None, limit: int
) -> list[SupplierRow]:
    """One page (``limit`` + 1 rows, to tell whether more follow), oldest first by (created_at, id)."""
    query = select(SupplierRow).order_by(SupplierRow.created_at, SupplierRow.id).limit(limit + 1)
    if where.status:
        query = query.where(SupplierRow.status == where.status)
    if where.country:
        query = query.where(SupplierRow.country == where.country)
    if where.only_id:
        query = query.where(SupplierRow.id == where.only_id)
    if where.category:
        declared = select(SupplierCategoryRow.supplier_id).where(SupplierCategoryRow.category == where.category)
        query = query.where(SupplierRow.id.in_(declared))
    if after:
        created_at, last_id = after
        later = SupplierRow.created_at > created_at
        same_time_higher_id = and_(SupplierRow.created_at == created_at, SupplierRow.id > last_id)
        query = query.where(or_(later, same_time_higher_id))
    return list((await session.execute(query)).scalars())


async def status_changes(
    session: AsyncSession, supplier_id: UUID, after: int | None, limit: int
) -> list[StatusChangeRow]:
    query = (
        select(StatusChangeRow)
        .where(StatusChangeRow.supplier_id == supplier_id)
        .order_by(StatusChangeRow.id)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(StatusChangeRow.id > after)
    return list((await session.execute(query)).scalars())


# Namespace of the per-order advisory locks (two-key form, apart from the kernel's one-key locks).
_ORDER_LOCKS = 0x5D0_0002


async def lock_order(session: AsyncSession, order_id: UUID) -> None:
    """Serialize the handlers of one order's events until this transaction ends.

    A verdict without a supplier id looks for the contract while the contract looks for verdicts
    that came before it; run side by side (RabbitMQ delivers concurrently) each could miss the
    other. PostgreSQL only: on SQLite every writer already holds the database lock.
    """
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        key = int.from_bytes(order_id.bytes[:4], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _ORDER_LOCKS, "key": key})


async def award_of(session: AsyncSession, order_id: UUID) -> AwardRow | None:
    return await session.get(AwardRow, order_id)


async def uncounted_lots(session: AsyncSession, order_id: UUID) -> list[LotResultRow]:
    """Verdicts that arrived before the order's contract, waiting for their supplier."""
    query = select(LotResultRow).where(LotResultRow.order_id == order_id, LotResultRow.counted.is_(False))
    return list((await session.execute(query)).scalars())


async def active_suppliers_per_category(session: AsyncSession) -> dict[str, int]:
    query = (
        select(SupplierCategoryRow.category, func.count())
        .join(SupplierRow, SupplierRow.id == SupplierCategoryRow.supplier_id)
        .where(SupplierRow.status == SupplierStatus.ACTIVE.value)
        .group_by(SupplierCategoryRow.category)
    )
    return {category: count for category, count in await session.execute(query)}


async def note_cancelled(session: AsyncSession, order_id: UUID, at: datetime) -> bool:
    """Remember a cancelled order; False when it was known already."""
    if await session.get(CancelledOrderRow, order_id) is not None:
        return False
    session.add(CancelledOrderRow(order_id=order_id, cancelled_at=at))
    return True


async def awarded_value_per_supplier(session: AsyncSession) -> list[AwardRecord]:
    """Contracted value summed in SQL per (category, supplier, country), in exact tiyn.

    Cancelled contracts do not count: the figures describe the supply the ministry still relies on,
    as the orders service's KPI does.
    """
    cancelled = select(CancelledOrderRow.order_id).where(CancelledOrderRow.order_id == AwardRow.order_id)
    query = (
        select(AwardRow.category, AwardRow.supplier_id, AwardRow.country, func.sum(AwardRow.value_tiyn))
        .where(~cancelled.exists())
        .group_by(AwardRow.category, AwardRow.supplier_id, AwardRow.country)
    )
    return [
        AwardRecord(supplier_id=supplier_id, country=country, category=category, value_kzt=tiyn_to_kzt(int(tiyn)))
        for category, supplier_id, country, tiyn in await session.execute(query)
    ]
