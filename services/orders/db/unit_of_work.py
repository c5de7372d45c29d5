"""The orders unit of work on SQL: the kernel's (one transaction, outbox, audit) plus the repositories."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.orders.db.repository import SqlFundProjectRepository, SqlOrderRepository, SqlRateRepository
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork


class SqlOrdersUnitOfWork:
    """Implements ``ports.OrdersUnitOfWork``; the kernel unit of work around it commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.actor = uow.actor
        self.orders = SqlOrderRepository(uow)
        self.rates = SqlRateRepository(uow.session)
        self.fund_projects = SqlFundProjectRepository(uow.session)

    def emit(self, event_type: str, subject: str | Any, payload: BaseModel | dict[str, Any]) -> CloudEvent:
        return self._uow.emit(event_type, subject, payload)

    def record(self, action: str, resource_type: str, resource_id: Any, details: dict[str, Any] | None = None) -> None:
        self._uow.record(action, resource_type, resource_id, details)
