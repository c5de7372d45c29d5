"""The events an order announces when it changes status, built in one place.

Every status has its `kz.sdo.order.<status>.v1` event; some carry more than the common fields,
and two moves announce a second event other services act on (contract section 6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.orders.db.tables import Order
from services.orders.domain.lifecycle import OrderStatus
from shared.events.payloads import (
    OrderAwardRequested,
    OrderCancelled,
    OrderContracted,
    OrderDelivered,
    OrderEvent,
    OrderPublished,
    OrderSubmittedForInspection,
    Payload,
    TechnicalRequirement,
)
from shared.events.types import EventType, order_status_event

Announcement = tuple[EventType, Payload]

# Every order transition is on the bus (kz.sdo.order.<status>.v1), plus the saga's requests.
PUBLISHES = frozenset(t for t in EventType if t.value.startswith("kz.sdo.order."))


def _common(order: Order, from_status: str | None, reason: str | None) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "number": order.number,
        "status": order.status,
        "version": order.version,
        "supplier_id": order.supplier_id,
        "from_status": from_status,
        "reason": reason,
    }


def _published(order: Order, common: dict[str, Any]) -> list[Announcement]:
    return [(EventType.ORDER_PUBLISHED, OrderPublished(**common, category=order.category))]


def _award_pending(order: Order, common: dict[str, Any]) -> list[Announcement]:
    # The plain status event keeps every move visible; award_requested is what the suppliers service acts on.
    requested = OrderAwardRequested(
        **common,
        category=order.category,
        required_certifications=order.required_certifications,
        min_local_content=order.min_local_content,
        requires_security_clearance=order.requires_security_clearance,
        delivery_deadline=order.delivery_deadline,
        contract_price_kzt=order.contract_price_kzt,
        contract_price={"amount": str(order.contract_price_amount), "currency": order.contract_price_currency},
    )
    return [(EventType.ORDER_AWARD_PENDING, OrderEvent(**common)), (EventType.ORDER_AWARD_REQUESTED, requested)]


def _contracted(order: Order, common: dict[str, Any]) -> list[Announcement]:
    contracted = OrderContracted(
        **common,
        category=order.category,
        quantity=order.quantity,
        aql=order.aql,
        technical_requirements=[TechnicalRequirement(**r) for r in order.technical_requirements],
        contract_price_kzt=order.contract_price_kzt,
        delivery_deadline=order.delivery_deadline,
    )
    return [(EventType.ORDER_CONTRACTED, contracted)]


def _inspection(order: Order, common: dict[str, Any]) -> list[Announcement]:
    submitted = OrderSubmittedForInspection(**common, round=order.inspection_rounds, lot_size=order.lot_size)
    return [(EventType.ORDER_INSPECTION, OrderEvent(**common)), (EventType.ORDER_SUBMITTED_FOR_INSPECTION, submitted)]


def _delivered(order: Order, common: dict[str, Any]) -> list[Announcement]:
    delivered = OrderDelivered(**common, on_time=order.on_time, received_quantity=order.received_quantity)
    return [(EventType.ORDER_DELIVERED, delivered)]


def _cancelled(order: Order, common: dict[str, Any]) -> list[Announcement]:
    return [(EventType.ORDER_CANCELLED, OrderCancelled(**{**common, "reason": order.cancel_reason}))]


_SPECIAL: dict[str, Callable[[Order, dict[str, Any]], list[Announcement]]] = {
    OrderStatus.PUBLISHED: _published,
    OrderStatus.AWARD_PENDING: _award_pending,
    OrderStatus.CONTRACTED: _contracted,
    OrderStatus.INSPECTION: _inspection,
    OrderStatus.DELIVERED: _delivered,
    OrderStatus.CANCELLED: _cancelled,
}


def announcements(order: Order, from_status: str | None, reason: str | None = None) -> list[Announcement]:
    """What to publish for the order's current status; the first is its `order.<status>` event."""
    common = _common(order, from_status, reason)
    build = _SPECIAL.get(order.status)
    if build is None:
        return [(order_status_event(order.status), OrderEvent(**common))]
    return build(order, common)
