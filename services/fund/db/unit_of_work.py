"""The fund's unit of work: the kernel's (events, audit, one commit) with the SQL repositories and the policy."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.fund.db.repository import SqlEnterpriseRegistry, SqlLoanRepository, SqlProjectRepository
from services.fund.ports import Policy
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork


class SqlFundUnitOfWork:
    """Implements ``ports.FundUnitOfWork``; made by the kernel around each command and event."""

    def __init__(self, uow: UnitOfWork, policy: Policy | None = None) -> None:
        self._uow = uow
        self.actor = uow.actor
        self.policy = policy or Policy()
        self.projects = SqlProjectRepository(uow.session)
        self.loans = SqlLoanRepository(uow.session)
        self.enterprises = SqlEnterpriseRegistry(uow.session)

    def emit(self, event_type: str, subject: str | Any, payload: BaseModel | dict[str, Any]) -> CloudEvent:
        return self._uow.emit(event_type, subject, payload)

    def record(self, action: str, resource_type: str, resource_id: Any, details: dict[str, Any] | None = None) -> None:
        self._uow.record(action, resource_type, resource_id, details)
