"""Tables of the fund service, on a registry of its own.

Every row that changes carries an integer ``version`` for ETags. Times are stored in UTC, days
(due dates, value dates) as dates of the ministry's calendar. Exact quantities are integers:
money in tiyn (1/100 KZT), percentages in hundredths of a percent and rates in ten-thousandths
of a percent, so sums stay exact on SQLite as well as PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, Text
from sqlmodel import Field

from shared.db import service_model_base

if TYPE_CHECKING:  # a class made at run time is no base class to a type checker
    from sqlmodel import SQLModel as FundTable
else:
    FundTable = service_model_base("fund")
metadata = FundTable.metadata

# Every time is stored with its time zone (UTC): `Field(sa_type=UTC_TIME)`.
UTC_TIME = DateTime(timezone=True)
# SQLite numbers its rows only for a column declared INTEGER.
_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


def _money() -> int:
    return Field(sa_column=Column(BigInteger, nullable=False))  # type: ignore[no-any-return]


class ProjectRow(FundTable, table=True):
    """A project submitted to the fund, with its status and the amounts lent against its budget."""

    __tablename__ = "fund_projects"
    __table_args__ = (
        Index("ix_fund_projects_created", "created_at", "id"),
        Index("ix_fund_projects_category_status", "category", "status"),
    )

    id: UUID = Field(primary_key=True)
    title: str = Field(max_length=300)
    enterprise_id: UUID = Field(index=True)
    category: str = Field(max_length=20)
    defense_need: str = Field(sa_type=Text)
    order_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    budget_tiyn: int = _money()
    lent_tiyn: int = _money()
    local_content_hundredths: int
    status: str = Field(max_length=20, index=True)
    submitted_by: str = Field(max_length=200)
    submitted_on: date
    endorsed_by: str | None = Field(default=None, max_length=200)
    endorsed_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    approved_by: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    ended_by: str | None = Field(default=None, max_length=200)
    ended_at: datetime | None = Field(default=None, sa_type=UTC_TIME)
    end_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTC_TIME)
    updated_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1


class MilestoneRow(FundTable, table=True):
    """A milestone of a project and the tranche it releases once completed."""

    __tablename__ = "fund_milestones"

    project_id: UUID = Field(primary_key=True, foreign_key="fund_projects.id")
    n: int = Field(primary_key=True)
    name: str = Field(max_length=300)
    due_date: date
    amount_tiyn: int = _money()
    completed_on: date | None = None
    evidence: str | None = Field(default=None, sa_type=Text)
    disbursed: bool = False


class ProjectHistoryRow(FundTable, table=True):
    """Every step of a project: status moves, tranches and loans, with the event that announced it."""

    __tablename__ = "fund_project_history"
    __table_args__ = (Index("ix_fund_project_history_project", "project_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(_BIG_ID, primary_key=True, autoincrement=True))
    project_id: UUID = Field(foreign_key="fund_projects.id")
    action: str = Field(max_length=40)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    at: datetime = Field(sa_type=UTC_TIME)
    actor: str = Field(max_length=200)
    reason: str | None = Field(default=None, sa_type=Text)
    event_id: UUID | None = None


class LoanRow(FundTable, table=True):
    """A loan to a project's enterprise: its terms, its status and the repayments it took."""

    __tablename__ = "fund_loans"
    __table_args__ = (Index("ix_fund_loans_granted", "granted_at", "id"),)

    id: UUID = Field(primary_key=True)
    project_id: UUID = Field(foreign_key="fund_projects.id", index=True)
    enterprise_id: UUID = Field(index=True)
    category: str = Field(max_length=20)
    principal_tiyn: int = _money()
    # Percent a year in ten-thousandths of a percent: 4.5 % is 45000.
    rate_ten_thousandths: int
    term_months: int
    grace_months: int
    start_date: date
    status: str = Field(max_length=20, index=True)
    granted_by: str = Field(max_length=200)
    granted_at: datetime = Field(sa_type=UTC_TIME)
    updated_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1


class RepaymentRow(FundTable, table=True):
    """Money received on a loan, in the order it was recorded (``seq`` from 1)."""

    __tablename__ = "fund_repayments"

    loan_id: UUID = Field(primary_key=True, foreign_key="fund_loans.id")
    seq: int = Field(primary_key=True)
    paid_on: date
    amount_tiyn: int = _money()
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_type=UTC_TIME)


class EnterpriseRow(FundTable, table=True):
    """An enterprise (a supplier of the registry) and the status its events last announced."""

    __tablename__ = "fund_enterprises"

    id: UUID = Field(primary_key=True)
    status: str = Field(max_length=20)
    reason: str | None = Field(default=None, sa_type=Text)
    # When the registry announced the status (the event's `time`): older announcements are ignored.
    as_of: datetime = Field(sa_type=UTC_TIME)
    event_id: UUID | None = None
    updated_at: datetime = Field(sa_type=UTC_TIME)
    version: int = 1
