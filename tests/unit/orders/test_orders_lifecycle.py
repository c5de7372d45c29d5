"""The order lifecycle, read against the diagram of contract section 3."""

from __future__ import annotations

import itertools

import pytest

from services.orders.domain.lifecycle import INITIAL_STATUS, ORDER, Action, OrderStatus
from shared.errors import IllegalTransition


def transition(status: str, action: str, roles: list[str] | None = None, to: str | None = None) -> OrderStatus:
    """A move named by its wire spelling, as the diagram writes it (``to`` picks one of several outcomes)."""
    target = None if to is None else OrderStatus(to)
    return ORDER.move(OrderStatus(status), Action(action), EVERY_ROLE if roles is None else roles, to=target)


def can_transition(status: str, action: str) -> bool:
    return ORDER.can(OrderStatus(status), Action(action))


def allowed_actions(status: str, roles: list[str] | None = None) -> list[str]:
    return ORDER.allowed_actions(OrderStatus(status), roles)


def may(roles: list[str], action: str) -> bool:
    return ORDER.may(roles, Action(action))


# The diagram, written out by hand so the table is checked against an independent copy. A set names
# the outcomes of an action whose result the order's unit counts pick (contract section 7).
DRAWN_MOVES: dict[tuple[str, str], str | frozenset[str]] = {
    ("draft", "update"): "draft",
    ("draft", "publish"): "published",
    ("published", "award"): "award_pending",
    ("award_pending", "award_confirmed"): "contracted",
    ("award_pending", "award_declined"): "published",
    ("contracted", "start-production"): "in_production",
    ("in_production", "submit-for-inspection"): "inspection",
    ("inspection", "lot_accepted"): frozenset({"accepted", "in_production"}),
    ("inspection", "lot_rejected"): "rework",
    ("rework", "submit-for-inspection"): "inspection",
    ("rework", "lot_accepted"): frozenset({"accepted", "in_production"}),  # under concession (use_as_is)
    ("rework", "nonconformance_dispositioned"): "in_production",  # scrap or return
    ("in_production", "ship"): "in_production",
    ("accepted", "ship"): frozenset({"accepted", "shipped"}),
    ("in_production", "confirm-delivery"): "in_production",
    ("accepted", "confirm-delivery"): frozenset({"accepted", "in_production"}),
    ("shipped", "confirm-delivery"): frozenset({"shipped", "delivered", "in_production"}),
    ("delivered", "close"): "closed",
    # Goods of a shipment in transit arrive while another lot is inspected or reworked (the status stays).
    ("inspection", "confirm-delivery"): "inspection",
    ("rework", "confirm-delivery"): "rework",
    # An accepted amendment (contract section 8): a new quantity may complete the units or leave some to produce.
    ("contracted", "amend"): "contracted",
    ("in_production", "amend"): frozenset({"in_production", "accepted", "shipped", "delivered"}),
    ("inspection", "amend"): "inspection",
    ("rework", "amend"): "rework",
    ("accepted", "amend"): frozenset({"accepted", "in_production"}),
    ("shipped", "amend"): frozenset({"shipped", "in_production"}),
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


def _outcomes(to: str | frozenset[str]) -> frozenset[str]:
    return to if isinstance(to, frozenset) else frozenset({to})


EVERY_OUTCOME = [(s, a, to) for (s, a), tos in DRAWN_MOVES.items() for to in sorted(_outcomes(tos))]


def test_the_table_holds_exactly_the_drawn_moves() -> None:
    table = {(s.value, a.value): frozenset(map(str, ORDER.outcomes(s, a))) for (s, a) in ORDER.transitions}
    assert table == {edge: _outcomes(to) for edge, to in DRAWN_MOVES.items()}


def test_a_new_order_starts_as_draft() -> None:
    assert INITIAL_STATUS is OrderStatus.DRAFT


@pytest.mark.parametrize(("status", "action", "expected"), EVERY_OUTCOME)
def test_every_drawn_move_lands_where_the_diagram_says(status: str, action: str, expected: str) -> None:
    assert transition(status, action, to=expected) == OrderStatus(expected)
    assert can_transition(status, action)


@pytest.mark.parametrize(("status", "action"), [e for e, to in DRAWN_MOVES.items() if isinstance(to, frozenset)])
def test_an_action_of_several_outcomes_must_be_told_which_and_refuses_one_not_drawn(status: str, action: str) -> None:
    with pytest.raises(ValueError):
        transition(status, action)
    with pytest.raises(ValueError):
        transition(status, action, to="closed")


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
    "nonconformance_dispositioned": {"system"},
    "inspection_discontinued": {"system"},
    "inspection_resumed": {"system"},
    # The order's own accepted amendment moves it; who proposes and decides is the amendment's table.
    "amend": {"amendment"},
    "amendment_proposed": {"amendment"},
    "amendment_rejected": {"amendment"},
    "amendment_withdrawn": {"amendment"},
}
EVERY_ROLE = [
    "mod_officer",
    "mic_officer",
    "quality_inspector",
    "supplier",
    "auditor",
    "integration",
    "system",
    "amendment",
]


def test_every_action_has_its_roles() -> None:
    assert {a.value: {str(r) for r in roles} for a, roles in ORDER.roles.items()} == EXPECTED_ROLES


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


def test_during_inspection_the_events_move_the_order_and_the_officer_may_receive_goods_in_transit_or_cancel() -> None:
    assert allowed_actions("inspection", SUPPLIER) == []
    assert allowed_actions("inspection", OFFICER) == ["confirm-delivery", "cancel"]
    assert allowed_actions("inspection", SYSTEM) == ["lot_accepted", "lot_rejected"]


def test_an_accepted_lot_is_shipped_by_the_supplier_and_delivery_confirmed_by_the_officer() -> None:
    assert allowed_actions("accepted", SUPPLIER) == ["ship"]
    # Part of the order may already be on its way: the officer receives it while the rest waits to ship.
    assert allowed_actions("accepted", OFFICER) == ["confirm-delivery"]
    assert allowed_actions("shipped", OFFICER) == ["confirm-delivery"]
    assert allowed_actions("delivered", ["integration"]) == ["close"]


def test_units_ship_and_are_received_while_the_rest_is_still_in_production() -> None:
    assert allowed_actions("in_production", SUPPLIER) == ["submit-for-inspection", "ship"]
    assert allowed_actions("in_production", OFFICER) == ["confirm-delivery", "cancel"]
    assert transition("in_production", "ship") is OrderStatus.IN_PRODUCTION


def test_a_short_receipt_returns_a_shipped_or_accepted_order_to_production() -> None:
    assert transition("shipped", "confirm-delivery", to="in_production") is OrderStatus.IN_PRODUCTION
    assert transition("accepted", "confirm-delivery", to="in_production") is OrderStatus.IN_PRODUCTION


def test_a_rejected_lot_is_settled_from_rework_by_concession_or_by_scrapping_it() -> None:
    assert allowed_actions("rework", SYSTEM) == ["lot_accepted", "nonconformance_dispositioned"]
    assert transition("rework", "lot_accepted", to="accepted") is OrderStatus.ACCEPTED
    assert transition("rework", "nonconformance_dispositioned") is OrderStatus.IN_PRODUCTION


def test_the_409_lists_what_this_caller_may_do_when_roles_are_given() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition("rework", "ship", SUPPLIER)
    assert caught.value.current_status == "rework"
    assert caught.value.allowed_actions == ["submit-for-inspection"]


def test_a_role_that_may_never_act_is_refused_by_the_table_whatever_the_status() -> None:
    # The route's guard is this rule (ORDER.roles_for), so the refusal comes before the status is read.
    assert not may(OFFICER, "ship")
    assert ORDER.roles_for(Action.SHIP) == {"supplier"}


def test_a_permitted_role_in_the_wrong_status_gets_an_illegal_transition_listing_its_actions() -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition("published", "publish", OFFICER)
    assert caught.value.allowed_actions == ["award", "cancel"]


def test_a_permitted_role_in_the_right_status_moves_the_order() -> None:
    assert may(["integration"], "award")
    assert transition("published", "award", ["integration"]) is OrderStatus.AWARD_PENDING


def test_a_token_role_cannot_perform_event_moves() -> None:
    assert not any(may([role], "lot_accepted") for role in EVERY_ROLE if role != "system")


def test_an_unknown_status_or_action_name_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        transition("archived", "publish")
    with pytest.raises(ValueError):
        transition("draft", "approve")


def test_no_token_role_applies_an_amendment_only_the_accepted_amendment_does() -> None:
    assert not any(may([role], "amend") for role in EVERY_ROLE if role != "amendment")
    assert allowed_actions("in_production", OFFICER) == ["confirm-delivery", "cancel"]  # amend is not listed to a token
