"""What the orders service does with the other services' events.

Each handler runs in the consumer's unit of work (inbox claim + changes + outbox, one commit).
A late, repeated or mismatched event is logged and ignored: an order never moves twice or
backwards, because the lifecycle table is asked whether the move is drawn from where it stands.
"""

from __future__ import annotations

from uuid import UUID

import structlog

from services.orders.db.repository import OrderRepository
from services.orders.db.tables import Order
from services.orders.domain.lifecycle import EVENT_ACTIONS, Action, Role, can_transition
from services.orders.transitions import move
from shared.events.envelope import CloudEvent
from shared.events.payloads import LotAccepted, LotRejected, SupplierAwardConfirmed, SupplierAwardDeclined
from shared.events.types import EventType
from shared.uow import UnitOfWork

log = structlog.get_logger("sdo.orders.consumers")

SYSTEM = frozenset({Role.SYSTEM})


async def _order_to_move(
    uow: UnitOfWork, event: CloudEvent, order_id: UUID, supplier_id: UUID | None
) -> tuple[Order, Action] | None:
    """The order and the action the event performs, or None when the event must not move it."""
    action = EVENT_ACTIONS[event.type]
    order = await OrderRepository(uow.session).find_for_update(order_id)
    why = None
    if order is None:
        why = "unknown order"
    elif not can_transition(order.status, action):
        why = f"order is {order.status}"
    elif supplier_id is not None and supplier_id != order.supplier_id:
        why = "event names another supplier than the order's"
    if why is not None:
        log.info("event_ignored", event_id=str(event.id), event_type=event.type, order_id=str(order_id), why=why)
        return None
    return order, action


async def on_award_confirmed(event: CloudEvent, payload: SupplierAwardConfirmed, uow: UnitOfWork) -> None:
    found = await _order_to_move(uow, event, payload.order_id, payload.supplier_id)
    if found is None:
        return
    order, action = found
    order.supplier_country = payload.supplier_country.strip().upper()
    order.local_content_share = payload.local_content_share
    await move(uow, order, action, SYSTEM, details={"supplier_country": order.supplier_country})


async def on_award_declined(event: CloudEvent, payload: SupplierAwardDeclined, uow: UnitOfWork) -> None:
    found = await _order_to_move(uow, event, payload.order_id, payload.supplier_id)
    if found is None:
        return
    order, action = found
    reason = "; ".join(payload.reasons) or "declined by the suppliers service"
    declined_by = order.supplier_id
    order.award_decline_reason = reason
    # Back on the market: the declined supplier and its price no longer belong to the order.
    order.supplier_id = order.contract_price_amount = order.contract_price_currency = order.contract_price_kzt = None
    await move(uow, order, action, SYSTEM, reason=reason, concerns=declined_by)


def _current_verdict(event: CloudEvent, order: Order, payload: LotAccepted | LotRejected) -> bool:
    """A verdict for an earlier round, or for an inspection already decided, is late."""
    late = (payload.round is not None and payload.round != order.inspection_rounds) or (
        payload.inspection_id == order.last_inspection_id
    )
    if late:
        log.info("late_verdict_ignored", event_id=str(event.id), order_id=str(order.id), round=payload.round)
    return not late


async def on_lot_accepted(event: CloudEvent, payload: LotAccepted, uow: UnitOfWork) -> None:
    found = await _order_to_move(uow, event, payload.order_id, payload.supplier_id)
    if found is None or not _current_verdict(event, found[0], payload):
        return
    order, action = found
    order.last_inspection_id = payload.inspection_id
    details = {"inspection_id": str(payload.inspection_id), "certificate_id": str(payload.certificate_id)}
    await move(uow, order, action, SYSTEM, reason=f"certificate {payload.certificate_id}", details=details)


async def on_lot_rejected(event: CloudEvent, payload: LotRejected, uow: UnitOfWork) -> None:
    found = await _order_to_move(uow, event, payload.order_id, payload.supplier_id)
    if found is None or not _current_verdict(event, found[0], payload):
        return
    order, action = found
    order.last_inspection_id = payload.inspection_id
    failed = ", ".join(f"{n.code}{' (critical)' if n.critical else ''}" for n in payload.nonconformities)
    reason = f"nonconformities: {failed}" if failed else "lot rejected"
    await move(uow, order, action, SYSTEM, reason=reason, details={"inspection_id": str(payload.inspection_id)})


SUBSCRIPTIONS = {
    EventType.SUPPLIER_AWARD_CONFIRMED: on_award_confirmed,
    EventType.SUPPLIER_AWARD_DECLINED: on_award_declined,
    EventType.QUALITY_LOT_ACCEPTED: on_lot_accepted,
    EventType.QUALITY_LOT_REJECTED: on_lot_rejected,
}
