"""Loans of the fund: terms, the annuity schedule, repayments and overdue status.

Decisions, so readers of ``GET /api/v1/loans/{id}/schedule`` know what they get:

- **Rates.** ``annual_rate`` is percent a year, 0 ≤ rate ≤ the fund's maximum
  (``SDO_FUND_MAX_RATE``, default 5), at most 4 decimal places. The monthly rate is
  ``annual_rate / 12 / 100``. A 0 % rate is allowed (an interest-free loan is one of the fund's
  instruments): the level payment is then ``principal / months``.
- **Grace.** The first ``grace_months`` pay interest only; then an annuity over the remaining
  ``term_months - grace_months`` months repays the principal.
- **Rounding.** Every figure is rounded to the tiyn, half up: the level payment once, each month's
  interest on the balance outstanding; the principal part is ``payment - interest``. The last
  installment absorbs the rounding: its principal is whatever balance is left, so the principal
  repaid sums to the principal exactly and the final balance is 0. Intermediate arithmetic runs at
  50 significant digits, so the only roundings are those to the tiyn.
- **Due dates.** Installment *k* falls due *k* months after the start date, on the start's day
  of the month clamped to the month's end (a loan started on 31 January is due on 29 February,
  31 March, 30 April...). Dates are calendar dates of the ministry (``SDO_TIMEZONE``,
  Asia/Almaty): the caller converts; this module never reads a clock.
- **Repayments** are recorded in date order and allocated oldest installment first, within an
  installment interest then principal; what exceeds the installments already due pays the
  following ones in the same order (the schedule itself never changes). A repayment above
  everything still to be paid is refused.
- **Overdue.** An installment not fully paid by the end of its due date is past due: on any later
  day the loan is ``overdue``. Paying the arrears makes it ``active`` again; paying everything
  makes it ``repaid`` (final).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, localcontext
from enum import StrEnum
from uuid import UUID, uuid4

from services.fund.domain.category import ProjectCategory
from services.fund.domain.errors import (
    ActionNotPermitted,
    RepaymentAboveOutstanding,
    RepaymentOutOfOrder,
)
from services.fund.domain.lifecycle import LOAN, LoanAction, LoanStatus, acting_roles
from services.fund.domain.money import ZERO, kzt_amount, percent, to_tiyn
from shared.errors import InvalidInput
from shared.principal import Principal

DEFAULT_MAX_RATE = Decimal("5")
MIN_TERM_MONTHS = 1
MAX_TERM_MONTHS = 240
RATE_DECIMAL_PLACES = 4
# Wide enough that (1 + i) ** 240 and the divisions stay exact far below the tiyn.
_PRECISION = 50
_MONTHS_PERCENT = Decimal(1200)  # 12 months x 100 percent


@dataclass(frozen=True, slots=True)
class Installment:
    """One row of the schedule; ``balance`` is the principal left after this installment."""

    month: int
    due_date: date
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Repayment:
    """Money received on a loan, on a day of the ministry's calendar; who recorded it, and when."""

    on: date
    amount: Decimal
    recorded_by: str | None = None
    recorded_at: datetime | None = None


class InstallmentState(StrEnum):
    PAID = "paid"
    # Due before the day asked and not fully paid: arrears.
    PAST_DUE = "past_due"
    # Falls due on the day asked or later, not yet fully paid.
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class InstallmentStanding:
    """An installment as it stands on a day: what was paid towards it and whether it is late."""

    installment: Installment
    paid: Decimal
    state: InstallmentState

    @property
    def unpaid(self) -> Decimal:
        return self.installment.payment - self.paid


@dataclass(frozen=True, slots=True)
class Allocation:
    """The part of a repayment that went to one installment."""

    month: int
    interest: Decimal
    principal: Decimal

    @property
    def total(self) -> Decimal:
        return self.interest + self.principal


@dataclass(frozen=True, slots=True)
class RepaymentReceipt:
    """What one repayment paid, and where the loan stands after it."""

    loan_id: UUID
    seq: int
    on: date
    amount: Decimal
    allocations: tuple[Allocation, ...]
    status: LoanStatus
    remaining: Decimal
    outstanding_principal: Decimal
    arrears: Decimal


# --- the calendar and the arithmetic -------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """``start`` moved ``months`` calendar months on, its day clamped to the month's end."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last_day))


def monthly_interest(balance: Decimal, annual_rate: Decimal) -> Decimal:
    """A month's interest on ``balance``: ``balance * annual_rate / 12 / 100``, to the tiyn, half up."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return to_tiyn(balance * annual_rate / _MONTHS_PERCENT)


def annuity_payment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The level payment repaying ``principal`` over ``months`` at ``annual_rate`` percent, to the tiyn.

    ``P*i / (1 - (1 + i)**-n)`` with the monthly rate ``i``; ``P / n`` when the rate is 0.
    """
    if months < 1:
        raise ValueError("an annuity needs at least one month")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if annual_rate == 0:
            return to_tiyn(principal / months)
        rate = annual_rate / _MONTHS_PERCENT
        growth = (1 + rate) ** months
        return to_tiyn(principal * rate * growth / (growth - 1))


def build_schedule(
    principal: Decimal, annual_rate: Decimal, term_months: int, grace_months: int, start: date
) -> list[Installment]:
    """The schedule of a loan with these terms (see the module's decisions)."""
    if not 0 <= grace_months < term_months:
        raise ValueError("grace must be shorter than the term")
    amortizing = term_months - grace_months
    level = annuity_payment(principal, annual_rate, amortizing)
    rows: list[Installment] = []
    balance = principal
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        for month in range(1, term_months + 1):
            interest = to_tiyn(balance * annual_rate / _MONTHS_PERCENT)  # as monthly_interest does
            if month <= grace_months:
                part = ZERO
            elif month == term_months:
                part = balance  # the last installment absorbs the rounding
            else:
                # The level payment is above a month's interest on any balance up to the principal,
                # so the part is never negative; on a tiny loan rounding could repay it early: min.
                part = min(level - interest, balance)
            balance -= part
            rows.append(Installment(month, add_months(start, month), interest + part, interest, part, balance))
    return rows


def schedule(loan: Loan) -> list[Installment]:
    """The loan's repayment schedule: grace months of interest, then the annuity."""
    return build_schedule(loan.principal, loan.annual_rate, loan.term_months, loan.grace_months, loan.start_date)


def check_terms(
    principal: object,
    annual_rate: object,
    term_months: object,
    grace_months: object,
    *,
    max_rate: Decimal = DEFAULT_MAX_RATE,
) -> tuple[Decimal, Decimal, int, int]:
    """The terms, validated together: one ``InvalidInput`` naming every field at fault."""
    errors: list[tuple[str, str]] = []
    amount = _collect(errors, lambda: kzt_amount(principal, "principal"))
    rate = _collect(errors, lambda: percent(annual_rate, "annual_rate", places=RATE_DECIMAL_PLACES))
    if rate is not None and rate > max_rate:
        errors.append(("annual_rate", f"{rate}% is above the fund's maximum rate of {max_rate}%"))
    term = _months(errors, term_months, "term_months", MIN_TERM_MONTHS, MAX_TERM_MONTHS)
    grace = _months(errors, grace_months, "grace_months", 0, MAX_TERM_MONTHS - 1)
    if term is not None and grace is not None and grace >= term:
        errors.append(("grace_months", f"must be shorter than the term of {term} months"))
    if errors:
        raise InvalidInput.of(errors)
    assert amount is not None and rate is not None and term is not None and grace is not None
    return amount, rate, term, grace


def parse_max_rate(text: str | None) -> Decimal:
    """Read ``SDO_FUND_MAX_RATE`` (percent a year, above 0, at most 100); empty means the default 5."""
    if text is None or not text.strip():
        return DEFAULT_MAX_RATE
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        raise InvalidInput("SDO_FUND_MAX_RATE", f"must be a number, got {text!r}") from None
    if not value.is_finite() or not Decimal(0) < value <= Decimal(100):
        raise InvalidInput("SDO_FUND_MAX_RATE", f"must be above 0 and at most 100, got {text!r}")
    return value


# --- the aggregate -----------------------------------------------------------------------------


@dataclass(slots=True)
class Loan:
    """A loan to a project's enterprise, with its repayments in the order they were recorded."""

    id: UUID
    project_id: UUID
    enterprise_id: UUID
    category: ProjectCategory
    principal: Decimal
    annual_rate: Decimal
    term_months: int
    grace_months: int
    start_date: date
    granted_by: str
    granted_at: datetime
    repayments: list[Repayment] = field(default_factory=list)
    status: LoanStatus = LoanStatus.ACTIVE
    version: int = 1
    updated_at: datetime | None = None
    _schedule: tuple[tuple[object, ...], list[Installment]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def grant(
        cls,
        *,
        project_id: UUID,
        enterprise_id: UUID,
        category: ProjectCategory,
        principal: object,
        annual_rate: object,
        term_months: object,
        grace_months: object,
        start: date,
        granted_by: str,
        at: datetime,
        max_rate: Decimal = DEFAULT_MAX_RATE,
        loan_id: UUID | None = None,
    ) -> Loan:
        """A new loan on validated terms. Its project checks the budget (``Project.grant_loan``)."""
        amount, rate, term, grace = check_terms(principal, annual_rate, term_months, grace_months, max_rate=max_rate)
        return cls(
            id=loan_id or uuid4(),
            project_id=project_id,
            enterprise_id=enterprise_id,
            category=ProjectCategory(category),
            principal=amount,
            annual_rate=rate,
            term_months=term,
            grace_months=grace,
            start_date=start,
            granted_by=granted_by,
            granted_at=at,
        )

    # --- reading the ledger ---

    @property
    def installments(self) -> list[Installment]:
        """The schedule, computed once per set of terms (terms do not change after the grant)."""
        key = (self.principal, self.annual_rate, self.term_months, self.grace_months, self.start_date)
        if self._schedule is None or self._schedule[0] != key:
            self._schedule = (key, schedule(self))
        return list(self._schedule[1])

    @property
    def maturity_date(self) -> date:
        return add_months(self.start_date, self.term_months)

    @property
    def total_due(self) -> Decimal:
        """Everything the schedule asks for: principal and all interest."""
        return sum((row.payment for row in self.installments), ZERO)

    @property
    def level_payment(self) -> Decimal:
        """The annuity's level payment, due every month after the grace months (the last absorbs rounding)."""
        return annuity_payment(self.principal, self.annual_rate, self.term_months - self.grace_months)

    @property
    def total_interest(self) -> Decimal:
        return sum((row.interest for row in self.installments), ZERO)

    @property
    def total_repaid(self) -> Decimal:
        return sum((r.amount for r in self.repayments), ZERO)

    def remaining(self, on: date | None = None) -> Decimal:
        """What is still to be paid (principal and interest), counting repayments up to ``on``."""
        rows = self.installments
        ledger = _Ledger(rows, self._repayments_until(on))
        return sum((row.payment for row in rows), ZERO) - ledger.paid_total()

    def outstanding_principal(self, on: date | None = None) -> Decimal:
        """Principal not yet repaid, counting repayments up to ``on`` (all when None)."""
        ledger = _Ledger(self.installments, self._repayments_until(on))
        return self.principal - sum(ledger.principal_paid, ZERO)

    def arrears_on(self, day: date) -> Decimal:
        """What fell due before ``day`` and was not paid by ``day``."""
        rows = self.installments
        ledger = _Ledger(rows, self._repayments_until(day))
        return sum((ledger.unpaid(i) for i, row in enumerate(rows) if row.due_date < day), ZERO)

    def overdue_on(self, day: date) -> bool:
        """Whether an installment due before ``day`` was still not fully paid on ``day``."""
        return self.arrears_on(day) > 0

    def status_on(self, day: date) -> LoanStatus:
        if self.remaining(day) == 0:
            return LoanStatus.REPAID
        return LoanStatus.OVERDUE if self.overdue_on(day) else LoanStatus.ACTIVE

    def standing_on(self, day: date) -> list[InstallmentStanding]:
        """Each installment on ``day``: paid towards it by then, and paid, past due or open."""
        rows = self.installments
        ledger = _Ledger(rows, self._repayments_until(day))
        out = []
        for index, row in enumerate(rows):
            unpaid = ledger.unpaid(index)
            if unpaid == 0:
                state = InstallmentState.PAID
            elif row.due_date < day:
                state = InstallmentState.PAST_DUE
            else:
                state = InstallmentState.OPEN
            out.append(InstallmentStanding(row, row.payment - unpaid, state))
        return out

    def allocations(self) -> list[tuple[Allocation, ...]]:
        """Where each recorded repayment went, in recording order."""
        ledger = _Ledger(self.installments, ())
        return [ledger.apply(r) for r in self.repayments]

    # --- behaviour ---

    def repay(self, actor: Principal, amount: object, on: date, at: datetime | None = None) -> RepaymentReceipt:
        """Record money received on ``on`` and allocate it; the status becomes the ledger's verdict on ``on``.

        ``on`` is the day the money came in, on the ministry's calendar (normally today); ``at`` the
        moment it was recorded. A handler that accepts an earlier value date should also
        ``refresh_status(today)``.
        """
        roles = acting_roles(actor)
        if not LOAN.may(roles, LoanAction.REPAY):
            raise ActionNotPermitted("loan", LoanAction.REPAY, roles, LOAN.roles_for(LoanAction.REPAY))
        if not LOAN.can(self.status, LoanAction.REPAY):  # a repaid loan takes nothing more: 409
            LOAN.move(self.status, LoanAction.REPAY, roles)
        value = kzt_amount(amount, "amount")
        earliest = self.repayments[-1].on if self.repayments else self.start_date
        if on < earliest:
            raise RepaymentOutOfOrder(on, earliest)
        rows = self.installments
        ledger = _Ledger(rows, self.repayments)
        left = sum((row.payment for row in rows), ZERO) - ledger.paid_total()
        if value > left:
            raise RepaymentAboveOutstanding(value, left)
        repayment = Repayment(on, value, actor.sub, at)
        allocations = ledger.apply(repayment)
        self.repayments.append(repayment)
        self.status = LOAN.move(self.status, LoanAction.REPAY, roles, to=self.status_on(on))
        self.version += 1
        return RepaymentReceipt(
            loan_id=self.id,
            seq=len(self.repayments),
            on=on,
            amount=value,
            allocations=allocations,
            status=self.status,
            remaining=left - value,
            outstanding_principal=self.principal - sum(ledger.principal_paid, ZERO),
            arrears=self.arrears_on(on),
        )

    def refresh_status(self, day: date) -> bool:
        """The background check: set the status the ledger gives on ``day``; True when it changed."""
        if LOAN.is_final(self.status):
            return False
        status = self.status_on(day)
        if status is self.status:
            return False
        self.status = LOAN.move(self.status, LoanAction.CHECK, to=status)
        self.version += 1
        return True

    def _repayments_until(self, day: date | None) -> list[Repayment]:
        return list(self.repayments) if day is None else [r for r in self.repayments if r.on <= day]


class _Ledger:
    """Interest and principal paid against each installment, as repayments are applied in order."""

    def __init__(self, rows: Sequence[Installment], repayments: Iterable[Repayment]) -> None:
        self.rows = rows
        self.interest_paid = [ZERO] * len(rows)
        self.principal_paid = [ZERO] * len(rows)
        for repayment in repayments:
            self.apply(repayment)

    def unpaid(self, index: int) -> Decimal:
        row = self.rows[index]
        return row.payment - self.interest_paid[index] - self.principal_paid[index]

    def paid_total(self) -> Decimal:
        return sum(self.interest_paid, ZERO) + sum(self.principal_paid, ZERO)

    def apply(self, repayment: Repayment) -> tuple[Allocation, ...]:
        # The rows are in due-date order, so "oldest first" serves the installments already due
        # before paying ahead on the following ones.
        left = repayment.amount
        out: list[Allocation] = []
        for index, row in enumerate(self.rows):
            if left <= 0:
                break
            interest = min(left, row.interest - self.interest_paid[index])
            left -= interest
            principal = min(left, row.principal - self.principal_paid[index])
            left -= principal
            if interest or principal:
                self.interest_paid[index] += interest
                self.principal_paid[index] += principal
                out.append(Allocation(row.month, interest, principal))
        return tuple(out)


def _collect(errors: list[tuple[str, str]], check: Callable[[], Decimal]) -> Decimal | None:
    try:
        return check()
    except InvalidInput as exc:
        errors.extend((e["field"], e["message"]) for e in exc.errors)
        return None


def _months(errors: list[tuple[str, str]], value: object, name: str, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append((name, "must be a whole number of months"))
        return None
    if not low <= value <= high:
        errors.append((name, f"must be from {low} to {high} months"))
        return None
    return value
