"""What the orders service is asked to do: one frozen dataclass per command.

The routes build them from the request (the caller, the parsed ``If-Match``), the consumers from
another service's event; the handlers take them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from services.orders.domain.amendment import Changes
from services.orders.domain.funding import FundProjectStatus
from services.orders.domain.money import Money
from services.orders.domain.pricing import DEFAULT_MAX_RATE_CHANGE
from services.orders.domain.specification import Specification
from shared.clock import DEFAULT_TIMEZONE
from shared.principal import Principal
from shared.versioning import Expected


@dataclass(frozen=True)
class CreateOrder:
    spec: Specification
    timezone: str = DEFAULT_TIMEZONE  # the ministry's calendar: the deadline is not in its past


@dataclass(frozen=True, kw_only=True)
class OrderCommand:
    """A command on one order, named by its id or number, as the caller may see it."""

    order_ref: str
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateOrder(OrderCommand):
    changes: Mapping[str, Any]  # Specification field -> new value
    timezone: str = DEFAULT_TIMEZONE  # the ministry's calendar: a new deadline is not in its past


@dataclass(frozen=True, kw_only=True)
class PublishOrder(OrderCommand):
    timezone: str = DEFAULT_TIMEZONE  # the ministry's calendar: a draft may have outlived its deadline


@dataclass(frozen=True, kw_only=True)
class AwardOrder(OrderCommand):
    supplier_id: UUID
    price: Money


@dataclass(frozen=True, kw_only=True)
class StartProduction(OrderCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class SubmitForInspection(OrderCommand):
    lot_size: int


@dataclass(frozen=True, kw_only=True)
class ShipLot(OrderCommand):
    waybill: str
    quantity: int | None = None  # None: every accepted unit not yet shipped


@dataclass(frozen=True, kw_only=True)
class ConfirmDelivery(OrderCommand):
    received_quantity: int
    shipment_no: int | None = None  # None: the one shipment waiting to be received
    timezone: str = DEFAULT_TIMEZONE  # the ministry's calendar (SDO_TIMEZONE) dates the receipt


@dataclass(frozen=True, kw_only=True)
class CloseOrder(OrderCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class CancelOrder(OrderCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class ProposeAmendment(OrderCommand):
    changes: Changes
    reason: str
    timezone: str = DEFAULT_TIMEZONE  # the ministry's calendar: a new deadline is not in its past


@dataclass(frozen=True, kw_only=True)
class AmendmentCommand(OrderCommand):
    """A decision on amendment ``number`` of the order; ``expected`` is the amendment's version."""

    number: int
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True, kw_only=True)
class AcceptAmendment(AmendmentCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RejectAmendment(AmendmentCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class WithdrawAmendment(AmendmentCommand):
    reason: str | None = None


@dataclass(frozen=True)
class SetExchangeRate:
    currency: str
    kzt_per_unit: Any  # checked by the handler: a decimal string
    expected: Expected | None = None
    effective_from: datetime | None = None  # None: now
    max_change: Decimal = DEFAULT_MAX_RATE_CHANGE  # SDO_MAX_RATE_CHANGE; 0: no bound
    field: str = "kzt_per_unit"  # the body field the rate came in (`rate` or `kzt_per_unit`)


# --- the other services' answers (the award saga, the quality verdicts) -------------------------


@dataclass(frozen=True)
class RecordAwardConfirmed:
    order_id: UUID
    supplier_id: UUID
    supplier_country: str
    local_content_share: Decimal


@dataclass(frozen=True)
class RecordAwardDeclined:
    order_id: UUID
    supplier_id: UUID
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RecordLotAccepted:
    order_id: UUID
    inspection_id: UUID
    certificate_id: UUID
    supplier_id: UUID | None = None
    round: int | None = None
    # Accepted under concession (a `use_as_is` disposition): the contract price drops by the reduction.
    concession: bool = False
    price_reduction_kzt: Decimal | None = None
    nonconformance_id: UUID | None = None


@dataclass(frozen=True)
class RecordLotRejected:
    order_id: UUID
    inspection_id: UUID
    nonconformities: tuple[tuple[str, bool], ...]  # (requirement code, critical)
    supplier_id: UUID | None = None
    round: int | None = None


@dataclass(frozen=True)
class RecordDisposition:
    order_id: UUID
    inspection_id: UUID
    nonconformance_id: UUID
    disposition: str
    supplier_id: UUID | None = None


@dataclass(frozen=True)
class RecordInspectionDiscontinued:
    order_id: UUID
    lots_not_accepted: int
    supplier_id: UUID | None = None


@dataclass(frozen=True)
class RecordInspectionResumed:
    order_id: UUID
    reason: str
    supplier_id: UUID | None = None


@dataclass(frozen=True)
class RecordFundProject:
    """What the fund announced of a project (``fund.project_approved`` / ``project_closed``)."""

    project_id: UUID
    status: FundProjectStatus
    enterprise_id: UUID
    category: str
    budget_kzt: Decimal
