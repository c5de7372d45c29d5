"""Repayments: allocation to installments, overdue and repaid loans."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.fund.domain.category import ProjectCategory
from services.fund.domain.errors import ActionNotPermitted, RepaymentAboveOutstanding, RepaymentOutOfOrder
from services.fund.domain.lifecycle import LoanStatus
from services.fund.domain.loan import Allocation, Loan
from shared.errors import IllegalTransition, InvalidInput
from shared.principal import Principal

D = Decimal
OFFICER = Principal("officer", frozenset({"fund_officer"}))
INTEGRATION = Principal("treasury-system", frozenset({"integration"}))
GRANTED_AT = datetime(2025, 1, 31, 9, 0, tzinfo=UTC)


def small_loan() -> Loan:
    """1,000.00 at 12% over 3 months from 31 January 2025 (the hand-worked schedule):

    month 1, due 2025-02-28: 340.02 = interest 10.00 + principal 330.02
    month 2, due 2025-03-31: 340.02 = interest  6.70 + principal 333.32
    month 3, due 2025-04-30: 340.03 = interest  3.37 + principal 336.66       total 1,020.07
    """
    return Loan.grant(
        project_id=uuid4(),
        enterprise_id=uuid4(),
        category=ProjectCategory.REPAIR,
        principal=D("1000.00"),
        annual_rate=D("12"),
        term_months=3,
        grace_months=0,
        start=date(2025, 1, 31),
        granted_by="officer",
        at=GRANTED_AT,
        max_rate=D("12"),
    )


def test_a_new_loan_is_active_and_owes_its_whole_schedule() -> None:
    loan = small_loan()

    assert loan.status is LoanStatus.ACTIVE
    assert loan.total_due == D("1020.07")
    assert loan.remaining() == D("1020.07")
    assert loan.outstanding_principal() == D("1000.00")
    assert loan.maturity_date == date(2025, 4, 30)


def test_paying_each_installment_on_its_due_date_keeps_the_loan_active_until_it_is_repaid() -> None:
    loan = small_loan()

    first = loan.repay(OFFICER, D("340.02"), date(2025, 2, 28))
    second = loan.repay(OFFICER, D("340.02"), date(2025, 3, 31))
    third = loan.repay(OFFICER, D("340.03"), date(2025, 4, 30))

    assert first.allocations == (Allocation(1, D("10.00"), D("330.02")),)
    assert second.allocations == (Allocation(2, D("6.70"), D("333.32")),)
    assert third.allocations == (Allocation(3, D("3.37"), D("336.66")),)
    assert [first.status, second.status, third.status] == [LoanStatus.ACTIVE, LoanStatus.ACTIVE, LoanStatus.REPAID]
    assert (third.remaining, third.outstanding_principal, third.seq) == (D("0.00"), D("0.00"), 3)
    assert loan.status is LoanStatus.REPAID
    assert loan.version == 4


def test_a_partial_payment_goes_to_the_oldest_installments_interest_then_its_principal() -> None:
    loan = small_loan()

    receipt = loan.repay(OFFICER, D("100.00"), date(2025, 2, 28))

    assert receipt.allocations == (Allocation(1, D("10.00"), D("90.00")),)
    assert receipt.outstanding_principal == D("910.00")
    assert receipt.remaining == D("920.07")


def test_an_installment_unpaid_after_its_due_date_makes_the_loan_overdue() -> None:
    loan = small_loan()

    assert not loan.overdue_on(date(2025, 2, 28))  # payable through the due date itself
    assert loan.overdue_on(date(2025, 3, 1))
    assert loan.arrears_on(date(2025, 3, 1)) == D("340.02")
    assert loan.arrears_on(date(2025, 4, 1)) == D("680.04")
    assert loan.status_on(date(2025, 3, 1)) is LoanStatus.OVERDUE


def test_the_background_check_marks_the_loan_overdue_once() -> None:
    loan = small_loan()

    assert loan.refresh_status(date(2025, 2, 28)) is False
    assert loan.refresh_status(date(2025, 3, 1)) is True
    assert loan.status is LoanStatus.OVERDUE
    assert loan.version == 2
    assert loan.refresh_status(date(2025, 3, 2)) is False
    assert loan.version == 2


def test_a_payment_after_the_due_date_leaves_the_loan_overdue_until_the_arrears_are_paid() -> None:
    loan = small_loan()
    loan.refresh_status(date(2025, 3, 3))

    partial = loan.repay(OFFICER, D("100.00"), date(2025, 3, 5))
    assert partial.status is LoanStatus.OVERDUE
    assert partial.arrears == D("240.02")

    rest = loan.repay(OFFICER, D("240.02"), date(2025, 3, 6))
    assert rest.status is LoanStatus.ACTIVE
    assert rest.arrears == D("0.00")
    assert loan.outstanding_principal() == D("669.98")


def test_a_late_payment_past_a_second_due_date_clears_only_the_oldest_installment() -> None:
    loan = small_loan()

    receipt = loan.repay(OFFICER, D("340.02"), date(2025, 4, 2))

    assert receipt.allocations == (Allocation(1, D("10.00"), D("330.02")),)
    assert receipt.status is LoanStatus.OVERDUE
    assert receipt.arrears == D("340.02")


def test_paying_more_than_is_due_pays_ahead_on_the_next_installments() -> None:
    loan = small_loan()

    receipt = loan.repay(OFFICER, D("500.00"), date(2025, 2, 10))

    assert receipt.allocations == (
        Allocation(1, D("10.00"), D("330.02")),
        Allocation(2, D("6.70"), D("153.28")),
    )
    assert receipt.status is LoanStatus.ACTIVE
    assert not loan.overdue_on(date(2025, 3, 31))
    assert loan.arrears_on(date(2025, 4, 1)) == D("180.04")
    assert [i.payment for i in loan.installments] == [D("340.02"), D("340.02"), D("340.03")]  # unchanged


def test_paying_everything_at_once_repays_the_loan() -> None:
    loan = small_loan()

    receipt = loan.repay(INTEGRATION, D("1020.07"), date(2025, 2, 1))

    assert receipt.status is LoanStatus.REPAID
    assert [a.month for a in receipt.allocations] == [1, 2, 3]
    assert sum(a.principal for a in receipt.allocations) == D("1000.00")


def test_a_repayment_above_what_remains_is_refused_saying_how_much_remains() -> None:
    loan = small_loan()
    loan.repay(OFFICER, D("1000.00"), date(2025, 2, 1))

    with pytest.raises(RepaymentAboveOutstanding) as caught:
        loan.repay(OFFICER, D("20.08"), date(2025, 2, 2))

    assert caught.value.field == "amount"
    assert caught.value.details == {"remaining": "20.07"}
    assert len(loan.repayments) == 1


def test_a_repaid_loan_takes_no_more_repayments() -> None:
    loan = small_loan()
    loan.repay(OFFICER, D("1020.07"), date(2025, 2, 1))

    with pytest.raises(IllegalTransition) as caught:
        loan.repay(OFFICER, D("1.00"), date(2025, 2, 2))

    assert caught.value.current_status == "repaid"
    assert caught.value.allowed_actions == []


def test_a_repayment_dated_before_the_last_one_is_refused() -> None:
    loan = small_loan()
    loan.repay(OFFICER, D("100.00"), date(2025, 2, 20))

    with pytest.raises(RepaymentOutOfOrder) as caught:
        loan.repay(OFFICER, D("100.00"), date(2025, 2, 19))

    assert caught.value.code == "repayment_out_of_order"
    assert caught.value.details == {"earliest": "2025-02-20"}


def test_a_repayment_dated_before_the_loan_starts_is_refused() -> None:
    with pytest.raises(RepaymentOutOfOrder):
        small_loan().repay(OFFICER, D("100.00"), date(2025, 1, 30))


def test_two_repayments_on_one_day_are_both_recorded_in_order() -> None:
    loan = small_loan()
    loan.repay(OFFICER, D("200.00"), date(2025, 2, 28))
    receipt = loan.repay(OFFICER, D("140.02"), date(2025, 2, 28))

    assert receipt.allocations == (Allocation(1, D("0.00"), D("140.02")),)
    assert loan.allocations() == [(Allocation(1, D("10.00"), D("190.00")),), receipt.allocations]


@pytest.mark.parametrize("amount", [D("0"), D("-5.00"), D("1.001"), 12.5, "100"])
def test_a_repayment_amount_must_be_positive_tenge_to_the_tiyn(amount: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        small_loan().repay(OFFICER, amount, date(2025, 2, 28))

    assert caught.value.field == "amount"


@pytest.mark.parametrize("roles", [{"supplier"}, {"mod_officer"}, {"auditor"}, {"mic_officer"}])
def test_only_the_fund_records_repayments(roles: set[str]) -> None:
    with pytest.raises(ActionNotPermitted) as caught:
        small_loan().repay(Principal("someone", frozenset(roles)), D("10.00"), date(2025, 2, 28))

    assert caught.value.allowed_roles == ["fund_officer", "integration"]


def test_the_status_on_a_day_counts_only_the_repayments_made_by_then() -> None:
    loan = small_loan()
    loan.repay(OFFICER, D("340.02"), date(2025, 3, 10))

    assert loan.status_on(date(2025, 3, 5)) is LoanStatus.OVERDUE
    assert loan.status_on(date(2025, 3, 10)) is LoanStatus.ACTIVE
    assert loan.outstanding_principal(date(2025, 3, 5)) == D("1000.00")
    assert loan.remaining(date(2025, 3, 10)) == D("680.05")


def test_the_interest_free_grace_months_of_a_zero_rate_loan_are_never_overdue() -> None:
    loan = Loan.grant(
        project_id=uuid4(),
        enterprise_id=uuid4(),
        category=ProjectCategory.PRODUCTION,
        principal=D("90000.00"),
        annual_rate=D("0"),
        term_months=4,
        grace_months=2,
        start=date(2025, 1, 10),
        granted_by="officer",
        at=GRANTED_AT,
    )

    assert not loan.overdue_on(date(2025, 4, 10))  # grace months ask for nothing
    assert loan.overdue_on(date(2025, 4, 11))  # the first repayment of 45,000.00 was due on 10 April
    assert loan.arrears_on(date(2025, 4, 11)) == D("45000.00")


@settings(max_examples=100, deadline=None)
@given(
    principal=st.integers(1_000_000, 10**12).map(lambda t: Decimal(t) / 100),
    rate=st.integers(0, 500).map(lambda r: Decimal(r) / 100),
    term=st.integers(1, 60),
    data=st.data(),
)
def test_paying_the_whole_schedule_in_any_instalments_repays_exactly_the_principal(
    principal: Decimal, rate: Decimal, term: int, data: st.DataObject
) -> None:
    grace = data.draw(st.integers(0, term - 1))
    loan = Loan.grant(
        project_id=uuid4(),
        enterprise_id=uuid4(),
        category=ProjectCategory.MODERNIZATION,
        principal=principal,
        annual_rate=rate,
        term_months=term,
        grace_months=grace,
        start=date(2025, 1, 31),
        granted_by="officer",
        at=GRANTED_AT,
    )
    total = int(loan.total_due * 100)
    cuts = sorted(data.draw(st.lists(st.integers(1, total - 1), max_size=6, unique=True))) if total > 1 else []
    bounds = [0, *cuts, total]
    receipts = [
        loan.repay(OFFICER, Decimal(high - low) / 100, date(2025, 2, 1)) for low, high in itertools.pairwise(bounds)
    ]

    assert loan.status is LoanStatus.REPAID
    assert sum(a.principal for r in receipts for a in r.allocations) == principal
    assert sum(a.total for r in receipts for a in r.allocations) == loan.total_due
    assert loan.outstanding_principal() == 0
