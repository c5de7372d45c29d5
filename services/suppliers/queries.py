"""Reads: each returns a public body, scoped to the caller (another supplier's record is "not found")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.suppliers.api.schemas import (
    CategoryDiversificationPublic,
    CertificationPublic,
    DiversificationPublic,
    EligibilityPublic,
    LicensePublic,
    StatusChangePublic,
    SupplierPublic,
)
from services.suppliers.api.views import certification_public, license_public, status_change_public, supplier_public
from services.suppliers.db import repository
from services.suppliers.db.tables import CertificationRow, LicenseRow, SupplierRow
from services.suppliers.domain.diversification import summarize_category
from services.suppliers.domain.eligibility import AwardRequirement, assess
from services.suppliers.domain.facts import ORDER_CATEGORIES
from shared.auth import Principal
from shared.http.pagination import Page, decode_cursor, split_page
from shared.http.problems import NotFound

_CENT = Decimal("0.01")


async def visible_supplier(session: AsyncSession, supplier_id: UUID, principal: Principal) -> SupplierRow:
    row = await repository.get_supplier(session, supplier_id) if principal.can_see_supplier(supplier_id) else None
    if row is None:
        raise NotFound(f"No supplier {supplier_id}.")
    return row


async def supplier_record(session: AsyncSession, supplier_id: UUID, principal: Principal) -> SupplierPublic:
    row = await visible_supplier(session, supplier_id, principal)
    return supplier_public(row, (await repository.details_of(session, [row.id]))[row.id])


async def supplier_page(
    session: AsyncSession, principal: Principal, where: repository.SupplierFilter, cursor: str | None, limit: int
) -> Page[SupplierPublic]:
    if principal.supplier_scope is not None:
        where = repository.SupplierFilter(where.status, where.category, where.country, only_id=principal.supplier_scope)
    after = decode_cursor(cursor, datetime.fromisoformat, UUID)
    rows = await repository.list_suppliers(session, where, (after[0], after[1]) if after else None, limit)
    page, next_cursor = split_page(rows, limit, lambda r: [r.created_at.isoformat(), str(r.id)])
    details = await repository.details_of(session, [r.id for r in page])
    return Page[SupplierPublic](items=[supplier_public(r, details[r.id]) for r in page], next_cursor=next_cursor)


async def license_record(
    session: AsyncSession, supplier_id: UUID, license_id: UUID, principal: Principal
) -> LicensePublic:
    await visible_supplier(session, supplier_id, principal)
    row = await session.get(LicenseRow, license_id)
    if row is None or row.supplier_id != supplier_id:
        raise NotFound(f"No license {license_id} of supplier {supplier_id}.")
    return license_public(row)


async def certification_record(
    session: AsyncSession, supplier_id: UUID, certification_id: UUID, principal: Principal
) -> CertificationPublic:
    await visible_supplier(session, supplier_id, principal)
    row = await session.get(CertificationRow, certification_id)
    if row is None or row.supplier_id != supplier_id:
        raise NotFound(f"No certification {certification_id} of supplier {supplier_id}.")
    return certification_public(row)


async def status_history(
    session: AsyncSession, supplier_id: UUID, principal: Principal, cursor: str | None, limit: int
) -> Page[StatusChangePublic]:
    await visible_supplier(session, supplier_id, principal)
    after = decode_cursor(cursor, int)
    rows = await repository.status_changes(session, supplier_id, after[0] if after else None, limit)
    page, next_cursor = split_page(rows, limit, lambda r: [r.id])
    return Page[StatusChangePublic](items=[status_change_public(r) for r in page], next_cursor=next_cursor)


async def eligibility(
    session: AsyncSession, supplier_id: UUID, requirement: AwardRequirement, restricted: Iterable[str]
) -> EligibilityPublic:
    row = await repository.get_supplier(session, supplier_id)
    if row is None:
        raise NotFound(f"No supplier {supplier_id}.")
    verdict = assess(await repository.facts_of(session, row), requirement, restricted)
    return EligibilityPublic(
        supplier_id=row.id,
        eligible=verdict.eligible,
        reasons=verdict.reasons,
        missing_certifications=verdict.missing_certifications,
        on=requirement.on,
    )


async def diversification(session: AsyncSession) -> DiversificationPublic:
    active = await repository.active_suppliers_per_category(session)
    awards = await repository.awarded_value_per_supplier(session)
    rows = [summarize_category(category, active.get(category, 0), awards) for category in ORDER_CATEGORIES]
    return DiversificationPublic(
        categories=[
            CategoryDiversificationPublic(
                category=row.category,
                active_suppliers=row.active_suppliers,
                awarded_value_kzt=row.awarded_value_kzt.quantize(_CENT),
                by_country=row.by_country,
                domestic_share=row.domestic_share,
                hhi=row.hhi,
            )
            for row in rows
        ]
    )
