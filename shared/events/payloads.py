"""Typed, versioned payloads: the ``data`` of each event type (contract section 6).

These are the integration contract between services, so they live in ``shared`` and every
service builds and reads them through the same models. Extra fields are kept, so a newer
producer does not break an older consumer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.types import EventType


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class TechnicalRequirement(Payload):
    code: str
    name: str
    unit: str
    min: Decimal | None = None
    max: Decimal | None = None
    critical: bool = False


class OrderEvent(Payload):
    """What every order event carries, so an operator can follow an order on the bus."""

    order_id: UUID
    number: str
    status: str
    version: int
    supplier_id: UUID | None = None
    from_status: str | None = None
    reason: str | None = None


class OrderPublished(OrderEvent):
    category: str


class OrderAwardRequested(OrderEvent):
    supplier_id: UUID
    category: str
    required_certifications: list[str] = Field(default_factory=list)
    min_local_content: Decimal
    requires_security_clearance: bool
    delivery_deadline: date
    contract_price_kzt: Decimal


class OrderContracted(OrderEvent):
    supplier_id: UUID
    category: str
    quantity: int
    aql: Decimal
    technical_requirements: list[TechnicalRequirement]
    contract_price_kzt: Decimal
    delivery_deadline: date | None = None


class OrderSubmittedForInspection(OrderEvent):
    supplier_id: UUID
    round: int = Field(ge=1)
    lot_size: int = Field(gt=0)


class OrderDelivered(OrderEvent):
    supplier_id: UUID
    on_time: bool
    received_quantity: int | None = None


class OrderCancelled(OrderEvent):
    reason: str


class SupplierAwardConfirmed(Payload):
    order_id: UUID
    supplier_id: UUID
    supplier_country: str
    local_content_share: Decimal


class SupplierAwardDeclined(Payload):
    order_id: UUID
    supplier_id: UUID
    reasons: list[str]


class SupplierStatusChanged(Payload):
    supplier_id: UUID
    old_status: str | None
    new_status: str
    reason: str | None = None


class Nonconformity(Payload):
    code: str
    name: str | None = None
    critical: bool = False
    units: list[str] = Field(default_factory=list)
    measured: dict[str, Decimal] = Field(default_factory=dict)
    min: Decimal | None = None
    max: Decimal | None = None


class LotAccepted(Payload):
    order_id: UUID
    inspection_id: UUID
    certificate_id: UUID
    supplier_id: UUID | None = None
    round: int | None = None


class LotRejected(Payload):
    order_id: UUID
    inspection_id: UUID
    nonconformities: list[Nonconformity]
    supplier_id: UUID | None = None
    round: int | None = None


PAYLOADS: dict[EventType, type[Payload]] = {
    EventType.ORDER_PUBLISHED: OrderPublished,
    EventType.ORDER_AWARD_REQUESTED: OrderAwardRequested,
    EventType.ORDER_CONTRACTED: OrderContracted,
    EventType.ORDER_SUBMITTED_FOR_INSPECTION: OrderSubmittedForInspection,
    EventType.ORDER_DELIVERED: OrderDelivered,
    EventType.ORDER_CANCELLED: OrderCancelled,
    EventType.SUPPLIER_AWARD_CONFIRMED: SupplierAwardConfirmed,
    EventType.SUPPLIER_AWARD_DECLINED: SupplierAwardDeclined,
    EventType.SUPPLIER_STATUS_CHANGED: SupplierStatusChanged,
    EventType.QUALITY_LOT_ACCEPTED: LotAccepted,
    EventType.QUALITY_LOT_REJECTED: LotRejected,
}


def payload_model(event_type: str) -> type[Payload]:
    """The model of an event type; plain order transitions share ``OrderEvent``."""
    try:
        return PAYLOADS.get(EventType(event_type), OrderEvent)
    except ValueError:
        return Payload
