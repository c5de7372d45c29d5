from __future__ import annotations

from datetime import date

import pytest

from services.suppliers.domain.errors import (
    NoValidLicenseError,
    SupplierStatusError,
    TransitionNotAllowedError,
)
from services.suppliers.domain.facts import LicenseFacts
from services.suppliers.domain.status import (
    ACTIONS_NEEDING_REASON,
    TRANSITIONS,
    SupplierAction,
    SupplierStatus,
    allowed_actions,
    apply_action,
    is_final,
    next_status,
)

TODAY = date(2025, 3, 1)
LICENSE_VALID_TODAY = LicenseFacts("repair", date(2024, 1, 1), date(2026, 1, 1), "L-1")

S, A = SupplierStatus, SupplierAction
ALLOWED = {
    (S.PENDING, A.VERIFY): S.ACTIVE,
    (S.PENDING, A.EXCLUDE): S.EXCLUDED,
    (S.ACTIVE, A.SUSPEND): S.SUSPENDED,
    (S.ACTIVE, A.EXCLUDE): S.EXCLUDED,
    (S.SUSPENDED, A.REINSTATE): S.ACTIVE,
    (S.SUSPENDED, A.EXCLUDE): S.EXCLUDED,
}
FORBIDDEN = [(status, action) for status in S for action in A if (status, action) not in ALLOWED]


def test_the_transition_table_holds_exactly_the_contract_moves() -> None:
    drawn = {(status, action): target for status, moves in TRANSITIONS.items() for action, target in moves.items()}
    assert drawn == ALLOWED
    assert len(FORBIDDEN) == 10


@pytest.mark.parametrize(("current", "action"), list(ALLOWED))
def test_every_drawn_move_leads_to_its_target(current: SupplierStatus, action: SupplierAction) -> None:
    result = apply_action(current, action, licenses=[LICENSE_VALID_TODAY], on=TODAY)
    assert result is ALLOWED[(current, action)]


@pytest.mark.parametrize(("current", "action"), FORBIDDEN)
def test_every_move_not_drawn_is_refused_with_status_and_allowed_actions(
    current: SupplierStatus, action: SupplierAction
) -> None:
    with pytest.raises(TransitionNotAllowedError) as caught:
        apply_action(current, action, licenses=[LICENSE_VALID_TODAY], on=TODAY)
    error = caught.value
    assert error.code == "transition_not_allowed"
    assert error.current_status is current
    assert error.action is action
    assert error.allowed_actions == allowed_actions(current)
    assert action not in error.allowed_actions


def test_allowed_actions_are_listed_per_status() -> None:
    assert allowed_actions("pending") == [A.VERIFY, A.EXCLUDE]
    assert allowed_actions("active") == [A.SUSPEND, A.EXCLUDE]
    assert allowed_actions("suspended") == [A.REINSTATE, A.EXCLUDE]
    assert allowed_actions("excluded") == []


def test_only_excluded_is_final() -> None:
    assert [status for status in S if is_final(status)] == [S.EXCLUDED]


def test_status_and_action_may_be_given_as_strings() -> None:
    assert next_status("active", "suspend") is S.SUSPENDED


def test_an_unknown_status_or_action_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        next_status("archived", "verify")
    with pytest.raises(ValueError):
        next_status("pending", "approve")


def test_suspend_and_exclude_need_a_reason() -> None:
    assert frozenset({A.SUSPEND, A.EXCLUDE}) == ACTIONS_NEEDING_REASON


def test_a_supplier_without_any_license_cannot_be_verified() -> None:
    with pytest.raises(NoValidLicenseError) as caught:
        apply_action("pending", "verify", licenses=[], on=TODAY)
    error = caught.value
    assert error.code == "no_valid_license"
    assert "no valid license" in error.message
    assert error.current_status is S.PENDING
    assert error.allowed_actions == [A.VERIFY, A.EXCLUDE]
    # Distinct from a transition error, yet both are status conflicts.
    assert not isinstance(error, TransitionNotAllowedError)
    assert isinstance(error, SupplierStatusError)


@pytest.mark.parametrize(
    "license_",
    [
        LicenseFacts("repair", date(2024, 1, 1), date(2025, 2, 28)),
        LicenseFacts("repair", date(2025, 3, 2), date(2026, 1, 1)),
    ],
    ids=["expired-yesterday", "starts-tomorrow"],
)
def test_a_supplier_whose_license_is_not_valid_today_cannot_be_verified(license_: LicenseFacts) -> None:
    with pytest.raises(NoValidLicenseError):
        apply_action(S.PENDING, A.VERIFY, licenses=[license_], on=TODAY)


@pytest.mark.parametrize(
    "license_",
    [
        LicenseFacts("production", date(2024, 1, 1), TODAY),
        LicenseFacts("production", TODAY, date(2026, 1, 1)),
    ],
    ids=["expires-today", "starts-today"],
)
def test_a_license_valid_on_its_first_or_last_day_lets_the_supplier_be_verified(license_: LicenseFacts) -> None:
    assert apply_action(S.PENDING, A.VERIFY, licenses=[license_], on=TODAY) is S.ACTIVE


def test_verify_needs_the_date() -> None:
    with pytest.raises(ValueError, match="date"):
        apply_action(S.PENDING, A.VERIFY, licenses=[LICENSE_VALID_TODAY])


def test_verifying_an_active_supplier_is_a_transition_error_even_without_licenses() -> None:
    with pytest.raises(TransitionNotAllowedError):
        apply_action(S.ACTIVE, A.VERIFY, licenses=[], on=TODAY)


def test_moves_other_than_verify_do_not_look_at_licenses() -> None:
    assert apply_action(S.ACTIVE, A.SUSPEND) is S.SUSPENDED
    assert apply_action(S.SUSPENDED, A.REINSTATE) is S.ACTIVE
    assert apply_action(S.PENDING, A.EXCLUDE) is S.EXCLUDED
