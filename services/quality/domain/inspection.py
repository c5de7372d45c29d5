"""The life of one inspection round: open -> accepted | rejected, and what may be done when.

The contract names three statuses. An inspection closed because its order was cancelled ends
``rejected`` (the lot was not accepted, which is the default outcome of acceptance) and says why
in ``closed_reason: "order_cancelled"``; no verdict event is published for it and it carries no
nonconformities, so it is never mistaken for a lot that failed its requirements.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class InspectionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ClosedReason(StrEnum):
    VERDICT = "verdict"
    ORDER_CANCELLED = "order_cancelled"


class InspectionAction(StrEnum):
    MEASURE = "measure"
    COMPLETE = "complete"


# Orders cancelled from these statuses were contracted, so their acceptance plan exists (or is
# still on its way); an order cancelled before that never gets one.
CONTRACTED_ORDER_STATUSES: Final = frozenset({"contracted", "in_production", "inspection", "rework"})


def allowed_actions(status: str, units_measured: int, sample_size: int) -> list[str]:
    """What an inspector may do next: measure until the sample is full, then complete."""
    if status != InspectionStatus.OPEN:
        return []
    if units_measured < sample_size:
        return [InspectionAction.MEASURE.value]
    return [InspectionAction.COMPLETE.value]


__all__ = [
    "CONTRACTED_ORDER_STATUSES",
    "ClosedReason",
    "InspectionAction",
    "InspectionStatus",
    "allowed_actions",
]
