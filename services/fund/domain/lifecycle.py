"""Statuses, business verbs and who may act, for the fund's projects and loans.

Contract section 9: ``submitted → endorsed → approved → closed``, or ``rejected`` from submitted
or endorsed. Only ``mod_officer`` endorses (the Ministry of Defense confirms the defense need);
everything else is the fund's: ``fund_officer``, and ``integration`` (a ministry system) which may
do what ``fund_officer`` may. ``integration`` does *not* endorse here: section 9 says "mod_officer
only", which is narrower than section 2's "integration may do what mod_officer may". So the fund
reads a caller's declared roles (``acting_roles``), never ``Principal.effective_roles``, whose
implication would let ``integration`` endorse.
"""

from __future__ import annotations

from enum import StrEnum

from shared.lifecycle import SYSTEM, Lifecycle
from shared.principal import Principal, Role

FUND_OFFICER: str = Role.FUND_OFFICER
MOD_OFFICER: str = Role.MOD_OFFICER
INTEGRATION: str = Role.INTEGRATION

FUND: frozenset[str] = frozenset({FUND_OFFICER, INTEGRATION})
MINISTRY_OF_DEFENSE: frozenset[str] = frozenset({MOD_OFFICER})


class ProjectStatus(StrEnum):
    SUBMITTED = "submitted"
    ENDORSED = "endorsed"
    APPROVED = "approved"
    CLOSED = "closed"
    REJECTED = "rejected"


class ProjectAction(StrEnum):
    """Business verbs, spelled as their URL segment."""

    SUBMIT = "submit"
    ENDORSE = "endorse"
    APPROVE = "approve"
    REJECT = "reject"
    CLOSE = "close"
    COMPLETE_MILESTONE = "complete-milestone"
    GRANT_LOAN = "grant-loan"


class LoanStatus(StrEnum):
    ACTIVE = "active"
    OVERDUE = "overdue"
    REPAID = "repaid"


class LoanAction(StrEnum):
    REPAY = "repay"
    # The background check on the schedule's due dates; only the internal system actor runs it.
    CHECK = "check"


_S = ProjectStatus
_A = ProjectAction

# ``submit`` creates the project, so it draws from no status; it is listed for its roles.
# Milestones and loans leave an approved project approved: listing them makes "approved only" a
# rule of the table, answered with the same 409 as every other move.
PROJECT: Lifecycle[ProjectStatus, ProjectAction] = Lifecycle(
    "project",
    {
        (_S.SUBMITTED, _A.ENDORSE): _S.ENDORSED,
        (_S.ENDORSED, _A.APPROVE): _S.APPROVED,
        (_S.SUBMITTED, _A.REJECT): _S.REJECTED,
        (_S.ENDORSED, _A.REJECT): _S.REJECTED,
        (_S.APPROVED, _A.CLOSE): _S.CLOSED,
        (_S.APPROVED, _A.COMPLETE_MILESTONE): _S.APPROVED,
        (_S.APPROVED, _A.GRANT_LOAN): _S.APPROVED,
    },
    roles={
        _A.SUBMIT: FUND,
        _A.ENDORSE: MINISTRY_OF_DEFENSE,
        _A.APPROVE: FUND,
        _A.REJECT: FUND,
        _A.CLOSE: FUND,
        _A.COMPLETE_MILESTONE: FUND,
        _A.GRANT_LOAN: FUND,
    },
)

# A repayment or the overdue check leads where the loan's ledger says (``Loan.status_on``): the
# table names every outcome, the ledger picks one, and ``move(..., to=...)`` checks the pick.
_LOAN_OUTCOMES = frozenset(LoanStatus)
LOAN: Lifecycle[LoanStatus, LoanAction] = Lifecycle(
    "loan",
    {
        (LoanStatus.ACTIVE, LoanAction.REPAY): _LOAN_OUTCOMES,
        (LoanStatus.OVERDUE, LoanAction.REPAY): _LOAN_OUTCOMES,
        (LoanStatus.ACTIVE, LoanAction.CHECK): _LOAN_OUTCOMES,
        (LoanStatus.OVERDUE, LoanAction.CHECK): _LOAN_OUTCOMES,
    },
    roles={LoanAction.REPAY: FUND, LoanAction.CHECK: frozenset({SYSTEM})},
)


def acting_roles(actor: Principal) -> frozenset[str]:
    """The roles the fund honours: the token's own, with ``integration`` standing for ``fund_officer``.

    Deliberately not ``actor.effective_roles``: that adds ``mod_officer`` to ``integration``.
    """
    roles = frozenset(str(r) for r in actor.roles)
    return roles | {FUND_OFFICER} if INTEGRATION in roles else roles
