"""Deliveries in lots: the schedule, the shipments and the arithmetic of units (contract section 7).

Units, not lots, move: an order counts how many units were accepted, shipped and received, and the
delivery schedule's lots are filled by those counts in ``lot_no`` order. A shipment fills the lots
its received units land in, in the order receipts were recorded; it is on time when it was received,
on the ministry's calendar, no later than the earliest due date of those lots. A lot is on time when
its last unit arrived on or before its due date.

Pure: dates and moments are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shared.errors import InvalidInput

MAX_LOTS = 120


@dataclass(frozen=True, slots=True)
class ScheduledLot:
    """One entry of the delivery schedule: ``quantity`` units due by ``due_date``."""

    quantity: int
    due_date: date

    def as_dict(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "due_date": self.due_date.isoformat()}


def default_schedule(quantity: int, delivery_deadline: date) -> tuple[ScheduledLot, ...]:
    """The schedule of an order that names none: every unit due on the delivery deadline."""
    return (ScheduledLot(quantity, delivery_deadline),)


def check_schedule(
    lots: Sequence[Any], quantity: int, delivery_deadline: date, field: str = "delivery_schedule"
) -> tuple[ScheduledLot, ...]:
    """1 to 120 lots of positive quantities summing to ``quantity``, due dates in order, none after the deadline."""
    if not 1 <= len(lots) <= MAX_LOTS:
        raise InvalidInput(field, f"must have from 1 to {MAX_LOTS} lots")
    checked: list[ScheduledLot] = []
    for index, lot in enumerate(lots):
        path = f"{field}[{index}]"
        size, due = lot.quantity, lot.due_date
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidInput(f"{path}.quantity", "must be an integer greater than 0")
        if isinstance(due, datetime) or not isinstance(due, date):
            raise InvalidInput(f"{path}.due_date", "must be a date (YYYY-MM-DD)")
        if checked and due < checked[-1].due_date:
            raise InvalidInput(
                f"{path}.due_date", f"must not be before the due date of lot {index} ({checked[-1].due_date})"
            )
        if due > delivery_deadline:
            raise InvalidInput(f"{path}.due_date", f"must not be after the delivery deadline {delivery_deadline}")
        checked.append(ScheduledLot(size, due))
    total = sum(lot.quantity for lot in checked)
    if total != quantity:
        raise InvalidInput(field, f"lot quantities sum to {total}, not to the ordered quantity {quantity}")
    return tuple(checked)


def fill(units: int, sizes: Sequence[int]) -> list[int]:
    """``units`` poured into lots of ``sizes`` in order: how many land in each lot."""
    filled: list[int] = []
    for size in sizes:
        taken = max(0, min(size, units))
        filled.append(taken)
        units -= taken
    return filled


def lots_spanned(start: int, count: int, sizes: Sequence[int]) -> list[int]:
    """Indexes of the lots that units ``start .. start + count - 1`` (0-based, in lot order) fall in."""
    spanned, lot_start = [], 0
    for index, size in enumerate(sizes):
        lot_end = lot_start + size
        if count > 0 and start < lot_end and start + count > lot_start:
            spanned.append(index)
        lot_start = lot_end
    return spanned


def calendar_day(moment: datetime, timezone: str) -> date:
    """The date of ``moment`` on the calendar of ``timezone`` (2030-03-31T20:00Z is 2030-04-01 in Almaty)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


@dataclass(slots=True)
class Shipment:
    """Units sent with one waybill; received (all or fewer) later."""

    shipment_no: int
    quantity: int
    waybill: str
    shipped_at: datetime
    received_quantity: int | None = None
    received_at: datetime | None = None
    received_on: date | None = None  # on the ministry's calendar
    receipt_no: int | None = None  # the order in which receipts were recorded
    on_time: bool | None = None

    @property
    def in_transit(self) -> bool:
        return self.received_quantity is None

    @property
    def counted(self) -> int:
        """The units this shipment counts as shipped: all while in transit, then those received."""
        return self.quantity if self.received_quantity is None else self.received_quantity

    @property
    def missing(self) -> int:
        return 0 if self.received_quantity is None else self.quantity - self.received_quantity


def shipped_units(shipments: Iterable[Shipment]) -> int:
    """Units shipped and not found missing on receipt."""
    return sum(s.counted for s in shipments)


def received_units(shipments: Iterable[Shipment]) -> int:
    return sum(s.received_quantity or 0 for s in shipments)


def receipts(shipments: Iterable[Shipment]) -> list[Shipment]:
    """The received shipments in the order their receipts were recorded."""
    return sorted((s for s in shipments if not s.in_transit), key=lambda s: (s.receipt_no or 0, s.shipment_no))


def receipt_on_time(schedule: Sequence[ScheduledLot], received_before: int, received: int, received_on: date) -> bool:
    """A receipt of ``received`` units after ``received_before``: on time by the earliest due lot it fills."""
    spanned = lots_spanned(received_before, received, [lot.quantity for lot in schedule])
    return all(received_on <= schedule[index].due_date for index in spanned)


@dataclass(frozen=True, slots=True)
class LotProgress:
    lot_no: int
    quantity: int
    due_date: date
    accepted_quantity: int
    shipped_quantity: int
    received_quantity: int
    on_time: bool | None  # None until the lot's last unit is received


def progress(schedule: Sequence[ScheduledLot], accepted: int, shipments: Sequence[Shipment]) -> list[LotProgress]:
    """Each lot's share of the accepted, shipped and received units, and whether it arrived on time."""
    sizes = [lot.quantity for lot in schedule]
    completed_on: list[date | None] = [None] * len(schedule)
    total = 0
    for shipment in receipts(shipments):
        assert shipment.received_on is not None and shipment.received_quantity is not None
        before, total = total, total + shipment.received_quantity
        for index, now_filled in enumerate(fill(total, sizes)):
            if now_filled == sizes[index] and fill(before, sizes)[index] < sizes[index]:
                completed_on[index] = shipment.received_on
    lots: list[LotProgress] = []
    columns = zip(
        schedule, fill(accepted, sizes), fill(shipped_units(shipments), sizes), fill(total, sizes), strict=True
    )
    for index, (lot, accepted_here, shipped_here, received_here) in enumerate(columns):
        done = completed_on[index]
        on_time = None if done is None else done <= lot.due_date
        lots.append(
            LotProgress(index + 1, lot.quantity, lot.due_date, accepted_here, shipped_here, received_here, on_time)
        )
    return lots
