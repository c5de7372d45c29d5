"""The suppliers' unit of work: the kernel's (events, audit, one commit) with the SQL repositories."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.suppliers.db.repository import SqlOrderLedger, SqlSupplierRepository
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork


class SqlSuppliersUnitOfWork:
    """Implements ``ports.SuppliersUnitOfWork``; made by the kernel around each command and event."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self.actor = uow.actor
        self.suppliers = SqlSupplierRepository(uow.session)
        self.ledger = SqlOrderLedger(uow.session)

    def emit(self, event_type: str, subject: str | Any, payload: BaseModel | dict[str, Any]) -> CloudEvent:
        return self._uow.emit(event_type, subject, payload)

    def record(self, action: str, resource_type: str, resource_id: Any, details: dict[str, Any] | None = None) -> None:
        self._uow.record(action, resource_type, resource_id, details)
