"""What an inspector may do next, and how a cancelled order's inspection is told apart."""

from __future__ import annotations

from services.quality.domain.inspection import (
    CONTRACTED_ORDER_STATUSES,
    ClosedReason,
    InspectionStatus,
    allowed_actions,
)


def test_an_open_inspection_takes_measurements_until_its_sample_is_full() -> None:
    assert allowed_actions(InspectionStatus.OPEN, units_measured=0, sample_size=8) == ["measure"]
    assert allowed_actions(InspectionStatus.OPEN, units_measured=7, sample_size=8) == ["measure"]


def test_a_full_sample_can_only_be_completed() -> None:
    assert allowed_actions(InspectionStatus.OPEN, units_measured=8, sample_size=8) == ["complete"]


def test_a_closed_inspection_allows_nothing() -> None:
    for status in (InspectionStatus.ACCEPTED, InspectionStatus.REJECTED):
        assert allowed_actions(status, units_measured=8, sample_size=8) == []


def test_the_contract_statuses_are_kept_and_a_cancellation_is_a_reason_not_a_status() -> None:
    assert [s.value for s in InspectionStatus] == ["open", "accepted", "rejected"]
    assert ClosedReason.ORDER_CANCELLED == "order_cancelled"


def test_only_orders_cancelled_after_their_contract_have_a_plan_to_wait_for() -> None:
    assert {"contracted", "in_production", "inspection", "rework"} == CONTRACTED_ORDER_STATUSES
    assert not {"draft", "published", "award_pending"} & CONTRACTED_ORDER_STATUSES
