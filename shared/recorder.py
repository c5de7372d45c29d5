"""What a handler needs of any unit of work, with no database in sight."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel

from shared.events.envelope import CloudEvent


class Recorder(Protocol):
    """What a handler needs of any unit of work: who acts, and where events and audit entries go.

    The kernel's ``UnitOfWork`` is one; a handler test's fake unit of work is another.
    """

    actor: str

    def emit(self, event_type: str, subject: str | Any, payload: BaseModel | dict[str, Any]) -> CloudEvent: ...

    def record(
        self, action: str, resource_type: str, resource_id: Any, details: dict[str, Any] | None = None
    ) -> None: ...
