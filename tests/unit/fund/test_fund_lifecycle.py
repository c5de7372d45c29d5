"""The project lifecycle and who may act, read against contract section 9."""

from __future__ import annotations

import itertools

import pytest

from services.fund.domain.lifecycle import (
    FUND_OFFICER,
    LOAN,
    PROJECT,
    LoanAction,
    LoanStatus,
    ProjectAction,
    ProjectStatus,
    acting_roles,
)
from shared.principal import Principal

# The diagram, written out by hand: submitted -> endorsed -> approved -> closed, or rejected.
DRAWN: dict[tuple[str, str], str] = {
    ("submitted", "endorse"): "endorsed",
    ("endorsed", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("endorsed", "reject"): "rejected",
    ("approved", "close"): "closed",
    ("approved", "complete-milestone"): "approved",
    ("approved", "grant-loan"): "approved",
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(ProjectStatus, ProjectAction)))
def test_the_table_draws_exactly_the_moves_of_the_diagram(status: ProjectStatus, action: ProjectAction) -> None:
    drawn = DRAWN.get((status.value, action.value))

    assert PROJECT.can(status, action) is (drawn is not None)
    if drawn is not None:
        assert PROJECT.move(status, action) == drawn


def test_closed_and_rejected_projects_are_final() -> None:
    assert PROJECT.is_final(ProjectStatus.CLOSED)
    assert PROJECT.is_final(ProjectStatus.REJECTED)
    assert not PROJECT.is_final(ProjectStatus.APPROVED)


def test_only_the_ministry_of_defense_endorses() -> None:
    assert PROJECT.roles_for(ProjectAction.ENDORSE) == {"mod_officer"}


@pytest.mark.parametrize("action", [a for a in ProjectAction if a is not ProjectAction.ENDORSE])
def test_every_other_project_action_is_the_fund_officers_and_integrations(action: ProjectAction) -> None:
    assert PROJECT.roles_for(action) == {"fund_officer", "integration"}


def test_repayments_are_recorded_by_the_fund_officer_or_integration() -> None:
    assert LOAN.roles_for(LoanAction.REPAY) == {"fund_officer", "integration"}


@pytest.mark.parametrize("action", list(LoanAction))
def test_a_repayment_or_the_overdue_check_may_leave_a_live_loan_in_any_status_but_a_repaid_one_is_final(
    action: LoanAction,
) -> None:
    for status in (LoanStatus.ACTIVE, LoanStatus.OVERDUE):
        assert LOAN.outcomes(status, action) == {"active", "overdue", "repaid"}
    assert not LOAN.can(LoanStatus.REPAID, action)
    assert LOAN.is_final(LoanStatus.REPAID)


def test_only_the_internal_system_actor_runs_the_overdue_check() -> None:
    assert LOAN.roles_for(LoanAction.CHECK) == {"system"}


def test_integration_acts_as_a_fund_officer_but_not_as_a_ministry_of_defense_officer() -> None:
    system = Principal("ministry-system", frozenset({"integration"}))

    roles = acting_roles(system)

    assert FUND_OFFICER in roles
    assert "mod_officer" not in roles
    assert "mod_officer" in system.effective_roles  # which is why the fund does not read those
    assert not PROJECT.may(roles, ProjectAction.ENDORSE)
    assert PROJECT.may(roles, ProjectAction.APPROVE)


def test_the_actions_allowed_now_are_those_the_caller_may_take() -> None:
    officer = acting_roles(Principal("o", frozenset({"fund_officer"})))
    ministry = acting_roles(Principal("m", frozenset({"mod_officer"})))

    assert PROJECT.allowed_actions(ProjectStatus.SUBMITTED) == ["endorse", "reject"]
    assert PROJECT.allowed_actions(ProjectStatus.SUBMITTED, officer) == ["reject"]
    assert PROJECT.allowed_actions(ProjectStatus.SUBMITTED, ministry) == ["endorse"]
    assert PROJECT.allowed_actions(ProjectStatus.APPROVED, officer) == ["close", "complete-milestone", "grant-loan"]
