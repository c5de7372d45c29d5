"""Every GET of the fund service: domain values out, rendered by the routes (``XPublic.of``).

Each read takes the caller's supplier scope (``Principal.supplier_scope``): an enterprise (a
supplier's token) sees only its own projects and loans, and another's answer as if they did not
exist (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.fund.db.repository import (
    enterprise_of,
    from_hundredths,
    from_tiyn,
    loans_of,
    projects_of,
)
from services.fund.db.tables import EnterpriseRow, LoanRow, MilestoneRow, ProjectHistoryRow, ProjectRow
from services.fund.domain.analytics import LoanFigures, ProjectFigures
from services.fund.domain.category import ProjectCategory
from services.fund.domain.enterprise import Enterprise
from services.fund.domain.lifecycle import ProjectStatus
from services.fund.domain.loan import Loan
from services.fund.domain.project import Project

Keyset = tuple[datetime, UUID]


def _sees(scope: UUID | None, enterprise_id: UUID) -> bool:
    return scope is None or scope == enterprise_id


def _after(created: Any, ident: Any, key: Keyset) -> ColumnElement[bool]:
    """Rows after ``key`` in (created, id) order: the keyset of a page."""
    at, last_id = key
    return or_(col(created) > at, and_(col(created) == at, col(ident) > last_id))


async def project(session: AsyncSession, project_id: UUID, scope: UUID | None) -> Project | None:
    row = await session.get(ProjectRow, project_id)
    if row is None or not _sees(scope, row.enterprise_id):
        return None
    return (await projects_of(session, [row]))[0]


@dataclass(frozen=True)
class ProjectFilter:
    status: str | None = None
    category: str | None = None
    enterprise_id: UUID | None = None


async def project_page(
    session: AsyncSession, where: ProjectFilter, scope: UUID | None, after: Keyset | None, limit: int
) -> list[Project]:
    """One page (``limit`` + 1, to tell whether more follow), oldest first by (submitted_at, id)."""
    query = select(ProjectRow).order_by(col(ProjectRow.created_at), col(ProjectRow.id)).limit(limit + 1)
    if scope is not None:
        query = query.where(col(ProjectRow.enterprise_id) == scope)
    if where.status:
        query = query.where(col(ProjectRow.status) == where.status)
    if where.category:
        query = query.where(col(ProjectRow.category) == where.category)
    if where.enterprise_id:
        query = query.where(col(ProjectRow.enterprise_id) == where.enterprise_id)
    if after:
        query = query.where(_after(ProjectRow.created_at, ProjectRow.id, after))
    return await projects_of(session, list((await session.execute(query)).scalars()))


async def project_history(
    session: AsyncSession, project_id: UUID, after: int | None, limit: int
) -> list[ProjectHistoryRow]:
    query = (
        select(ProjectHistoryRow)
        .where(col(ProjectHistoryRow.project_id) == project_id)
        .order_by(col(ProjectHistoryRow.id))
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(col(ProjectHistoryRow.id) > after)
    return list((await session.execute(query)).scalars())


async def loan(session: AsyncSession, loan_id: UUID, scope: UUID | None) -> Loan | None:
    row = await session.get(LoanRow, loan_id)
    if row is None or not _sees(scope, row.enterprise_id):
        return None
    return (await loans_of(session, [row]))[0]


@dataclass(frozen=True)
class LoanFilter:
    project_id: UUID | None = None
    status: str | None = None


async def loan_page(
    session: AsyncSession, where: LoanFilter, scope: UUID | None, after: Keyset | None, limit: int
) -> list[Loan]:
    """One page, oldest first by (granted_at, id)."""
    query = select(LoanRow).order_by(col(LoanRow.granted_at), col(LoanRow.id)).limit(limit + 1)
    if scope is not None:
        query = query.where(col(LoanRow.enterprise_id) == scope)
    if where.project_id:
        query = query.where(col(LoanRow.project_id) == where.project_id)
    if where.status:
        query = query.where(col(LoanRow.status) == where.status)
    if after:
        query = query.where(_after(LoanRow.granted_at, LoanRow.id, after))
    return await loans_of(session, list((await session.execute(query)).scalars()))


async def enterprise(session: AsyncSession, enterprise_id: UUID) -> Enterprise | None:
    row = await session.get(EnterpriseRow, enterprise_id)
    return None if row is None else enterprise_of(row)


async def portfolio(session: AsyncSession, on: date) -> tuple[list[ProjectFigures], list[LoanFigures]]:
    """What the fund's figures need: every project (disbursed summed in SQL) and every loan as it stands on ``on``."""
    disbursed = (
        select(col(MilestoneRow.project_id), func.sum(MilestoneRow.amount_tiyn))
        .where(col(MilestoneRow.disbursed).is_(True))
        .group_by(col(MilestoneRow.project_id))
    )
    paid_out = {pid: int(tiyn) for pid, tiyn in await session.execute(disbursed)}
    columns = select(
        col(ProjectRow.id),
        col(ProjectRow.category),
        col(ProjectRow.status),
        col(ProjectRow.budget_tiyn),
        col(ProjectRow.local_content_hundredths),
    )
    projects = [
        ProjectFigures(
            project_id=pid,
            category=ProjectCategory(category),
            status=ProjectStatus(status),
            budget=from_tiyn(budget),
            local_content_target=from_hundredths(target),
            disbursed=from_tiyn(paid_out.get(pid, 0)),
        )
        for pid, category, status, budget, target in await session.execute(columns)
    ]
    loans = await loans_of(session, list((await session.execute(select(LoanRow))).scalars()))
    return projects, [LoanFigures.of(loan, on) for loan in loans]
