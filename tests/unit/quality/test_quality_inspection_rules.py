"""What an inspector may do next, who moves an inspection or a plan, how a cancelled order's inspection reads."""

from __future__ import annotations

from services.quality.domain.inspection import (
    CONTRACTED_ORDER_STATUSES,
    INSPECTION,
    ClosedReason,
    InspectionAction,
    InspectionStatus,
    allowed_actions,
)
from services.quality.domain.plan import PLAN, PlanStatus
from shared.lifecycle import SYSTEM


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


def test_inspectors_measure_and_complete_and_only_the_order_s_cancellation_closes_without_a_verdict() -> None:
    assert INSPECTION.roles_for(InspectionAction.MEASURE) == {"quality_inspector"}
    assert INSPECTION.roles_for(InspectionAction.COMPLETE) == {"quality_inspector"}
    assert INSPECTION.roles_for(InspectionAction.CANCEL) == {SYSTEM}
    assert all(INSPECTION.is_final(s) for s in (InspectionStatus.ACCEPTED, InspectionStatus.REJECTED))


def test_a_cancelled_plan_opens_no_more_rounds_and_takes_no_amendment() -> None:
    assert PLAN.allowed_actions(PlanStatus.ACTIVE, {SYSTEM}) == ["inspect", "discontinue", "cancel", "amend"]
    assert PLAN.allowed_actions(PlanStatus.DISCONTINUED, {SYSTEM}) == ["cancel", "amend"]
    assert PLAN.is_final(PlanStatus.CANCELLED)
