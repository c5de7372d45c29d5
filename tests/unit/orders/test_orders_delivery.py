"""The arithmetic of units: lots filled in order, the schedule's rules, on time per shipment and per lot."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.orders.domain.delivery import (
    MAX_LOTS,
    ScheduledLot,
    Shipment,
    calendar_day,
    check_schedule,
    default_schedule,
    fill,
    lots_spanned,
    progress,
    receipt_on_time,
    received_units,
    shipped_units,
)
from shared.errors import InvalidInput

MAR, APR, JUN = date(2030, 3, 31), date(2030, 4, 30), date(2030, 6, 30)
THREE = (ScheduledLot(40, MAR), ScheduledLot(40, APR), ScheduledLot(20, JUN))
AT = datetime(2030, 3, 1, tzinfo=UTC)


def received(no: int, quantity: int, got: int, on: date, receipt_no: int) -> Shipment:
    return Shipment(no, quantity, f"WB-{no}", AT, got, AT, on, receipt_no)


# --- filling lots ------------------------------------------------------------------------------------


def test_units_fill_the_lots_in_order() -> None:
    assert fill(0, [40, 40, 20]) == [0, 0, 0]
    assert fill(55, [40, 40, 20]) == [40, 15, 0]
    assert fill(100, [40, 40, 20]) == [40, 40, 20]


@given(st.lists(st.integers(1, 50), min_size=1, max_size=10), st.data())
def test_filling_never_overflows_a_lot_and_loses_no_unit(sizes: list[int], data: st.DataObject) -> None:
    units = data.draw(st.integers(0, sum(sizes)))
    filled = fill(units, sizes)
    assert sum(filled) == units
    assert all(0 <= f <= s for f, s in zip(filled, sizes, strict=True))
    # Only the first lot not full may be partly filled.
    partial = [i for i, (f, s) in enumerate(zip(filled, sizes, strict=True)) if f < s]
    assert all(filled[i] == 0 for i in partial[1:])


def test_a_run_of_units_spans_the_lots_it_falls_in() -> None:
    sizes = [40, 40, 20]
    assert lots_spanned(0, 40, sizes) == [0]
    assert lots_spanned(35, 10, sizes) == [0, 1]
    assert lots_spanned(40, 60, sizes) == [1, 2]
    assert lots_spanned(80, 0, sizes) == []


# --- the schedule --------------------------------------------------------------------------------------


def test_the_default_schedule_is_everything_due_on_the_deadline() -> None:
    assert default_schedule(100, JUN) == (ScheduledLot(100, JUN),)


def test_a_schedule_summing_to_the_quantity_in_date_order_is_kept() -> None:
    assert check_schedule(THREE, 100, JUN) == THREE
    assert check_schedule([ScheduledLot(50, MAR), ScheduledLot(50, MAR)], 100, JUN)  # equal dates are in order


@pytest.mark.parametrize(
    ("lots", "field", "message"),
    [
        ((), "delivery_schedule", "must have from 1 to 120 lots"),
        ((ScheduledLot(1, MAR),) * (MAX_LOTS + 1), "delivery_schedule", "must have from 1 to 120 lots"),
        (THREE[:2], "delivery_schedule", "lot quantities sum to 80, not to the ordered quantity 100"),
        ((ScheduledLot(0, MAR), ScheduledLot(100, JUN)), "delivery_schedule[0].quantity", "must be an integer"),
        ((ScheduledLot(60, APR), ScheduledLot(40, MAR)), "delivery_schedule[1].due_date", "must not be before"),
        ((ScheduledLot(100, date(2030, 7, 1)),), "delivery_schedule[0].due_date", "must not be after"),
    ],
)
def test_a_schedule_breaking_a_rule_is_refused_naming_the_field(
    lots: tuple[ScheduledLot, ...], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_schedule(lots, 100, JUN)
    assert refused.value.field == field and refused.value.message.startswith(message)


# --- the ministry's calendar -------------------------------------------------------------------------


def test_a_receipt_at_20_00_utc_on_31_march_is_1_april_in_almaty() -> None:
    assert calendar_day(datetime(2030, 3, 31, 20, 0, tzinfo=UTC), "Asia/Almaty") == date(2030, 4, 1)
    assert calendar_day(datetime(2030, 3, 31, 18, 59, tzinfo=UTC), "Asia/Almaty") == date(2030, 3, 31)
    assert calendar_day(datetime(2030, 3, 31, 20, 0, tzinfo=UTC), "UTC") == date(2030, 3, 31)


# --- on time ---------------------------------------------------------------------------------------


def test_a_receipt_is_on_time_by_the_earliest_due_date_of_the_lots_it_fills() -> None:
    assert receipt_on_time(THREE, 0, 40, MAR)
    assert not receipt_on_time(THREE, 0, 40, date(2030, 4, 1))  # lot 1 was due on 31 March
    assert not receipt_on_time(THREE, 30, 20, APR)  # fills the end of lot 1 (due in March) and lot 2
    assert receipt_on_time(THREE, 40, 60, APR)  # lots 2 and 3: due in April and June


def test_each_lot_shows_its_share_of_accepted_shipped_and_received_units() -> None:
    shipments = [received(1, 40, 40, MAR, 1), Shipment(2, 30, "WB-2", AT)]
    assert shipped_units(shipments) == 70 and received_units(shipments) == 40
    lots = progress(THREE, 90, shipments)
    assert [(lot.accepted_quantity, lot.shipped_quantity, lot.received_quantity) for lot in lots] == [
        (40, 40, 40),
        (40, 30, 0),
        (10, 0, 0),
    ]
    assert [lot.on_time for lot in lots] == [True, None, None]
    assert [lot.lot_no for lot in lots] == [1, 2, 3]


def test_a_short_receipt_counts_only_what_arrived_and_its_lot_is_late_when_the_replacement_is() -> None:
    short = received(1, 40, 35, MAR, 1)
    assert (short.missing, short.counted) == (5, 35)
    replacement = received(2, 5, 5, date(2030, 4, 2), 2)
    lots = progress(THREE, 40, [short, replacement])
    assert [lot.received_quantity for lot in lots] == [40, 0, 0]
    assert lots[0].on_time is False  # its last unit arrived after 31 March


def test_lots_fill_in_the_order_receipts_were_recorded_not_by_shipment_number() -> None:
    later_shipment_first = [received(1, 40, 40, APR, 2), received(2, 40, 40, MAR, 1)]
    lots = progress(THREE, 80, later_shipment_first)
    assert [lot.on_time for lot in lots] == [True, True, None]
