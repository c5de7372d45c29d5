from __future__ import annotations

import pytest

from services.suppliers.domain.scorecard import Scorecard, ScorecardCounters, rate, scorecard


def test_a_new_supplier_has_no_rates_yet() -> None:
    assert scorecard(ScorecardCounters()) == Scorecard(
        orders_awarded=0,
        lots_inspected=0,
        lots_accepted=0,
        acceptance_rate=None,
        deliveries=0,
        on_time_deliveries=0,
        on_time_rate=None,
    )


def test_rates_are_percentages_of_their_counters() -> None:
    card = scorecard(
        ScorecardCounters(orders_awarded=5, lots_inspected=4, lots_accepted=3, deliveries=2, on_time_deliveries=1)
    )
    assert card.acceptance_rate == 75.0
    assert card.on_time_rate == 50.0
    assert card.orders_awarded == 5


def test_rates_are_rounded_half_up_to_two_places() -> None:
    assert rate(2, 3) == 66.67
    assert rate(1, 3) == 33.33
    # 1/8 = 12.5 exactly; 1/16 = 6.25; 1/32 = 3.125 rounds up, not to even.
    assert rate(1, 32) == 3.13


def test_a_perfect_and_a_failing_record_give_100_and_0() -> None:
    assert rate(7, 7) == 100.0
    assert rate(0, 7) == 0.0


def test_a_rate_before_the_first_event_is_none() -> None:
    assert rate(0, 0) is None


def test_counters_grow_one_event_at_a_time() -> None:
    counters = (
        ScorecardCounters().with_award().with_lot(accepted=False).with_lot(accepted=True).with_delivery(on_time=True)
    )
    assert counters == ScorecardCounters(
        orders_awarded=1, lots_inspected=2, lots_accepted=1, deliveries=1, on_time_deliveries=1
    )
    card = scorecard(counters)
    assert (card.acceptance_rate, card.on_time_rate) == (50.0, 100.0)


@pytest.mark.parametrize(
    "counters",
    [
        {"lots_inspected": 1, "lots_accepted": 2},
        {"deliveries": 1, "on_time_deliveries": 2},
        {"orders_awarded": -1},
    ],
)
def test_impossible_counters_are_refused(counters: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ScorecardCounters(**counters)
