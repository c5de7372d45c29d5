"""The kernel half of a fake unit of work, for handler tests that need no database or app.

A service's fake (``tests/unit/<service>/fakes.py``) adds in-memory repositories beside it, as
cosmicpython's ``FakeUnitOfWork`` does; events and audit entries are kept for assertions.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.audit import AuditRecord
from shared.events.envelope import CloudEvent


class FakeRecorder:
    """Collects what a handler emits and records; ``publishes`` refuses undeclared types as the real one does."""

    def __init__(self, source: str, *, actor: str = "tester", publishes: frozenset[str] | None = None) -> None:
        self.source = source
        self.actor = actor
        self.publishes = publishes
        self.events: list[CloudEvent] = []
        self.audit: list[AuditRecord] = []

    def emit(self, event_type: str, subject: str | Any, payload: BaseModel | dict[str, Any]) -> CloudEvent:
        if self.publishes is not None and str(event_type) not in self.publishes:
            raise AssertionError(f"{self.source} does not declare that it publishes {event_type}")
        data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        event = CloudEvent(source=self.source, type=str(event_type), subject=str(subject), data=data)
        self.events.append(event)
        return event

    def record(self, action: str, resource_type: str, resource_id: Any, details: dict[str, Any] | None = None) -> None:
        self.audit.append(
            AuditRecord(
                actor=self.actor,
                action=action,
                resource_type=resource_type,
                resource_id=str(resource_id),
                details=details or {},
                request_id=None,
            )
        )

    def event_types(self) -> list[str]:
        return [e.type for e in self.events]

    def audit_actions(self) -> list[str]:
        return [r.action for r in self.audit]
