"""Typed, versioned payloads: the ``data`` of each event type (contract section 6).

These are the integration contract between services, so they live in ``shared`` and every
service builds and reads them through the same models. Extra fields are kept, so a newer
producer does not break an older consumer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
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
    # The scorecard counts lots (contract section 7): how many lots were delivered, and on time.
    lots: int | None = Field(default=None, ge=0)
    lots_on_time: int | None = Field(default=None, ge=0)


class OrderDeliveryShort(OrderEvent):
    supplier_id: UUID
    shipment_no: int = Field(ge=1)
    shipped: int = Field(ge=0)
    received: int = Field(ge=0)


class OrderAmended(OrderEvent):
    """An accepted amendment: the changed fields before and after (JSON values)."""

    supplier_id: UUID | None = None
    amendment_number: int = Field(ge=1)
    before: dict[str, Any]
    after: dict[str, Any]
    # What consumers act on, stated after the change.
    quantity: int | None = None
    accepted_quantity: int | None = None
    contract_price_kzt: Decimal | None = None
    category: str | None = None


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
    lot_size: int | None = None
    # Accepted under concession (a `use_as_is` disposition, FAR 46.407): the price is reduced.
    concession: bool = False
    price_reduction_kzt: Decimal | None = None
    nonconformance_id: UUID | None = None


class LotRejected(Payload):
    order_id: UUID
    inspection_id: UUID
    nonconformities: list[Nonconformity]
    supplier_id: UUID | None = None
    round: int | None = None
    lot_size: int | None = None
    # The nonconformance report the rejection opened (contract section 7).
    nonconformance_id: UUID | None = None


class NonconformanceDispositioned(Payload):
    order_id: UUID
    nonconformance_id: UUID
    inspection_id: UUID
    disposition: str
    price_reduction_kzt: Decimal | None = None
    supplier_id: UUID | None = None
    lot_size: int | None = None
    reason: str | None = None


class InspectionDiscontinued(Payload):
    order_id: UUID
    supplier_id: UUID | None = None
    lots_not_accepted: int = Field(ge=0)


class InspectionResumed(Payload):
    order_id: UUID
    supplier_id: UUID | None = None
    reason: str


class FundProjectEvent(Payload):
    project_id: UUID
    enterprise_id: UUID
    category: str
    status: str
    budget_kzt: Decimal
    order_ids: list[UUID] = Field(default_factory=list)


class FundTrancheDisbursed(FundProjectEvent):
    milestone: int = Field(ge=1)
    amount_kzt: Decimal
    disbursed_kzt: Decimal


class AuditCheckpoint(Payload):
    """A service's audit chain head, kept by the other services so a rewritten chain is detected."""

    service: str
    entries: int = Field(ge=0)
    head_hash: str


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
    EventType.ORDER_AMENDED: OrderAmended,
    EventType.ORDER_DELIVERY_SHORT: OrderDeliveryShort,
    EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED: NonconformanceDispositioned,
    EventType.QUALITY_INSPECTION_DISCONTINUED: InspectionDiscontinued,
    EventType.QUALITY_INSPECTION_RESUMED: InspectionResumed,
    EventType.FUND_PROJECT_APPROVED: FundProjectEvent,
    EventType.FUND_PROJECT_CLOSED: FundProjectEvent,
    EventType.FUND_TRANCHE_DISBURSED: FundTrancheDisbursed,
    EventType.AUDIT_CHECKPOINT: AuditCheckpoint,
}


def payload_model(event_type: str) -> type[Payload]:
    """The model of an event type; plain order transitions share ``OrderEvent``."""
    try:
        return PAYLOADS.get(EventType(event_type), OrderEvent)
    except ValueError:
        return Payload
