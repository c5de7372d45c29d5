"""The quality unit of work: the kernel's (one transaction, outbox, audit) with the service's repositories."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from services.quality.db.repository import SqlCertificates, SqlInspections, SqlNonconformances, SqlPlans
from shared.events.envelope import CloudEvent
from shared.uow import UnitOfWork


class SqlQualityUnitOfWork:
    """Implements ``ports.QualityUnitOfWork`` on the kernel's unit of work; only the kernel commits."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.kernel = uow
        self.actor = uow.actor
        self.plans = SqlPlans(uow.session)
        self.inspections = SqlInspections(uow.session)
        self.certificates = SqlCertificates(uow.session)
        self.nonconformances = SqlNonconformances(uow.session)

    def emit(self, event_type: str, subject: str | Any, payload: BaseModel | dict[str, Any]) -> CloudEvent:
        return self.kernel.emit(event_type, subject, payload)

    def record(self, action: str, resource_type: str, resource_id: Any, details: dict[str, Any] | None = None) -> None:
        self.kernel.record(action, resource_type, resource_id, details)
