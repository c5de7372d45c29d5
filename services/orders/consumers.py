"""What the orders service does with the other services' events: one ``on_<event>`` each.

Each runs in the consumer's unit of work (inbox claim + changes + outbox, one commit) and hands a
command to its handler. A late, repeated or mismatched event is logged and dropped: an order never
moves twice or backwards, because the lifecycle table is asked whether the move is drawn from where
it stands (``IllegalTransition``), and the order whether the event is its own (``EventNotApplicable``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar
from uuid import UUID

import structlog

from services.orders import handlers
from services.orders.domain.commands import (
    RecordAwardConfirmed,
    RecordAwardDeclined,
    RecordDisposition,
    RecordFundProject,
    RecordInspectionDiscontinued,
    RecordInspectionResumed,
    RecordLotAccepted,
    RecordLotRejected,
)
from services.orders.domain.errors import EventNotApplicable
from services.orders.domain.funding import FundProjectStatus
from services.orders.ports import OrdersUnitOfWork
from shared.errors import IllegalTransition
from shared.events.envelope import CloudEvent
from shared.events.payloads import (
    FundProjectEvent,
    InspectionDiscontinued,
    InspectionResumed,
    LotAccepted,
    LotRejected,
    NonconformanceDispositioned,
    SupplierAwardConfirmed,
    SupplierAwardDeclined,
)
from shared.events.types import EventType
from shared.messaging.consumer import EventHandler

log = structlog.get_logger("sdo.orders.consumers")

C = TypeVar("C")


async def on_award_confirmed(event: CloudEvent, payload: SupplierAwardConfirmed, uow: OrdersUnitOfWork) -> None:
    p = payload
    command = RecordAwardConfirmed(p.order_id, p.supplier_id, p.supplier_country, p.local_content_share)
    await _apply(event, p.order_id, handlers.record_award_confirmed, uow, command)


async def on_award_declined(event: CloudEvent, payload: SupplierAwardDeclined, uow: OrdersUnitOfWork) -> None:
    command = RecordAwardDeclined(payload.order_id, payload.supplier_id, tuple(payload.reasons))
    await _apply(event, payload.order_id, handlers.record_award_declined, uow, command)


async def on_lot_accepted(event: CloudEvent, payload: LotAccepted, uow: OrdersUnitOfWork) -> None:
    p = payload
    command = RecordLotAccepted(
        p.order_id,
        p.inspection_id,
        p.certificate_id,
        p.supplier_id,
        p.round,
        concession=p.concession,
        price_reduction_kzt=p.price_reduction_kzt,
        nonconformance_id=p.nonconformance_id,
    )
    await _apply(event, p.order_id, handlers.record_lot_accepted, uow, command)


async def on_lot_rejected(event: CloudEvent, payload: LotRejected, uow: OrdersUnitOfWork) -> None:
    p = payload
    failed = tuple((n.code, n.critical) for n in p.nonconformities)
    command = RecordLotRejected(p.order_id, p.inspection_id, failed, p.supplier_id, p.round)
    await _apply(event, p.order_id, handlers.record_lot_rejected, uow, command)


async def on_nonconformance_dispositioned(
    event: CloudEvent, payload: NonconformanceDispositioned, uow: OrdersUnitOfWork
) -> None:
    p = payload
    command = RecordDisposition(p.order_id, p.inspection_id, p.nonconformance_id, p.disposition, p.supplier_id)
    await _apply(event, p.order_id, handlers.record_disposition, uow, command)


async def on_inspection_discontinued(event: CloudEvent, payload: InspectionDiscontinued, uow: OrdersUnitOfWork) -> None:
    command = RecordInspectionDiscontinued(payload.order_id, payload.lots_not_accepted, payload.supplier_id)
    await _apply(event, payload.order_id, handlers.record_inspection_discontinued, uow, command)


async def on_inspection_resumed(event: CloudEvent, payload: InspectionResumed, uow: OrdersUnitOfWork) -> None:
    command = RecordInspectionResumed(payload.order_id, payload.reason, payload.supplier_id)
    await _apply(event, payload.order_id, handlers.record_inspection_resumed, uow, command)


async def on_fund_project_approved(event: CloudEvent, payload: FundProjectEvent, uow: OrdersUnitOfWork) -> None:
    await _note_project(event, payload, FundProjectStatus.APPROVED, uow)


async def on_fund_project_closed(event: CloudEvent, payload: FundProjectEvent, uow: OrdersUnitOfWork) -> None:
    await _note_project(event, payload, FundProjectStatus.CLOSED, uow)


async def _note_project(
    event: CloudEvent, payload: FundProjectEvent, status: FundProjectStatus, uow: OrdersUnitOfWork
) -> None:
    """The event's type says what happened (a late approval never reopens a closed project)."""
    p = payload
    command = RecordFundProject(p.project_id, status, p.enterprise_id, p.category, p.budget_kzt)
    await _apply(event, p.project_id, handlers.record_fund_project, uow, command)


async def _apply(
    event: CloudEvent,
    subject_id: UUID,
    handler: Callable[[OrdersUnitOfWork, C], Awaitable[object]],
    uow: OrdersUnitOfWork,
    command: C,
) -> None:
    try:
        await handler(uow, command)
    except (IllegalTransition, EventNotApplicable) as refused:
        log.info(
            "event_ignored", event_id=str(event.id), event_type=event.type, subject=str(subject_id), why=str(refused)
        )


SUBSCRIPTIONS: Mapping[str, EventHandler] = {
    EventType.SUPPLIER_AWARD_CONFIRMED: on_award_confirmed,
    EventType.SUPPLIER_AWARD_DECLINED: on_award_declined,
    EventType.QUALITY_LOT_ACCEPTED: on_lot_accepted,
    EventType.QUALITY_LOT_REJECTED: on_lot_rejected,
    EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED: on_nonconformance_dispositioned,
    EventType.QUALITY_INSPECTION_DISCONTINUED: on_inspection_discontinued,
    EventType.QUALITY_INSPECTION_RESUMED: on_inspection_resumed,
    EventType.FUND_PROJECT_APPROVED: on_fund_project_approved,
    EventType.FUND_PROJECT_CLOSED: on_fund_project_closed,
}
