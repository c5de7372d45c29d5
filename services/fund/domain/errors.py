"""Refusals of the fund's rules, as sharper kinds of ``shared.errors``.

``shared/http`` maps each kind once (``NotFound`` 404, ``InvalidInput`` 422, ``NotPermitted`` 403,
``Refused`` and ``IllegalTransition`` 409); ``code`` names the reason, becoming the problem type
``urn:sdo:problem:<code>``, and the keyword details become members of the problem body.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from uuid import UUID

from shared.errors import IllegalTransition, InvalidInput, NotFound, NotPermitted, Refused


class ActionNotPermitted(NotPermitted):
    """None of the caller's roles may perform the action (e.g. anyone but ``mod_officer`` endorsing)."""

    code = "action_not_permitted"

    def __init__(self, resource: str, action: str, roles: Iterable[str], allowed_roles: Iterable[str]) -> None:
        self.action = str(action)
        self.roles = sorted(str(r) for r in roles)
        self.allowed_roles = sorted(str(r) for r in allowed_roles)
        super().__init__(
            f"roles {self.roles} may not {self.action} a {resource}; only {', '.join(self.allowed_roles)} may",
            action=self.action,
            allowed_roles=self.allowed_roles,
        )


class ProjectNotEndorsed(IllegalTransition):
    """Approval asked of a project the Ministry of Defense has not endorsed."""

    code = "project_not_endorsed"


class ProjectNotApproved(IllegalTransition):
    """A tranche or a loan asked of a project that is not (or no longer) approved."""

    code = "project_not_approved"


class EnterpriseUnknown(Refused):
    """The fund has heard nothing of the enterprise, so cannot say it is active."""

    code = "enterprise_unknown"

    def __init__(self, enterprise_id: UUID) -> None:
        super().__init__(
            f"enterprise {enterprise_id} is not known to the fund yet; it approves projects of active enterprises only",
            enterprise_id=str(enterprise_id),
        )


class EnterpriseNotActive(Refused):
    """The enterprise's last known registry status is not ``active``."""

    code = "enterprise_not_active"

    def __init__(self, enterprise_id: UUID, status: str) -> None:
        super().__init__(
            f"enterprise {enterprise_id} is {status}; the fund approves projects of active enterprises only",
            enterprise_id=str(enterprise_id),
            enterprise_status=status,
        )


class EnterpriseExcluded(Refused):
    """The registry excluded the enterprise: the fund takes no project of it."""

    code = "enterprise_excluded"

    def __init__(self, enterprise_id: UUID) -> None:
        super().__init__(
            f"enterprise {enterprise_id} is excluded from the registry; the fund takes no project of it",
            enterprise_id=str(enterprise_id),
            enterprise_status="excluded",
        )


class MilestoneNotFound(NotFound):
    code = "milestone_not_found"

    def __init__(self, project_id: UUID, n: int) -> None:
        super().__init__(f"project {project_id} has no milestone {n}", milestone=n)


class TrancheAlreadyDisbursed(Refused):
    """A milestone's tranche is disbursed once; a second completion is refused."""

    code = "tranche_already_disbursed"

    def __init__(self, n: int, completed_on: date) -> None:
        super().__init__(
            f"milestone {n} was completed on {completed_on.isoformat()} and its tranche disbursed",
            milestone=n,
            completed_on=completed_on.isoformat(),
        )


class TrancheExceedsBudget(Refused):
    """Disbursing the tranche would take the project's disbursements past its budget."""

    code = "tranche_exceeds_budget"

    def __init__(self, n: int, amount: Decimal, disbursed: Decimal, budget: Decimal) -> None:
        super().__init__(
            f"the tranche of milestone {n} ({amount} KZT) would take disbursements to "
            f"{disbursed + amount} KZT, above the budget of {budget} KZT",
            milestone=n,
            amount=str(amount),
            disbursed=str(disbursed),
            budget=str(budget),
        )


class PrincipalAboveAvailable(InvalidInput):
    """The loan's principal is more than the project's budget not yet lent."""

    code = "principal_above_available"

    def __init__(self, principal: Decimal, available: Decimal) -> None:
        super().__init__(
            "principal",
            f"{principal} KZT is more than the {available} KZT of the budget not yet lent",
            available=str(available),
        )


class RateAboveMaximum(InvalidInput):
    code = "rate_above_maximum"

    def __init__(self, rate: Decimal, max_rate: Decimal) -> None:
        super().__init__("annual_rate", f"{rate}% is above the fund's maximum of {max_rate}%", max_rate=str(max_rate))


class RepaymentAboveOutstanding(InvalidInput):
    """A repayment larger than everything still to be paid on the loan."""

    code = "repayment_above_outstanding"

    def __init__(self, amount: Decimal, remaining: Decimal) -> None:
        super().__init__(
            "amount",
            f"{amount} KZT is more than the {remaining} KZT still to be paid on the loan",
            remaining=str(remaining),
        )


class RepaymentInTheFuture(InvalidInput):
    """Money is recorded when it has come in, not before."""

    code = "repayment_in_the_future"

    def __init__(self, on: date, today: date) -> None:
        super().__init__("on", f"{on.isoformat()} is after today, {today.isoformat()}; record money once received")


class LoanStartOutOfRange(InvalidInput):
    code = "loan_start_out_of_range"

    def __init__(self, message: str) -> None:
        super().__init__("start_date", message)


class RepaymentOutOfOrder(Refused):
    """A repayment dated before the loan's start or before the last recorded repayment."""

    code = "repayment_out_of_order"

    def __init__(self, on: date, earliest: date) -> None:
        super().__init__(
            f"a repayment on {on.isoformat()} comes before {earliest.isoformat()}; "
            "repayments are recorded in date order",
            earliest=earliest.isoformat(),
        )
