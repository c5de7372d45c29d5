"""The fund's fake unit of work: in-memory repositories beside the kernel's ``FakeRecorder``.

Like the SQL adapters, a repository hands out copies and keeps only what is saved, so a handler
that forgets to save is caught.
"""

from __future__ import annotations

from copy import deepcopy
from uuid import UUID

from services.fund.domain.enterprise import Enterprise
from services.fund.domain.lifecycle import LoanStatus
from services.fund.domain.loan import Loan
from services.fund.domain.project import HistoryEntry, Project
from services.fund.ports import PUBLISHES, Policy
from tests.fakes import FakeRecorder


class FakeProjectRepository:
    def __init__(self) -> None:
        self.stored: dict[UUID, Project] = {}
        self.history: dict[UUID, list[HistoryEntry]] = {}
        self.locked: list[UUID] = []

    async def get_for_change(self, project_id: UUID) -> Project | None:
        self.locked.append(project_id)
        return deepcopy(self.stored.get(project_id))

    async def add(self, project: Project) -> None:
        assert project.id not in self.stored, "add() of a project already stored"
        self.stored[project.id] = deepcopy(project)

    async def save(self, project: Project) -> None:
        assert project.id in self.stored, "save() of a project that was never added"
        self.stored[project.id] = deepcopy(project)

    async def add_history(self, project_id: UUID, entry: HistoryEntry) -> None:
        self.history.setdefault(project_id, []).append(entry)

    def put(self, project: Project) -> Project:
        """Arrange: a project already stored."""
        self.stored[project.id] = deepcopy(project)
        return project

    def actions(self, project_id: UUID) -> list[str]:
        return [entry.action for entry in self.history.get(project_id, [])]


class FakeLoanRepository:
    def __init__(self) -> None:
        self.stored: dict[UUID, Loan] = {}

    async def get_for_change(self, loan_id: UUID) -> Loan | None:
        return deepcopy(self.stored.get(loan_id))

    async def open_for_change(self, after: UUID | None, limit: int) -> list[Loan]:
        open_loans = sorted(
            (loan for loan in self.stored.values() if loan.status is not LoanStatus.REPAID), key=lambda loan: loan.id
        )
        return [deepcopy(loan) for loan in open_loans if after is None or loan.id > after][:limit]

    async def add(self, loan: Loan) -> None:
        assert loan.id not in self.stored
        self.stored[loan.id] = deepcopy(loan)

    async def save(self, loan: Loan) -> None:
        assert loan.id in self.stored, "save() of a loan that was never added"
        self.stored[loan.id] = deepcopy(loan)

    def put(self, loan: Loan) -> Loan:
        self.stored[loan.id] = deepcopy(loan)
        return loan


class FakeEnterpriseRegistry:
    def __init__(self) -> None:
        self.stored: dict[UUID, Enterprise] = {}

    async def get(self, enterprise_id: UUID) -> Enterprise | None:
        return deepcopy(self.stored.get(enterprise_id))

    async def get_for_change(self, enterprise_id: UUID) -> Enterprise | None:
        return await self.get(enterprise_id)

    async def add(self, enterprise: Enterprise) -> None:
        assert enterprise.id not in self.stored
        self.stored[enterprise.id] = deepcopy(enterprise)

    async def save(self, enterprise: Enterprise) -> None:
        assert enterprise.id in self.stored
        self.stored[enterprise.id] = deepcopy(enterprise)

    def put(self, enterprise: Enterprise) -> Enterprise:
        self.stored[enterprise.id] = deepcopy(enterprise)
        return enterprise


class FakeFundUnitOfWork(FakeRecorder):
    def __init__(self, *, actor: str = "fund-officer", policy: Policy | None = None) -> None:
        super().__init__("sdo/fund", actor=actor, publishes=PUBLISHES)
        self.policy = policy or Policy(timezone="Asia/Almaty")
        self.projects = FakeProjectRepository()
        self.loans = FakeLoanRepository()
        self.enterprises = FakeEnterpriseRegistry()
