"""Properties of every schedule, over random loans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from services.fund.domain.loan import annuity_payment, build_schedule

TIYN = Decimal("0.01")


@dataclass(frozen=True)
class Terms:
    principal: Decimal
    rate: Decimal
    term: int
    grace: int
    start: date


def terms(min_tiyn: int) -> st.SearchStrategy[Terms]:
    @st.composite
    def build(draw: st.DrawFn) -> Terms:
        principal = Decimal(draw(st.integers(min_tiyn, 10**14))) * TIYN  # up to a trillion tenge
        rate = Decimal(draw(st.integers(0, 50_000))) / 10_000  # 0 to 5 %, 4 decimal places
        term = draw(st.integers(1, 240))
        grace = draw(st.integers(0, term - 1))
        start = draw(st.dates(date(2000, 1, 1), date(2100, 12, 31)))
        return Terms(principal, rate, term, grace, start)

    return build()


# From 10,000 KZT up: realistic loans, where the level payment dwarfs the rounding.
loans = terms(1_000_000)
# From one tiyn up: loans so small the rounding is most of the payment.
tiny_loans = terms(1)


@settings(max_examples=400, deadline=None)
@given(loans)
def test_the_principal_repaid_is_the_principal_exactly_and_the_balance_ends_at_zero(t: Terms) -> None:
    schedule = build_schedule(t.principal, t.rate, t.term, t.grace, t.start)

    assert sum(r.principal for r in schedule) == t.principal
    assert schedule[-1].balance == 0
    assert [r.month for r in schedule] == list(range(1, t.term + 1))
    assert all(r.payment >= 0 for r in schedule)
    level = annuity_payment(t.principal, t.rate, t.term - t.grace)
    assert all(r.payment == level for r in schedule[t.grace : -1])


@settings(max_examples=150, deadline=None)
@given(loans)
def test_every_figure_is_to_the_tiyn_and_none_is_negative(t: Terms) -> None:
    schedule = build_schedule(t.principal, t.rate, t.term, t.grace, t.start)

    for row in schedule:
        for value in (row.payment, row.interest, row.principal, row.balance):
            assert value >= 0
            assert value == value.quantize(TIYN)
        assert row.payment == row.interest + row.principal


@settings(max_examples=150, deadline=None)
@given(loans)
def test_the_balance_falls_by_each_principal_part(t: Terms) -> None:
    schedule = build_schedule(t.principal, t.rate, t.term, t.grace, t.start)

    balance = t.principal
    for row in schedule:
        balance -= row.principal
        assert row.balance == balance


@settings(max_examples=150, deadline=None)
@given(loans)
def test_grace_months_pay_interest_only_and_the_other_payments_are_level_but_the_last(t: Terms) -> None:
    schedule = build_schedule(t.principal, t.rate, t.term, t.grace, t.start)
    grace, annuity = schedule[: t.grace], schedule[t.grace :]
    level = annuity_payment(t.principal, t.rate, len(annuity))

    assert all(r.principal == 0 and r.balance == t.principal for r in grace)
    assert len({r.interest for r in grace}) <= 1
    assert all(r.payment == level for r in annuity[:-1])
    # The last differs from the level payment only by the rounding carried through the months:
    # at most a tiyn a month, grown by the interest since.
    n = len(annuity)
    i = float(t.rate) / 1200
    carried = 0.01 * n * (1 + i) ** n + 0.01
    assert abs(float(annuity[-1].payment - level)) <= carried


@settings(max_examples=150, deadline=None)
@given(loans)
def test_due_dates_are_monthly_and_keep_the_start_day_when_the_month_has_it(t: Terms) -> None:
    schedule = build_schedule(t.principal, t.rate, t.term, t.grace, t.start)

    dates = [r.due_date for r in schedule]
    assert dates == sorted(set(dates))
    for months, due in enumerate(dates, start=1):
        assert (due.year * 12 + due.month) - (t.start.year * 12 + t.start.month) == months
        month_end = (due + timedelta(days=1)).day == 1
        assert due.day == t.start.day or (due.day < t.start.day and month_end)


@settings(max_examples=100, deadline=None)
@given(loans)
def test_the_schedule_agrees_with_exact_rational_arithmetic(t: Terms) -> None:
    schedule = build_schedule(t.principal, t.rate, t.term, t.grace, t.start)

    i = Fraction(t.rate) / 1200
    p = Fraction(t.principal)
    n = t.term - t.grace
    exact = p / n if i == 0 else p * i * (1 + i) ** n / ((1 + i) ** n - 1)
    level = Fraction(annuity_payment(t.principal, t.rate, n))
    assert abs(level - exact) <= Fraction(1, 200)
    for row in schedule[:-1]:
        owed = Fraction(row.balance + row.principal) * i  # interest on the balance before the row
        assert abs(Fraction(row.interest) - owed) <= Fraction(1, 200)


@settings(max_examples=150, deadline=None)
@given(tiny_loans)
def test_even_a_loan_of_a_few_tiyn_repays_exactly_and_never_asks_a_negative_payment(t: Terms) -> None:
    schedule = build_schedule(t.principal, t.rate, t.term, t.grace, t.start)

    assert sum(r.principal for r in schedule) == t.principal
    assert schedule[-1].balance == 0
    assert all(r.payment >= 0 and r.principal >= 0 and r.balance >= 0 for r in schedule)
