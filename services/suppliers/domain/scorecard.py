"""Supplier scorecard: counters kept from events and the rates derived from them.

Rates are percent 0-100, computed in Decimal, rounded half-up to 2 dp and returned as float;
None (null) until the first lot or delivery, since 0 % would read as a bad record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def rate(part: int, whole: int) -> float | None:
    """``part / whole * 100`` rounded to 2 dp, or None when ``whole`` is 0."""
    if whole == 0:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class ScorecardCounters:
    orders_awarded: int = 0
    lots_inspected: int = 0
    lots_accepted: int = 0
    deliveries: int = 0
    on_time_deliveries: int = 0

    def __post_init__(self) -> None:
        for name in ("orders_awarded", "lots_inspected", "lots_accepted", "deliveries", "on_time_deliveries"):
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
        return replace(
            self,
            deliveries=self.deliveries + 1,
            on_time_deliveries=self.on_time_deliveries + (1 if on_time else 0),
        )


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


def scorecard(counters: ScorecardCounters) -> Scorecard:
    return Scorecard(
        orders_awarded=counters.orders_awarded,
        lots_inspected=counters.lots_inspected,
        lots_accepted=counters.lots_accepted,
        acceptance_rate=rate(counters.lots_accepted, counters.lots_inspected),
        deliveries=counters.deliveries,
        on_time_deliveries=counters.on_time_deliveries,
        on_time_rate=rate(counters.on_time_deliveries, counters.deliveries),
    )
