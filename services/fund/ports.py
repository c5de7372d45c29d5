"""What the handlers need of storage and of the settings: the fund's unit of work and its repositories.

``db/`` implements them on SQL (``db/unit_of_work.py``); handler tests use in-memory fakes
(``tests/unit/fund/fakes.py``). Nothing here commits: the unit of work's owner (the kernel) does, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from services.fund.domain.enterprise import Enterprise
from services.fund.domain.loan import DEFAULT_MAX_RATE, Loan
from services.fund.domain.project import HistoryEntry, Project
from shared import clock
from shared.events.types import EventType
from shared.recorder import Recorder

# The event types the fund publishes; its unit of work refuses any other.
PUBLISHES: frozenset[str] = frozenset(
    {EventType.FUND_PROJECT_APPROVED, EventType.FUND_PROJECT_CLOSED, EventType.FUND_TRANCHE_DISBURSED}
)


@dataclass(frozen=True)
class Policy:
    """The fund's settings the rules apply: the rate cap and the ministry's calendar."""

    max_rate: Decimal = DEFAULT_MAX_RATE
    timezone: str | None = None

    def today(self) -> date:
        """Today on the ministry's calendar (``SDO_TIMEZONE``)."""
        return clock.today(self.timezone)


class ProjectRepository(Protocol):
    async def get_for_change(self, project_id: UUID) -> Project | None:
        """The project with its milestones, locked until the transaction ends."""

    async def add(self, project: Project) -> None: ...

    async def save(self, project: Project) -> None:
        """Write back what changed on a project this repository loaded or added."""

    async def add_history(self, project_id: UUID, entry: HistoryEntry) -> None: ...


class LoanRepository(Protocol):
    async def get_for_change(self, loan_id: UUID) -> Loan | None:
        """The loan with its repayments, locked until the transaction ends."""

    async def open_for_change(self, after: UUID | None, limit: int) -> list[Loan]:
        """Up to ``limit`` loans not repaid, with ids above ``after``, in id order, locked.

        Loans another transaction holds are skipped (on PostgreSQL): the one changing them sets
        their status itself, and the next check comes round again.
        """

    async def add(self, loan: Loan) -> None: ...

    async def save(self, loan: Loan) -> None:
        """Write back the status and version, and insert the repayments added since loading."""


class EnterpriseRegistry(Protocol):
    """The enterprises the fund has heard of, with the status the registry last announced."""

    async def get(self, enterprise_id: UUID) -> Enterprise | None: ...

    async def get_for_change(self, enterprise_id: UUID) -> Enterprise | None: ...

    async def add(self, enterprise: Enterprise) -> None: ...

    async def save(self, enterprise: Enterprise) -> None: ...


class FundUnitOfWork(Recorder, Protocol):
    projects: ProjectRepository
    loans: LoanRepository
    enterprises: EnterpriseRegistry
    policy: Policy
