"""The unit of work: one transaction for business rows, events, audit entries and idempotency.

It is the only thing that commits. Events and audit entries are collected while the handler
runs and written at commit, under the service's writer lock, so the audit chain, the outbox
order and any feed sequence a service keeps are assigned in commit order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, Self

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shared import audit
from shared.db import Database
from shared.events.envelope import CloudEvent
from shared.messaging import outbox
from shared.recorder import Recorder
from shared.telemetry import tracing

__all__ = ["CommitParticipant", "LockedHook", "Recorder", "UndeclaredEvent", "UnitOfWork"]

LockedHook = Callable[[AsyncSession], Awaitable[None]]


class CommitParticipant(Protocol):
    """Writes rows of its own in the transaction at commit, and hears that it committed.

    ``at_commit`` runs under the writer lock after the outbox and audit rows of a transaction that
    wrote any (webhook deliveries for its events); ``committed`` runs after every successful commit.
    ``notifies`` names a PostgreSQL channel to NOTIFY in such a transaction (or None): the unit of
    work sends it with the writer lock, one round trip for both, and NOTIFY is delivered at commit
    whenever in the transaction it was sent. A unit of work gets fresh participants, so they may
    keep state.
    """

    @property
    def notifies(self) -> str | None: ...

    async def at_commit(self, session: AsyncSession, events: Sequence[CloudEvent]) -> None: ...

    def committed(self) -> None: ...


class UndeclaredEvent(ValueError):
    """An event type the service did not declare in its ``publishes``."""


class UnitOfWork:
    def __init__(
        self,
        db: Database,
        *,
        source: str,
        actor: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        on_committed: Callable[[], None] | None = None,
        publishes: frozenset[str] | None = None,
        participants: Sequence[CommitParticipant] = (),
    ) -> None:
        self.db = db
        self.source = source
        self.actor = actor
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self._on_committed = on_committed
        self._publishes = publishes
        self._participants = tuple(participants)
        self._events: list[CloudEvent] = []
        self._audit: list[audit.AuditRecord] = []
        self._locked_hooks: list[LockedHook] = []
        self._committed = False
        self.session: AsyncSession

    async def __aenter__(self) -> Self:
        self.session = self.db.write_session()
        await self.session.begin()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    @property
    def events(self) -> list[CloudEvent]:
        return list(self._events)

    def emit(self, event_type: str, subject: str | Any, payload: BaseModel | dict[str, Any]) -> CloudEvent:
        """Queue an event for the outbox; it is published only if this transaction commits."""
        if self._publishes is not None and str(event_type) not in self._publishes:
            # A service publishes only what it declares, so its declaration is the truth about its events.
            raise UndeclaredEvent(f"{self.source} does not declare that it publishes {event_type}")
        data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        event = CloudEvent(
            source=self.source,
            type=str(event_type),
            subject=str(subject),
            data=data,
            correlationid=self.correlation_id,
            causationid=self.causation_id,
            # W3C trace context of the span this event is emitted in (nothing when untraced).
            **tracing.event_context(),
        )
        self._events.append(event)
        return event

    def record(self, action: str, resource_type: str, resource_id: Any, details: dict[str, Any] | None = None) -> None:
        """Queue an audit entry for this change."""
        self._audit.append(
            audit.AuditRecord(
                actor=self.actor,
                action=action,
                resource_type=resource_type,
                resource_id=str(resource_id),
                details=details or {},
                request_id=self.correlation_id,
            )
        )

    def when_locked(self, hook: LockedHook) -> None:
        """Run ``hook`` at commit, under the writer lock (for sequences that must follow commit order)."""
        self._locked_hooks.append(hook)

    async def _lock_writers(self) -> audit.Head | None:
        if self.db.is_postgres:
            channels = [channel for p in self._participants if (channel := p.notifies)]
            return await audit.lock_writers(self.session, notify=channels)
        # SQLite: the write session began with BEGIN IMMEDIATE, so this transaction is the only writer.
        return None

    async def commit(self) -> None:
        await self.session.flush()
        if self._locked_hooks or self._audit or self._events:
            head = await self._lock_writers()
            for hook in self._locked_hooks:
                await hook(self.session)
            # The outbox rows, the audit entries and the chain's head: one statement on PostgreSQL.
            await audit.append(self.session, self._audit, outbox_rows=outbox.rows_of(self._events), head=head)
            for participant in self._participants:
                await participant.at_commit(self.session, self._events)
        await self.session.commit()
        self._committed = True
        if self._events and self._on_committed:
            self._on_committed()
        for participant in self._participants:
            participant.committed()
