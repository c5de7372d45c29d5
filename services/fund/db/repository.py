"""The ports on SQL: projects, loans and enterprises loaded as aggregates and saved back.

Rows and aggregates are mapped here, explicitly, in both directions. Nothing here commits: the
kernel's unit of work owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.fund.db.tables import (
    EnterpriseRow,
    LoanRow,
    MilestoneRow,
    ProjectHistoryRow,
    ProjectRow,
    RepaymentRow,
)
from services.fund.domain.category import ProjectCategory
from services.fund.domain.enterprise import Enterprise
from services.fund.domain.lifecycle import LoanStatus, ProjectStatus
from services.fund.domain.loan import Loan, Repayment
from services.fund.domain.project import HistoryEntry, Milestone, Project
from shared import clock

_CENT = Decimal("0.01")
_HUNDREDTH = Decimal("0.01")
_RATE_UNIT = Decimal("0.0001")


def to_tiyn(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_tiyn(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(_CENT)


def to_hundredths(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_hundredths(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(_HUNDREDTH)


def to_rate_units(value: Decimal) -> int:
    return int((value * 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_rate_units(value: int) -> Decimal:
    return (Decimal(value) / 10_000).quantize(_RATE_UNIT)


def aware(moment: datetime | None) -> datetime | None:
    """A stored time as UTC: SQLite hands back naive datetimes, and every time this service stores is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Projects.

_PROJECT_AS_IS = (
    "id title enterprise_id defense_need submitted_by submitted_on endorsed_by approved_by ended_by end_reason version"
).split()
_PROJECT_TIMES = "endorsed_at approved_at ended_at updated_at".split()


def milestone_of(row: MilestoneRow) -> Milestone:
    return Milestone(
        n=row.n,
        name=row.name,
        due_date=row.due_date,
        amount=from_tiyn(row.amount_tiyn),
        completed_on=row.completed_on,
        evidence=row.evidence,
        disbursed=row.disbursed,
    )


def project_of(row: ProjectRow, milestones: Sequence[MilestoneRow]) -> Project:
    return Project(
        **{name: getattr(row, name) for name in _PROJECT_AS_IS},
        endorsed_at=aware(row.endorsed_at),
        approved_at=aware(row.approved_at),
        ended_at=aware(row.ended_at),
        updated_at=aware(row.updated_at),
        category=ProjectCategory(row.category),
        order_ids=tuple(UUID(o) for o in row.order_ids),
        budget=from_tiyn(row.budget_tiyn),
        local_content_target=from_hundredths(row.local_content_hundredths),
        milestones=[milestone_of(m) for m in sorted(milestones, key=lambda m: m.n)],
        status=ProjectStatus(row.status),
        lent=from_tiyn(row.lent_tiyn),
        submitted_at=aware(row.created_at),
    )


def _project_columns(project: Project) -> dict[str, Any]:
    return {
        **{name: getattr(project, name) for name in _PROJECT_AS_IS},
        **{name: getattr(project, name) for name in _PROJECT_TIMES},
        "category": project.category.value,
        "order_ids": [str(o) for o in project.order_ids],
        "budget_tiyn": to_tiyn(project.budget),
        "lent_tiyn": to_tiyn(project.lent),
        "local_content_hundredths": to_hundredths(project.local_content_target),
        "status": project.status.value,
        "created_at": project.submitted_at,
    }


def _milestone_columns(project_id: UUID, milestone: Milestone) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "n": milestone.n,
        "name": milestone.name,
        "due_date": milestone.due_date,
        "amount_tiyn": to_tiyn(milestone.amount),
        "completed_on": milestone.completed_on,
        "evidence": milestone.evidence,
        "disbursed": milestone.disbursed,
    }


async def milestones_of(session: AsyncSession, project_ids: Sequence[UUID]) -> dict[UUID, list[MilestoneRow]]:
    found: dict[UUID, list[MilestoneRow]] = {pid: [] for pid in project_ids}
    if not project_ids:
        return found
    rows = await session.execute(select(MilestoneRow).where(col(MilestoneRow.project_id).in_(project_ids)))
    for row in rows.scalars():
        found[row.project_id].append(row)
    return found


async def projects_of(session: AsyncSession, rows: Sequence[ProjectRow]) -> list[Project]:
    milestones = await milestones_of(session, [row.id for row in rows])
    return [project_of(row, milestones[row.id]) for row in rows]


class SqlProjectRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # The rows behind the projects handed out, so `save` writes back to what it loaded.
        self._rows: dict[UUID, tuple[ProjectRow, dict[int, MilestoneRow]]] = {}

    async def get_for_change(self, project_id: UUID) -> Project | None:
        # PostgreSQL: concurrent changes of one project queue up here; SQLite is one writer anyway.
        query = select(ProjectRow).where(col(ProjectRow.id) == project_id).with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        milestones = (await milestones_of(self.session, [row.id]))[row.id]
        self._rows[row.id] = (row, {m.n: m for m in milestones})
        return project_of(row, milestones)

    async def add(self, project: Project) -> None:
        row = ProjectRow(**_project_columns(project))
        self.session.add(row)
        milestones = {m.n: MilestoneRow(**_milestone_columns(project.id, m)) for m in project.milestones}
        # The project row first: its milestones and history refer to it.
        await self.session.flush()
        self.session.add_all(milestones.values())
        self._rows[project.id] = (row, milestones)

    async def save(self, project: Project) -> None:
        row, milestones = self._rows[project.id]
        for name, value in _project_columns(project).items():
            setattr(row, name, value)
        for milestone in project.milestones:
            for name, value in _milestone_columns(project.id, milestone).items():
                setattr(milestones[milestone.n], name, value)

    async def add_history(self, project_id: UUID, entry: HistoryEntry) -> None:
        self.session.add(
            ProjectHistoryRow(
                project_id=project_id,
                action=entry.action,
                from_status=entry.from_status.value if entry.from_status else None,
                to_status=entry.to_status.value,
                at=entry.at,
                actor=entry.actor,
                reason=entry.reason,
                event_id=entry.event_id,
            )
        )


# Loans.

_LOAN_AS_IS = ("id project_id enterprise_id term_months grace_months start_date granted_by version").split()


def repayment_of(row: RepaymentRow) -> Repayment:
    return Repayment(row.paid_on, from_tiyn(row.amount_tiyn), row.recorded_by, aware(row.recorded_at))


def loan_of(row: LoanRow, repayments: Sequence[RepaymentRow]) -> Loan:
    return Loan(
        **{name: getattr(row, name) for name in _LOAN_AS_IS},
        granted_at=_utc(row.granted_at),
        updated_at=aware(row.updated_at),
        category=ProjectCategory(row.category),
        principal=from_tiyn(row.principal_tiyn),
        annual_rate=from_rate_units(row.rate_ten_thousandths),
        repayments=[repayment_of(r) for r in sorted(repayments, key=lambda r: r.seq)],
        status=LoanStatus(row.status),
    )


def _loan_columns(loan: Loan) -> dict[str, Any]:
    return {
        **{name: getattr(loan, name) for name in _LOAN_AS_IS},
        "granted_at": loan.granted_at,
        "category": loan.category.value,
        "principal_tiyn": to_tiyn(loan.principal),
        "rate_ten_thousandths": to_rate_units(loan.annual_rate),
        "status": loan.status.value,
        "updated_at": loan.updated_at or loan.granted_at,
    }


async def repayments_of(session: AsyncSession, loan_ids: Sequence[UUID]) -> dict[UUID, list[RepaymentRow]]:
    found: dict[UUID, list[RepaymentRow]] = {lid: [] for lid in loan_ids}
    if not loan_ids:
        return found
    rows = await session.execute(select(RepaymentRow).where(col(RepaymentRow.loan_id).in_(loan_ids)))
    for row in rows.scalars():
        found[row.loan_id].append(row)
    return found


async def loans_of(session: AsyncSession, rows: Sequence[LoanRow]) -> list[Loan]:
    repayments = await repayments_of(session, [row.id for row in rows])
    return [loan_of(row, repayments[row.id]) for row in rows]


class SqlLoanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[UUID, tuple[LoanRow, int]] = {}

    async def get_for_change(self, loan_id: UUID) -> Loan | None:
        loans = await self._load(select(LoanRow).where(col(LoanRow.id) == loan_id).with_for_update())
        return loans[0] if loans else None

    async def open_for_change(self, after: UUID | None, limit: int) -> list[Loan]:
        query = (
            select(LoanRow)
            .where(col(LoanRow.status) != LoanStatus.REPAID.value)
            .order_by(col(LoanRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if after is not None:
            query = query.where(col(LoanRow.id) > after)
        return await self._load(query)

    async def add(self, loan: Loan) -> None:
        row = LoanRow(**_loan_columns(loan))
        self.session.add(row)
        self._rows[loan.id] = (row, 0)
        await self._add_repayments(loan)

    async def save(self, loan: Loan) -> None:
        row, _ = self._rows[loan.id]
        for name, value in _loan_columns(loan).items():
            setattr(row, name, value)
        await self._add_repayments(loan)

    async def _load(self, query: Select[LoanRow]) -> list[Loan]:
        rows = list((await self.session.execute(query)).scalars())
        loans = await loans_of(self.session, rows)
        for row, loan in zip(rows, loans, strict=True):
            self._rows[loan.id] = (row, len(loan.repayments))
        return loans

    async def _add_repayments(self, loan: Loan) -> None:
        row, stored = self._rows[loan.id]
        added = loan.repayments[stored:]
        if not added:
            return
        # The loan row first (a new loan's repayments refer to it).
        await self.session.flush()
        self.session.add_all(
            RepaymentRow(
                loan_id=loan.id,
                seq=seq,
                paid_on=r.on,
                amount_tiyn=to_tiyn(r.amount),
                recorded_by=r.recorded_by or "",
                recorded_at=r.recorded_at or loan.updated_at or loan.granted_at,
            )
            for seq, r in enumerate(added, start=stored + 1)
        )
        self._rows[loan.id] = (row, len(loan.repayments))


# Enterprises.


def enterprise_of(row: EnterpriseRow) -> Enterprise:
    return Enterprise(row.id, row.status, _utc(row.as_of), row.event_id, row.reason, row.version)


class SqlEnterpriseRegistry:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rows: dict[UUID, EnterpriseRow] = {}

    async def get(self, enterprise_id: UUID) -> Enterprise | None:
        row = await self.session.get(EnterpriseRow, enterprise_id)
        return None if row is None else enterprise_of(row)

    async def get_for_change(self, enterprise_id: UUID) -> Enterprise | None:
        query = select(EnterpriseRow).where(col(EnterpriseRow.id) == enterprise_id).with_for_update()
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        self._rows[row.id] = row
        return enterprise_of(row)

    async def add(self, enterprise: Enterprise) -> None:
        row = EnterpriseRow(**_enterprise_columns(enterprise))
        self.session.add(row)
        # Flushed now: two first announcements of one enterprise side by side fail here and are retried.
        await self.session.flush()
        self._rows[enterprise.id] = row

    async def save(self, enterprise: Enterprise) -> None:
        row = self._rows[enterprise.id]
        for name, value in _enterprise_columns(enterprise).items():
            setattr(row, name, value)


def _enterprise_columns(enterprise: Enterprise) -> dict[str, Any]:
    return {
        "id": enterprise.id,
        "status": enterprise.status,
        "reason": enterprise.reason,
        "as_of": enterprise.as_of,
        "event_id": enterprise.event_id,
        "updated_at": clock.now(),
        "version": enterprise.version,
    }
