"""The commands of the quality service: what a caller asks, already parsed, with who asks it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from shared.principal import Principal
from shared.versioning import Expected


@dataclass(frozen=True)
class RecordMeasurement:
    """One unit's readings; ``values`` are checked by the rules (``values.<code>``), not by the edge."""

    inspection_id: UUID
    unit_serial: str
    values: object
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class CompleteInspection:
    inspection_id: UUID
    actor: Principal
    expected: Expected | None = None
    # The responsible authority's approval of reduced inspection (``SDO_REDUCED_INSPECTION``).
    reduced_inspection: bool = False


@dataclass(frozen=True)
class ResumeInspection:
    """The responsible authority lifts a discontinuation (ISO 2859-1 clause 10.3)."""

    order_id: UUID
    reason: str
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class DispositionNonconformance:
    """How the ministry settles a rejected lot; ``price_reduction`` is the wire form, checked by the rules."""

    nonconformance_id: UUID
    disposition: str
    reason: str
    price_reduction: object
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class ReturnUnits:
    """``order.delivery_short``: shipment ``shipment_no`` arrived with ``received`` of its
    ``shipped`` units; the missing ones go back to production and are accepted again."""

    order_id: UUID
    shipment_no: int
    shipped: int
    received: int


@dataclass(frozen=True)
class ApplyAmendment:
    """``order.amended``: the order's amendment ``number`` and the figures in force it states
    (None: not stated); ``order_changes`` names what the order changed, ``at`` when."""

    order_id: UUID
    number: int
    at: datetime
    quantity: int | None = None
    accepted_quantity: int | None = None
    contract_price_kzt: Decimal | None = None
    order_changes: tuple[str, ...] = field(default_factory=tuple)
