"""One ``on_<event>`` per consumed event type: each turns the event into a command for a handler.

The shared consumer has already claimed the event id in the inbox, so a redelivered event never
reaches these; the handler keeps a status only when it was announced after the one it holds, so
the same or an older announcement under another event id changes nothing.
"""

from __future__ import annotations

from services.fund import handlers
from services.fund.domain.commands import NoteEnterpriseStatus
from services.fund.ports import FundUnitOfWork
from shared.events.envelope import CloudEvent
from shared.events.payloads import SupplierStatusChanged
from shared.events.types import EventType
from shared.messaging.consumer import EventHandler


async def on_supplier_status_changed(event: CloudEvent, payload: SupplierStatusChanged, uow: FundUnitOfWork) -> None:
    cmd = NoteEnterpriseStatus(
        enterprise_id=payload.supplier_id,
        old_status=payload.old_status,
        new_status=payload.new_status,
        reason=payload.reason,
        announced_at=event.time,
        event_id=event.id,
    )
    await handlers.note_enterprise_status(uow, cmd)


SUBSCRIPTIONS: dict[str, EventHandler] = {EventType.SUPPLIER_STATUS_CHANGED: on_supplier_status_changed}
