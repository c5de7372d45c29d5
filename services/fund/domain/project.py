"""A project the fund finances: submission, the MoD's endorsement, approval, tranches and loans.

Decisions:

- **Submission** validates every field at once and answers one ``InvalidInput`` naming each
  (``milestones[1].amount``...). Milestones are numbered 1, 2, ... in the order given; their
  amounts sum to the budget exactly (no rounding: amounts are whole tiyn). Due dates are sensible
  when none is before the day of submission, none is before the previous milestone's, and none is
  more than 20 years on (the longest loan the fund grants).
- **Who.** Only ``mod_officer`` endorses; the rest is ``fund_officer``'s or ``integration``'s
  (``lifecycle.PROJECT``). A caller without the role gets ``ActionNotPermitted`` (403) before the
  status is looked at; a move the table does not draw gets ``IllegalTransition`` (409), sharpened
  to ``project_not_endorsed`` / ``project_not_approved`` where that is the reason.
- **Approval** needs the enterprise's status as the fund knows it from the registry's events:
  ``None`` (never heard of) is ``enterprise_unknown``, anything but ``active`` is
  ``enterprise_not_active``.
- **Tranches.** Completing a milestone with its evidence disburses its amount once; a second
  completion is ``tranche_already_disbursed``, and a tranche that would take disbursements past the
  budget (data corrupted or amended elsewhere) is ``tranche_exceeds_budget``.
- **Loans.** The budget not yet lent is ``budget - lent``; each loan's principal must fit in it.
- Every change adds 1 to ``version``; the moments (``at``) and days (``on``) are the caller's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from services.fund.domain.category import ProjectCategory
from services.fund.domain.errors import (
    ActionNotPermitted,
    EnterpriseNotActive,
    EnterpriseUnknown,
    LoanStartOutOfRange,
    MilestoneNotFound,
    PrincipalAboveAvailable,
    ProjectNotApproved,
    ProjectNotEndorsed,
    TrancheAlreadyDisbursed,
    TrancheExceedsBudget,
)
from services.fund.domain.lifecycle import PROJECT, ProjectAction, ProjectStatus, acting_roles
from services.fund.domain.loan import DEFAULT_MAX_RATE, Loan
from services.fund.domain.money import ZERO, kzt_amount, percent
from shared.errors import IllegalTransition, InvalidInput
from shared.principal import Principal

# The registry's status (contract section 4) in which an enterprise may receive the fund's money.
ENTERPRISE_ACTIVE = "active"

MAX_TITLE = 300
MAX_TEXT = 10_000
MAX_REASON = 2_000
MAX_MILESTONES = 100
MAX_HORIZON_YEARS = 20
MAX_START_AHEAD_DAYS = 366

_A = ProjectAction
_S = ProjectStatus
_CATEGORY_NAMES = frozenset(c.value for c in ProjectCategory)


@dataclass(frozen=True, slots=True)
class MilestonePlan:
    """A milestone as submitted: what it delivers, when, and the tranche it releases (KZT)."""

    name: str
    due_date: date
    amount: Decimal


@dataclass(slots=True)
class Milestone:
    n: int
    name: str
    due_date: date
    amount: Decimal
    completed_on: date | None = None
    evidence: str | None = None
    disbursed: bool = False


@dataclass(frozen=True, slots=True)
class Tranche:
    """Money to disburse for one completed milestone (``kz.sdo.fund.tranche_disbursed.v1``)."""

    project_id: UUID
    enterprise_id: UUID
    category: ProjectCategory
    milestone: int
    name: str
    amount: Decimal
    disbursed_on: date
    evidence: str
    disbursed_total: Decimal
    budget: Decimal


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One step of a project's history: a move of its status, or a tranche or loan that kept it."""

    action: str
    from_status: ProjectStatus | None
    to_status: ProjectStatus
    at: datetime
    actor: str
    reason: str | None = None
    event_id: UUID | None = None


@dataclass(slots=True)
class Project:
    id: UUID
    title: str
    enterprise_id: UUID
    category: ProjectCategory
    defense_need: str
    order_ids: tuple[UUID, ...]
    budget: Decimal
    local_content_target: Decimal
    milestones: list[Milestone]
    submitted_by: str
    submitted_on: date
    status: ProjectStatus = ProjectStatus.SUBMITTED
    lent: Decimal = ZERO
    endorsed_by: str | None = None
    endorsed_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    ended_by: str | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    version: int = 1
    submitted_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def submit(
        cls,
        actor: Principal,
        *,
        title: object,
        enterprise_id: object,
        category: object,
        defense_need: object,
        order_ids: Iterable[object],
        budget: object,
        local_content_target: object,
        milestones: Sequence[MilestonePlan],
        on: date,
        project_id: UUID | None = None,
        at: datetime | None = None,
    ) -> Project:
        """A new ``submitted`` project; ``on`` is the day of submission (the ministry's calendar), ``at`` the moment."""
        _require(actor, _A.SUBMIT)
        errors: list[tuple[str, str]] = []
        clean_title = _text(errors, title, "title", MAX_TITLE)
        clean_need = _text(errors, defense_need, "defense_need", MAX_TEXT)
        if not isinstance(enterprise_id, UUID):
            errors.append(("enterprise_id", "must be a supplier id (UUID)"))
        clean_category = _category(errors, category)
        orders = _order_ids(errors, order_ids)
        clean_budget = _checked(errors, kzt_amount, budget, "budget")
        target = _checked(errors, percent, local_content_target, "local_content_target")
        plan = _milestones(errors, milestones, clean_budget, on)
        if errors:
            raise InvalidInput.of(errors)
        assert isinstance(enterprise_id, UUID)
        assert clean_title and clean_need and clean_category and clean_budget is not None and target is not None
        return cls(
            id=project_id or uuid4(),
            title=clean_title,
            enterprise_id=enterprise_id,
            category=clean_category,
            defense_need=clean_need,
            order_ids=orders,
            budget=clean_budget,
            local_content_target=target,
            milestones=plan,
            submitted_by=actor.sub,
            submitted_on=on,
            submitted_at=at,
            updated_at=at,
        )

    # --- reading ---

    @property
    def disbursed(self) -> Decimal:
        return sum((m.amount for m in self.milestones if m.disbursed), ZERO)

    @property
    def available_to_lend(self) -> Decimal:
        """The budget not yet lent."""
        return self.budget - self.lent

    def allowed_actions(self, actor: Principal | None = None) -> list[str]:
        """Actions drawn from the current status (only the ones ``actor`` may perform, when given)."""
        return PROJECT.allowed_actions(self.status, None if actor is None else acting_roles(actor))

    def milestone(self, n: int) -> Milestone:
        for m in self.milestones:
            if m.n == n:
                return m
        raise MilestoneNotFound(self.id, n)

    # --- behaviour ---

    def endorse(self, actor: Principal, at: datetime) -> None:
        """The Ministry of Defense confirms the defense need; who and when are recorded."""
        self._move(actor, _A.ENDORSE)
        self.endorsed_by, self.endorsed_at = actor.sub, at

    def approve(self, actor: Principal, enterprise_status: str | None, at: datetime) -> None:
        """Approve an endorsed project of an active enterprise.

        ``enterprise_status`` is the enterprise's registry status as the fund last heard it
        (``supplier.status_changed`` and the registry's events), ``None`` when it has heard nothing.
        """
        roles = _require(actor, _A.APPROVE)
        if not PROJECT.can(self.status, _A.APPROVE):
            kind = ProjectNotEndorsed if self.status is _S.SUBMITTED else IllegalTransition
            raise kind("project", self.status, _A.APPROVE, PROJECT.allowed_actions(self.status, roles))
        if enterprise_status is None:
            raise EnterpriseUnknown(self.enterprise_id)
        if enterprise_status != ENTERPRISE_ACTIVE:
            raise EnterpriseNotActive(self.enterprise_id, enterprise_status)
        self._move(actor, _A.APPROVE)
        self.approved_by, self.approved_at = actor.sub, at

    def reject(self, actor: Principal, reason: object, at: datetime) -> None:
        """Turn down a submitted or endorsed project, saying why."""
        self._end(actor, _A.REJECT, reason, at)

    def close(self, actor: Principal, reason: object, at: datetime) -> None:
        """Close an approved project: no more tranches or loans (loans granted run on)."""
        self._end(actor, _A.CLOSE, reason, at)

    def complete_milestone(self, actor: Principal, n: int, evidence: object, on: date) -> Tranche:
        """Mark milestone ``n`` completed on ``on`` with its evidence: its tranche, to disburse once."""
        roles = _require(actor, _A.COMPLETE_MILESTONE)
        self._check_approved(_A.COMPLETE_MILESTONE, roles)
        milestone = self.milestone(n)
        errors: list[tuple[str, str]] = []
        proof = _text(errors, evidence, "evidence", MAX_TEXT)
        if errors:
            raise InvalidInput.of(errors)
        assert proof is not None
        if milestone.disbursed or milestone.completed_on is not None:
            raise TrancheAlreadyDisbursed(n, milestone.completed_on or on)
        disbursed = self.disbursed
        if disbursed + milestone.amount > self.budget:
            raise TrancheExceedsBudget(n, milestone.amount, disbursed, self.budget)
        milestone.completed_on, milestone.evidence, milestone.disbursed = on, proof, True
        self.version += 1
        return Tranche(
            project_id=self.id,
            enterprise_id=self.enterprise_id,
            category=self.category,
            milestone=n,
            name=milestone.name,
            amount=milestone.amount,
            disbursed_on=on,
            evidence=proof,
            disbursed_total=disbursed + milestone.amount,
            budget=self.budget,
        )

    def grant_loan(
        self,
        actor: Principal,
        *,
        principal: object,
        annual_rate: object,
        term_months: object,
        grace_months: object,
        start: date,
        at: datetime,
        max_rate: Decimal = DEFAULT_MAX_RATE,
        loan_id: UUID | None = None,
        today: date | None = None,
    ) -> Loan:
        """Lend to the project's enterprise, within the budget not yet lent; ``start`` begins the schedule.

        ``start`` may not be before the project was submitted (a loan agreement signed earlier is
        recorded from its own date) nor, when ``today`` is given, more than a year after it.
        """
        roles = _require(actor, _A.GRANT_LOAN)
        self._check_approved(_A.GRANT_LOAN, roles)
        if start < self.submitted_on:
            raise LoanStartOutOfRange(f"must not be before the project's submission, {self.submitted_on.isoformat()}")
        if today is not None and (start - today).days > MAX_START_AHEAD_DAYS:
            raise LoanStartOutOfRange(f"must be within {MAX_START_AHEAD_DAYS} days of today, {today.isoformat()}")
        loan = Loan.grant(
            project_id=self.id,
            enterprise_id=self.enterprise_id,
            category=self.category,
            principal=principal,
            annual_rate=annual_rate,
            term_months=term_months,
            grace_months=grace_months,
            start=start,
            granted_by=actor.sub,
            at=at,
            max_rate=max_rate,
            loan_id=loan_id,
        )
        if loan.principal > self.available_to_lend:
            raise PrincipalAboveAvailable(loan.principal, self.available_to_lend)
        self.lent += loan.principal
        self.version += 1
        return loan

    # --- the moves ---

    def _move(self, actor: Principal, action: ProjectAction) -> None:
        roles = _require(actor, action)
        self.status = PROJECT.move(self.status, action, roles)
        self.version += 1

    def _check_approved(self, action: ProjectAction, roles: frozenset[str]) -> None:
        if not PROJECT.can(self.status, action):
            raise ProjectNotApproved("project", self.status, action, PROJECT.allowed_actions(self.status, roles))

    def _end(self, actor: Principal, action: ProjectAction, reason: object, at: datetime) -> None:
        roles = _require(actor, action)
        PROJECT.move(self.status, action, roles)  # refuse an illegal move before judging the reason
        errors: list[tuple[str, str]] = []
        why = _text(errors, reason, "reason", MAX_REASON)
        if errors:
            raise InvalidInput.of(errors)
        self._move(actor, action)
        self.ended_by, self.ended_at, self.end_reason = actor.sub, at, why


def _require(actor: Principal, action: ProjectAction) -> frozenset[str]:
    roles = acting_roles(actor)
    if not PROJECT.may(roles, action):
        raise ActionNotPermitted("project", action, roles, PROJECT.roles_for(action))
    return roles


# --- validation of a submission ----------------------------------------------------------------


def _checked(
    errors: list[tuple[str, str]], check: Callable[[object, str], Decimal], value: object, name: str
) -> Decimal | None:
    try:
        return check(value, name)
    except InvalidInput as exc:
        errors.extend((e["field"], e["message"]) for e in exc.errors)
        return None


def _text(errors: list[tuple[str, str]], value: object, name: str, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.append((name, "must be a non-empty text"))
        return None
    text = value.strip()
    if len(text) > limit:
        errors.append((name, f"must be at most {limit} characters"))
        return None
    return text


def _category(errors: list[tuple[str, str]], value: object) -> ProjectCategory | None:
    if isinstance(value, str) and value in _CATEGORY_NAMES:
        return ProjectCategory(value)
    errors.append(("category", f"must be one of {', '.join(ProjectCategory)}"))
    return None


def _order_ids(errors: list[tuple[str, str]], values: Iterable[object]) -> tuple[UUID, ...]:
    seen: list[UUID] = []
    for index, value in enumerate(values):
        if not isinstance(value, UUID):
            errors.append((f"order_ids[{index}]", "must be an order id (UUID)"))
        elif value in seen:
            errors.append((f"order_ids[{index}]", "is listed twice"))
        else:
            seen.append(value)
    return tuple(seen)


def _milestones(
    errors: list[tuple[str, str]], plans: Sequence[MilestonePlan], budget: Decimal | None, on: date
) -> list[Milestone]:
    if not plans:
        errors.append(("milestones", "at least one milestone is required"))
        return []
    if len(plans) > MAX_MILESTONES:
        errors.append(("milestones", f"at most {MAX_MILESTONES} milestones"))
        return []
    horizon = _years_after(on, MAX_HORIZON_YEARS)
    out: list[Milestone] = []
    total = ZERO
    amounts_valid = True
    previous: date | None = None
    for index, plan in enumerate(plans):
        where = f"milestones[{index}]"
        name = _text(errors, plan.name, f"{where}.name", MAX_TITLE)
        amount = _checked(errors, kzt_amount, plan.amount, f"{where}.amount")
        due: date | None = plan.due_date
        if not isinstance(due, date) or isinstance(due, datetime):
            errors.append((f"{where}.due_date", "must be a date"))
            due = None
        elif due < on:
            errors.append((f"{where}.due_date", f"must not be before the day of submission, {on.isoformat()}"))
        elif previous is not None and due < previous:
            errors.append((f"{where}.due_date", f"must not be before the previous milestone's, {previous.isoformat()}"))
        elif due > horizon:
            errors.append((f"{where}.due_date", f"must be within {MAX_HORIZON_YEARS} years of submission"))
        if due is not None:
            previous = due
        if amount is None:
            amounts_valid = False
        else:
            total += amount
        if name is not None and amount is not None and due is not None:
            out.append(Milestone(n=index + 1, name=name, due_date=due, amount=amount))
    if budget is not None and amounts_valid and total != budget:
        errors.append(("milestones", f"amounts sum to {total} KZT; they must sum to the budget, {budget} KZT"))
    return out


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
