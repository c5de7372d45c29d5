from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.suppliers.domain.errors import NoValidLicense, StatusRefused
from services.suppliers.domain.status import ACTIONS_NEEDING_REASON, SUPPLIER, SupplierAction, SupplierStatus
from services.suppliers.domain.supplier import License, Supplier
from shared.errors import IllegalTransition, InvalidInput, Refused

TODAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

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


def a_license(category: str = "repair", valid_from: date = date(2024, 1, 1), valid_until: date = date(2026, 1, 1)):
    return License(uuid4(), uuid4(), category, f"L-{uuid4().hex[:6]}", valid_from, valid_until, NOW)


LICENSE_VALID_TODAY = a_license()


def supplier_in(status: SupplierStatus | str, *licenses: License) -> Supplier:
    return Supplier(
        id=uuid4(),
        name="KazEng",
        country="KZ",
        bin="950101400012",
        registration_number=None,
        categories=["repair"],
        local_content_share=Decimal(60),
        security_clearance=True,
        status=status,  # type: ignore[arg-type]  # a string is read as a status
        created_at=NOW,
        updated_at=NOW,
        licenses=list(licenses),
    )


def act(supplier: Supplier, action: SupplierAction, **kwargs: Any) -> None:
    """The behaviour each action names, with a reason wherever one is needed."""
    match action:
        case A.VERIFY:
            supplier.verify(TODAY, at=NOW, **kwargs)
        case A.SUSPEND:
            supplier.suspend("audit pending", at=NOW, **kwargs)
        case A.REINSTATE:
            supplier.reinstate(at=NOW, **kwargs)
        case A.EXCLUDE:
            supplier.exclude("false documents", at=NOW, **kwargs)


def test_the_transition_table_holds_exactly_the_contract_moves() -> None:
    assert dict(SUPPLIER.transitions) == ALLOWED
    assert len(FORBIDDEN) == 10


@pytest.mark.parametrize(("current", "action"), list(ALLOWED))
def test_every_drawn_move_leads_to_its_target(current: SupplierStatus, action: SupplierAction) -> None:
    supplier = supplier_in(current, LICENSE_VALID_TODAY)
    act(supplier, action)
    assert supplier.status is ALLOWED[(current, action)]
    assert (supplier.version, supplier.updated_at) == (2, NOW)
    assert [(c.from_status, c.to_status) for c in supplier.changes] == [(current, ALLOWED[(current, action)])]


@pytest.mark.parametrize(("current", "action"), FORBIDDEN)
def test_every_move_not_drawn_is_refused_with_status_and_allowed_actions(
    current: SupplierStatus, action: SupplierAction
) -> None:
    supplier = supplier_in(current, LICENSE_VALID_TODAY)
    with pytest.raises(IllegalTransition) as caught:
        act(supplier, action)
    error = caught.value
    assert error.code == "illegal-transition"
    assert error.current_status == current
    assert error.action == action
    assert error.allowed_actions == SUPPLIER.allowed_actions(current)
    assert action not in error.allowed_actions
    assert (supplier.status, supplier.version, supplier.changes) == (current, 1, [])


def test_allowed_actions_are_listed_per_status() -> None:
    assert SUPPLIER.allowed_actions(S.PENDING) == [A.VERIFY, A.EXCLUDE]
    assert SUPPLIER.allowed_actions(S.ACTIVE) == [A.SUSPEND, A.EXCLUDE]
    assert SUPPLIER.allowed_actions(S.SUSPENDED) == [A.REINSTATE, A.EXCLUDE]
    assert SUPPLIER.allowed_actions(S.EXCLUDED) == []
    assert supplier_in("suspended").allowed_actions == ["reinstate", "exclude"]


def test_only_excluded_is_final() -> None:
    assert [status for status in S if SUPPLIER.is_final(status)] == [S.EXCLUDED]


def test_status_and_action_may_be_given_as_strings() -> None:
    assert SUPPLIER.move("active", "suspend") is S.SUSPENDED  # type: ignore[arg-type]
    assert supplier_in("active").status is S.ACTIVE


def test_an_unknown_status_or_action_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        supplier_in("archived")
    with pytest.raises(ValueError):
        SupplierAction("approve")


def test_suspend_and_exclude_need_a_reason() -> None:
    assert frozenset({A.SUSPEND, A.EXCLUDE}) == ACTIONS_NEEDING_REASON
    for action in ACTIONS_NEEDING_REASON:
        supplier = supplier_in(S.ACTIVE)
        with pytest.raises(InvalidInput) as caught:
            getattr(supplier, action.value)(" ", at=NOW)
        assert caught.value.field == "reason"
        assert supplier.status is S.ACTIVE


def test_a_supplier_without_any_license_cannot_be_verified() -> None:
    supplier = supplier_in("pending")
    with pytest.raises(NoValidLicense) as caught:
        supplier.verify(TODAY, at=NOW)
    error = caught.value
    assert error.code == "no-valid-license"
    assert "no valid license" in error.message
    assert error.current_status == S.PENDING
    assert error.allowed_actions == [A.VERIFY, A.EXCLUDE]
    # Distinct from a transition error, yet both are status conflicts naming the status.
    assert not isinstance(error, IllegalTransition)
    assert isinstance(error, StatusRefused) and isinstance(error, Refused)
    assert supplier.status is S.PENDING


@pytest.mark.parametrize(
    "license_",
    [a_license("repair", date(2024, 1, 1), date(2025, 2, 28)), a_license("repair", date(2025, 3, 2), date(2026, 1, 1))],
    ids=["expired-yesterday", "starts-tomorrow"],
)
def test_a_supplier_whose_license_is_not_valid_today_cannot_be_verified(license_: License) -> None:
    with pytest.raises(NoValidLicense):
        supplier_in(S.PENDING, license_).verify(TODAY, at=NOW)


@pytest.mark.parametrize(
    "license_",
    [a_license("production", date(2024, 1, 1), TODAY), a_license("production", TODAY, date(2026, 1, 1))],
    ids=["expires-today", "starts-today"],
)
def test_a_license_valid_on_its_first_or_last_day_lets_the_supplier_be_verified(license_: License) -> None:
    supplier = supplier_in(S.PENDING, license_)
    supplier.verify(TODAY, at=NOW)
    assert supplier.status is S.ACTIVE


def test_verify_needs_the_date() -> None:
    # The domain reads no clock: the date licenses are judged on is always passed in.
    with pytest.raises(TypeError):
        supplier_in(S.PENDING, LICENSE_VALID_TODAY).verify(at=NOW)  # type: ignore[call-arg]


def test_verifying_an_active_supplier_is_a_transition_error_even_without_licenses() -> None:
    with pytest.raises(IllegalTransition):
        supplier_in(S.ACTIVE).verify(TODAY, at=NOW)


def test_moves_other_than_verify_do_not_look_at_licenses() -> None:
    for status, action, target in [
        (S.ACTIVE, A.SUSPEND, S.SUSPENDED),
        (S.SUSPENDED, A.REINSTATE, S.ACTIVE),
        (S.PENDING, A.EXCLUDE, S.EXCLUDED),
    ]:
        supplier = supplier_in(status)
        act(supplier, action)
        assert supplier.status is target


def test_the_refusal_lists_only_what_the_callers_roles_may_do() -> None:
    with pytest.raises(IllegalTransition) as caught:
        supplier_in(S.ACTIVE).verify(TODAY, at=NOW, roles={"auditor"})
    assert caught.value.allowed_actions == []
