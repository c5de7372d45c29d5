"""The order lifecycle, read against the diagram of contract section 3."""

from __future__ import annotations

import itertools

import pytest

from services.orders.domain.errors import ActionNotPermitted, IllegalTransition
from services.orders.domain.lifecycle import (
    ACTION_ROLES,
    EVENT_ACTIONS,
    INITIAL_STATUS,
    TRANSITIONS,
    Action,
    OrderStatus,
    allowed_actions,
    apply_action,
    can_transition,
    may,
    transition,
)

# The diagram, written out by hand so the table is checked against an independent copy.
DRAWN_MOVES: dict[tuple[str, str], str] = {
    ("draft", "update"): "draft",
    ("draft", "publish"): "published",
    ("published", "award"): "award_pending",
    ("award_pending", "award_confirmed"): "contracted",
    ("award_pending", "award_declined"): "published",
    ("contracted", "start-production"): "in_production",
    ("in_production", "submit-for-inspection"): "inspection",
    ("inspection", "lot_accepted"): "accepted",
    ("inspection", "lot_rejected"): "rework",
    ("rework", "submit-for-inspection"): "inspection",
    ("accepted", "ship"): "shipped",
    ("shipped", "confirm-delivery"): "delivered",
    ("delivered", "close"): "closed",
    **{
        (status, "cancel"): "cancelled"
        for status in (
            "draft",
            "published",
            "award_pending",
            "contracted",
            "in_production",
            "inspection",
            "rework",
        )
    },
}

ALL_PAIRS = list(itertools.product(OrderStatus, Action))
FORBIDDEN_PAIRS = [(s, a) for s, a in ALL_PAIRS if (s.value, a.value) not in DRAWN_MOVES]

OFFICER = ["mod_officer"]
SUPPLIER = ["supplier"]
SYSTEM = ["system"]


def test_the_table_holds_exactly_the_drawn_moves() -> None:
    table = {(s.value, a.value): to.value for (s, a), to in TRANSITIONS.items()}
    assert table == DRAWN_MOVES


def test_a_new_order_starts_as_draft() -> None:
    assert INITIAL_STATUS is OrderStatus.DRAFT


@pytest.mark.parametrize(("status", "action", "expected"), [(s, a, to) for (s, a), to in DRAWN_MOVES.items()])
def test_every_drawn_move_lands_where_the_diagram_says(status: str, action: str, expected: str) -> None:
    assert transition(status, action) == OrderStatus(expected)
    assert can_transition(status, action)


@pytest.mark.parametrize(("status", "action"), FORBIDDEN_PAIRS, ids=lambda v: str(v))
def test_every_move_not_drawn_is_an_illegal_transition(status: OrderStatus, action: Action) -> None:
    assert not can_transition(status, action)
    with pytest.raises(IllegalTransition) as caught:
        transition(status, action)
    assert caught.value.current_status == status.value
    assert caught.value.action == action.value
    assert caught.value.allowed_actions == allowed_actions(status)


def test_the_forbidden_and_drawn_pairs_cover_the_whole_cross_product() -> None:
    assert len(FORBIDDEN_PAIRS) + len(DRAWN_MOVES) == len(OrderStatus) * len(Action)


@pytest.mark.parametrize("status", ["accepted", "shipped", "delivered", "closed", "cancelled"])
def test_an_order_past_acceptance_or_finished_cannot_be_cancelled(status: str) -> None:
    with pytest.raises(IllegalTransition):
        transition(status, "cancel")


def test_closed_and_cancelled_orders_allow_nothing() -> None:
    assert allowed_actions("closed") == []
    assert allowed_actions("cancelled") == []


def test_create_is_no_transition_from_any_status() -> None:
    assert not any(can_transition(status, Action.CREATE) for status in OrderStatus)


def test_a_declined_award_puts_the_order_back_to_published() -> None:
    assert transition("award_pending", "award_declined") is OrderStatus.PUBLISHED


def test_a_rejected_lot_goes_to_rework_and_can_be_submitted_again() -> None:
    assert transition("inspection", "lot_rejected") is OrderStatus.REWORK
    assert transition("rework", "submit-for-inspection") is OrderStatus.INSPECTION


def test_http_actions_are_spelled_as_their_url_segments() -> None:
    assert {a.value for a in Action} >= {
        "publish",
        "award",
        "start-production",
        "submit-for-inspection",
        "ship",
        "confirm-delivery",
        "close",
        "cancel",
    }


# --- who may act -----------------------------------------------------------------------

EXPECTED_ROLES: dict[str, set[str]] = {
    "create": {"mod_officer", "integration"},
    "update": {"mod_officer", "integration"},
    "publish": {"mod_officer", "integration"},
    "award": {"mod_officer", "integration"},
    "confirm-delivery": {"mod_officer", "integration"},
    "close": {"mod_officer", "integration"},
    "cancel": {"mod_officer", "integration"},
    "start-production": {"supplier"},
    "submit-for-inspection": {"supplier"},
    "ship": {"supplier"},
    "award_confirmed": {"system"},
    "award_declined": {"system"},
    "lot_accepted": {"system"},
    "lot_rejected": {"system"},
}
EVERY_ROLE = [
    "mod_officer",
    "mic_officer",
    "quality_inspector",
    "supplier",
    "auditor",
    "integration",
    "system",
]


def test_every_action_has_its_roles() -> None:
    assert {a.value: {r.value for r in roles} for a, roles in ACTION_ROLES.items()} == EXPECTED_ROLES


@pytest.mark.parametrize(("role", "action"), list(itertools.product(EVERY_ROLE, EXPECTED_ROLES)))
def test_a_role_may_perform_exactly_its_actions(role: str, action: str) -> None:
    assert may([role], action) is (role in EXPECTED_ROLES[action])


@pytest.mark.parametrize("role", ["auditor", "mic_officer", "quality_inspector"])
def test_read_only_and_other_ministry_roles_change_no_order(role: str) -> None:
    assert not any(may([role], action) for action in Action)


def test_any_one_of_several_roles_is_enough() -> None:
    assert may(["auditor", "supplier"], "ship")


def test_no_roles_may_do_nothing() -> None:
    assert not may([], "publish")


def test_allowed_actions_for_an_officer_on_a_draft_are_update_publish_cancel() -> None:
    assert allowed_actions("draft", OFFICER) == ["update", "publish", "cancel"]


def test_allowed_actions_for_a_supplier_on_a_draft_are_none() -> None:
    assert allowed_actions("draft", SUPPLIER) == []


def test_a_supplier_may_start_production_of_a_contracted_order_but_an_officer_may_only_cancel() -> None:
    assert allowed_actions("contracted", SUPPLIER) == ["start-production"]
    assert allowed_actions("contracted", OFFICER) == ["cancel"]


def test_during_inspection_only_the_events_move_the_order_besides_cancel() -> None:
    assert allowed_actions("inspection", SUPPLIER) == []
    assert allowed_actions("inspection", OFFICER) == ["cancel"]
    assert allowed_actions("inspection", SYSTEM) == ["lot_accepted", "lot_rejected"]


def test_an_accepted_lot_is_shipped_by_the_supplier_and_delivery_confirmed_by_the_officer() -> None:
    assert allowed_actions("accepted", SUPPLIER) == ["ship"]
    assert allowed_actions("accepted", OFFICER) == []
    assert allowed_actions("shipped", OFFICER) == ["confirm-delivery"]
    assert allowed_actions("delivered", ["integration"]) == ["close"]


def test_the_409_lists_what_this_caller_may_do_when_roles_are_given() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition("rework", "ship", SUPPLIER)
    assert caught.value.current_status == "rework"
    assert caught.value.allowed_actions == ["submit-for-inspection"]


def test_apply_action_refuses_a_role_that_may_never_act_before_looking_at_the_status() -> None:
    with pytest.raises(ActionNotPermitted) as caught:
        apply_action("draft", "ship", OFFICER)
    assert caught.value.action == "ship"
    assert caught.value.roles == ["mod_officer"]


def test_apply_action_answers_illegal_transition_for_a_permitted_role_in_the_wrong_status() -> None:
    with pytest.raises(IllegalTransition) as caught:
        apply_action("published", "publish", OFFICER)
    assert caught.value.allowed_actions == ["award", "cancel"]


def test_apply_action_moves_the_order_when_role_and_status_fit() -> None:
    assert apply_action("published", "award", ["integration"]) is OrderStatus.AWARD_PENDING


def test_a_token_role_cannot_perform_event_moves() -> None:
    with pytest.raises(ActionNotPermitted):
        apply_action("inspection", "lot_accepted", ["integration"])


def test_each_consumed_event_type_maps_to_its_action() -> None:
    assert EVENT_ACTIONS == {
        "kz.sdo.supplier.award_confirmed.v1": Action.AWARD_CONFIRMED,
        "kz.sdo.supplier.award_declined.v1": Action.AWARD_DECLINED,
        "kz.sdo.quality.lot_accepted.v1": Action.LOT_ACCEPTED,
        "kz.sdo.quality.lot_rejected.v1": Action.LOT_REJECTED,
    }


def test_an_unknown_status_or_action_name_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        transition("archived", "publish")
    with pytest.raises(ValueError):
        transition("draft", "approve")
