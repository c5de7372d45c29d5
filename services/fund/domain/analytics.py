"""The fund's figures by category (``GET /api/v1/analytics/fund``).

Choices, so readers know what they get:

- ``projects`` counts every project of the category whatever its status (``by_status`` splits it).
- ``approved_budget`` sums the budgets of projects approved, including those since closed: a
  closed project was approved; a rejected or pending one was not.
- ``lent`` sums loan principals; ``outstanding`` the principal not yet repaid; ``overdue`` what
  fell due before the day asked and is still unpaid (interest and principal), with
  ``overdue_loans`` the number of loans carrying such arrears. ``disbursed`` sums the tranches.
- ``local_content_share`` is the percent of ``lent`` that went to projects whose
  ``local_content_target`` is at least the category's KPI target (default repair 55,
  modernization 35, production 70; ``SDO_KPI_TARGETS`` overrides), 2 decimal places half up.
  ``None`` (JSON null) when nothing is lent in the category: 0 would say "all lending misses the
  target" where there is no lending.
- Every category appears, in the order repair, modernization, production, even when empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from services.fund.domain.category import CATEGORIES, DEFAULT_KPI_TARGETS, ProjectCategory
from services.fund.domain.lifecycle import ProjectStatus
from services.fund.domain.loan import Loan
from services.fund.domain.money import KZT, ZERO
from services.fund.domain.project import Project
from shared.errors import InvalidInput

# A project counts toward the approved budget once approved, and still after it is closed.
APPROVED_STATUSES: frozenset[ProjectStatus] = frozenset({ProjectStatus.APPROVED, ProjectStatus.CLOSED})

_PERCENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ProjectFigures:
    """What the figures need of one project."""

    project_id: UUID
    category: ProjectCategory
    status: ProjectStatus
    budget: Decimal
    local_content_target: Decimal
    disbursed: Decimal = ZERO

    @classmethod
    def of(cls, project: Project) -> ProjectFigures:
        return cls(
            project.id,
            project.category,
            project.status,
            project.budget,
            project.local_content_target,
            project.disbursed,
        )


@dataclass(frozen=True, slots=True)
class LoanFigures:
    """What the figures need of one loan, on a given day."""

    project_id: UUID
    principal: Decimal
    outstanding: Decimal
    overdue: Decimal

    @classmethod
    def of(cls, loan: Loan, on: date) -> LoanFigures:
        """The loan as it stands on ``on`` (the ministry's calendar day)."""
        return cls(loan.project_id, loan.principal, loan.outstanding_principal(on), loan.arrears_on(on))


@dataclass(frozen=True, slots=True)
class CategoryFigures:
    category: ProjectCategory
    projects: int
    by_status: dict[str, int]
    approved_budget: Decimal
    disbursed: Decimal
    lent: Decimal
    outstanding: Decimal
    overdue: Decimal
    overdue_loans: int
    kpi_target: Decimal
    lent_meeting_target: Decimal
    local_content_share: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        """Response item: money as ``{"amount": "...", "currency": "KZT"}``, percentages as JSON numbers."""
        return {
            "category": self.category.value,
            "projects": self.projects,
            "by_status": dict(self.by_status),
            "approved_budget": _money(self.approved_budget),
            "disbursed": _money(self.disbursed),
            "lent": _money(self.lent),
            "outstanding": _money(self.outstanding),
            "overdue": _money(self.overdue),
            "overdue_loans": self.overdue_loans,
            "kpi_target": float(self.kpi_target),
            "lent_meeting_target": _money(self.lent_meeting_target),
            "local_content_share": None if self.local_content_share is None else float(self.local_content_share),
        }


def fund_figures(
    projects: Iterable[ProjectFigures],
    loans: Iterable[LoanFigures],
    targets: Mapping[ProjectCategory, Decimal] = DEFAULT_KPI_TARGETS,
) -> list[CategoryFigures]:
    """One row per category. Every loan's project must be among ``projects`` (``ValueError`` otherwise)."""
    by_id = {p.project_id: p for p in projects}
    rows = []
    for category in CATEGORIES:
        target = targets.get(category, DEFAULT_KPI_TARGETS[category])
        mine = [p for p in by_id.values() if p.category is category]
        statuses = {str(s): 0 for s in ProjectStatus}
        for p in mine:
            statuses[str(p.status)] += 1
        rows.append(
            _Row(
                category=category,
                target=target,
                projects=len(mine),
                by_status=statuses,
                approved_budget=sum((p.budget for p in mine if p.status in APPROVED_STATUSES), ZERO),
                disbursed=sum((p.disbursed for p in mine), ZERO),
            )
        )
    index = {row.category: row for row in rows}
    for loan in loans:
        project = by_id.get(loan.project_id)
        if project is None:
            raise ValueError(f"loan of project {loan.project_id}, which is not among the projects given")
        row = index[project.category]
        row.lent += loan.principal
        row.outstanding += loan.outstanding
        row.overdue += loan.overdue
        row.overdue_loans += 1 if loan.overdue > 0 else 0
        if project.local_content_target >= row.target:
            row.lent_meeting_target += loan.principal
    return [row.figures() for row in rows]


def portfolio_figures(
    projects: Iterable[Project],
    loans: Iterable[Loan],
    on: date,
    targets: Mapping[ProjectCategory, Decimal] = DEFAULT_KPI_TARGETS,
) -> list[CategoryFigures]:
    """The figures of whole aggregates, loans as they stand on ``on``."""
    return fund_figures([ProjectFigures.of(p) for p in projects], [LoanFigures.of(loan, on) for loan in loans], targets)


def lending_share(meeting: Decimal, lent: Decimal) -> Decimal | None:
    """Percent of ``lent`` that ``meeting`` is, 2 decimal places half up; None when nothing is lent."""
    if lent <= 0:
        return None
    return (meeting * 100 / lent).quantize(_PERCENT, rounding=ROUND_HALF_UP)


def parse_kpi_targets(text: str | None) -> dict[ProjectCategory, Decimal]:
    """Read ``SDO_KPI_TARGETS`` (``repair=55,modernization=35,production=70``), as the orders service does.

    Categories not named keep their defaults; empty or missing text means all defaults. Raises
    ``InvalidInput`` (field ``SDO_KPI_TARGETS``) for an unknown or repeated category or a value
    outside 0..100.
    """
    targets = dict(DEFAULT_KPI_TARGETS)
    if text is None:
        return targets
    named: set[ProjectCategory] = set()
    for item in text.split(","):
        if not item.strip():
            continue
        name, sep, raw = (part.strip() for part in item.partition("="))
        if not sep:
            raise _bad_targets(f"{item.strip()!r} is not of the form category=percent")
        if name not in {c.value for c in CATEGORIES}:
            raise _bad_targets(f"{name!r} is not a category; use {', '.join(CATEGORIES)}")
        category = ProjectCategory(name)
        if category in named:
            raise _bad_targets(f"{name!r} is given twice")
        named.add(category)
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise _bad_targets(f"target for {name} must be a number, got {raw!r}") from None
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            raise _bad_targets(f"target for {name} must be from 0 to 100, got {raw!r}")
        targets[category] = value
    return targets


class _Row:
    """A category's running totals while loans are added up."""

    def __init__(
        self,
        *,
        category: ProjectCategory,
        target: Decimal,
        projects: int,
        by_status: dict[str, int],
        approved_budget: Decimal,
        disbursed: Decimal,
    ) -> None:
        self.category = category
        self.target = target
        self.projects = projects
        self.by_status = by_status
        self.approved_budget = approved_budget
        self.disbursed = disbursed
        self.lent = ZERO
        self.outstanding = ZERO
        self.overdue = ZERO
        self.overdue_loans = 0
        self.lent_meeting_target = ZERO

    def figures(self) -> CategoryFigures:
        return CategoryFigures(
            category=self.category,
            projects=self.projects,
            by_status=self.by_status,
            approved_budget=self.approved_budget,
            disbursed=self.disbursed,
            lent=self.lent,
            outstanding=self.outstanding,
            overdue=self.overdue,
            overdue_loans=self.overdue_loans,
            kpi_target=self.target,
            lent_meeting_target=self.lent_meeting_target,
            local_content_share=lending_share(self.lent_meeting_target, self.lent),
        )


def _money(amount: Decimal) -> dict[str, str]:
    return {"amount": str(amount), "currency": KZT}


def _bad_targets(message: str) -> InvalidInput:
    return InvalidInput("SDO_KPI_TARGETS", message)
