"""Supplier scorecard: counters kept from events and the rates derived from them.

Rates are percent 0-100, computed in Decimal, rounded half-up to 2 dp and returned as float;
None (null) until the first lot or delivery, since 0 % would read as a bad record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

_CENT = Decimal("0.01")
_COUNTER_NAMES = (
    "orders_awarded",
    "lots_inspected",
    "lots_accepted",
    "deliveries",
    "on_time_deliveries",
    "short_deliveries",
    "concessions",
    "discontinuations",
)


def rate(part: int, whole: int) -> float | None:
    """``part / whole * 100`` rounded to 2 dp, or None when ``whole`` is 0."""
    if whole == 0:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP))


def delivered_lots(lots: int | None, lots_on_time: int | None, *, on_time: bool) -> tuple[int, int]:
    """How many lots an ``order.delivered`` counts, and how many of them on time.

    The event counts lots (contract section 7): ``lots`` and ``lots_on_time``. One without them (an
    older producer) is one lot, on time when the order was. On-time lots never exceed the lots.
    """
    counted = 1 if lots is None else max(lots, 0)
    in_time = (counted if on_time else 0) if lots_on_time is None else max(lots_on_time, 0)
    return counted, min(in_time, counted)


@dataclass(frozen=True, slots=True)
class ScorecardCounters:
    """``deliveries`` and ``on_time_deliveries`` count delivered lots; ``short_deliveries`` shipments
    received short; ``concessions`` rejected lots accepted as they are (``use_as_is``);
    ``discontinuations`` the times an order's inspections were discontinued (ISO 2859-1 clause 10).
    """

    orders_awarded: int = 0
    lots_inspected: int = 0
    lots_accepted: int = 0
    deliveries: int = 0
    on_time_deliveries: int = 0
    short_deliveries: int = 0
    concessions: int = 0
    discontinuations: int = 0

    def __post_init__(self) -> None:
        for name in _COUNTER_NAMES:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.lots_accepted > self.lots_inspected:
            raise ValueError("lots_accepted cannot exceed lots_inspected")
        if self.on_time_deliveries > self.deliveries:
            raise ValueError("on_time_deliveries cannot exceed deliveries")

    # One method per consumed event, so the consumer never touches two counters by hand.
    def with_award(self) -> ScorecardCounters:
        return replace(self, orders_awarded=self.orders_awarded + 1)

    def with_lot(self, *, accepted: bool) -> ScorecardCounters:
        return replace(
            self,
            lots_inspected=self.lots_inspected + 1,
            lots_accepted=self.lots_accepted + (1 if accepted else 0),
        )

    def with_delivery(self, *, on_time: bool) -> ScorecardCounters:
        """One lot delivered."""
        return self.with_lots_delivered(1, 1 if on_time else 0)

    def with_lots_delivered(self, lots: int, on_time_lots: int) -> ScorecardCounters:
        return replace(
            self,
            deliveries=self.deliveries + lots,
            on_time_deliveries=self.on_time_deliveries + min(on_time_lots, lots),
        )

    def with_short_delivery(self) -> ScorecardCounters:
        return replace(self, short_deliveries=self.short_deliveries + 1)

    def with_concession(self) -> ScorecardCounters:
        return replace(self, concessions=self.concessions + 1)

    def with_discontinuation(self) -> ScorecardCounters:
        return replace(self, discontinuations=self.discontinuations + 1)


@dataclass(frozen=True, slots=True)
class Scorecard:
    """The ``GET /suppliers/{id}/scorecard`` body, field for field."""

    orders_awarded: int
    lots_inspected: int
    lots_accepted: int
    acceptance_rate: float | None
    deliveries: int
    on_time_deliveries: int
    on_time_rate: float | None
    short_deliveries: int = 0
    concessions: int = 0
    discontinuations: int = 0


def scorecard(counters: ScorecardCounters) -> Scorecard:
    return Scorecard(
        orders_awarded=counters.orders_awarded,
        lots_inspected=counters.lots_inspected,
        lots_accepted=counters.lots_accepted,
        acceptance_rate=rate(counters.lots_accepted, counters.lots_inspected),
        deliveries=counters.deliveries,
        on_time_deliveries=counters.on_time_deliveries,
        on_time_rate=rate(counters.on_time_deliveries, counters.deliveries),
        short_deliveries=counters.short_deliveries,
        concessions=counters.concessions,
        discontinuations=counters.discontinuations,
    )


@dataclass(frozen=True, slots=True)
class LotResult:
    """One inspected lot, kept once per inspection.

    ``counted`` says whether a scorecard holds it; a verdict that arrives before its order's contract
    (so without a known supplier) waits uncounted, and counts when the contract does.
    """

    inspection_id: UUID
    order_id: UUID
    supplier_id: UUID | None
    accepted: bool
    counted: bool
    recorded_at: datetime


# The disposition of a nonconforming lot that accepts it as it is: a concession (FAR 46.407).
CONCESSION = "use_as_is"


@dataclass(frozen=True, slots=True)
class Disposition:
    """How the ministry settled one nonconformance report, kept once per report.

    Only ``use_as_is`` counts on the scorecard (a concession); every disposition is kept. Like a lot,
    one that names no supplier before the order's contract is known waits uncounted.
    """

    nonconformance_id: UUID
    order_id: UUID
    inspection_id: UUID
    supplier_id: UUID | None
    disposition: str
    price_reduction_kzt: Decimal | None
    counted: bool
    recorded_at: datetime

    @property
    def concession(self) -> bool:
        return self.disposition == CONCESSION


@dataclass(frozen=True, slots=True)
class WaitingFacts:
    """What waited for an order's contract to learn its supplier, now counted with it."""

    lots: tuple[bool, ...] = ()  # each lot's verdict: accepted or not
    concessions: int = 0
    discontinuations: int = 0
