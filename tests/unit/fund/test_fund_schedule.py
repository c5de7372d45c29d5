"""The loan schedule: hand-worked and independently computed annuities, grace months, due dates."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from services.fund.domain.loan import (
    Installment,
    add_months,
    annuity_payment,
    build_schedule,
    check_terms,
    parse_max_rate,
)
from shared.errors import InvalidInput

D = Decimal


def rows_of(schedule: list[Installment]) -> list[tuple[int, str, str, str, str, str]]:
    return [
        (r.month, r.due_date.isoformat(), str(r.payment), str(r.interest), str(r.principal), str(r.balance))
        for r in schedule
    ]


def test_1000_kzt_at_12_percent_over_3_months_is_worked_by_hand() -> None:
    """i = 12 / 12 / 100 = 0.01 a month; (1.01)^3 = 1.030301.

    A = 1000 x 0.01 x 1.030301 / 0.030301 = 10.30301 / 0.030301 = 340.0221... -> 340.02.
    Month 1: interest 1000.00 x 0.01 = 10.00; principal 340.02 - 10.00 = 330.02; balance 669.98.
    Month 2: interest 669.98 x 0.01 = 6.6998 -> 6.70; principal 333.32; balance 336.66.
    Month 3 (last, absorbs rounding): interest 336.66 x 0.01 = 3.3666 -> 3.37; principal is the whole
    balance 336.66; payment 340.03.
    Start 31 January 2025: due 28 February, 31 March, 30 April (day clamped to the month's end).
    """
    schedule = build_schedule(D("1000.00"), D("12"), 3, 0, date(2025, 1, 31))

    assert rows_of(schedule) == [
        (1, "2025-02-28", "340.02", "10.00", "330.02", "669.98"),
        (2, "2025-03-31", "340.02", "6.70", "333.32", "336.66"),
        (3, "2025-04-30", "340.03", "3.37", "336.66", "0.00"),
    ]


def test_1_200_000_kzt_at_5_percent_over_12_months_is_worked_by_hand() -> None:
    """i = 5 / 12 / 100 = 1/240 a month; (241/240)^12 = 1.0511618978817...

    A = 1,200,000 x (1/240) x 1.05116190 / 0.05116190 = 5,000 x 20.5457956... = 102,728.978... -> 102,728.98.
    Month 1: interest 1,200,000 / 240 = 5,000.00; principal 97,728.98; balance 1,102,271.02.
    Month 2: interest 1,102,271.02 / 240 = 4,592.7959... -> 4,592.80; principal 98,136.18; balance 1,004,134.84.
    Month 3: interest 1,004,134.84 / 240 = 4,183.8951... -> 4,183.90; principal 98,545.08; balance 905,589.76.
    ... and so on, each month's interest on the balance left, until
    Month 12: balance 102,302.70, interest 102,302.70 / 240 = 426.26125 -> 426.26; the principal is the
    whole balance, so the last payment is 102,302.70 + 426.26 = 102,728.96 (2 tiyn of rounding absorbed).
    Interest over the year: 12 x 102,728.98 - 0.02 - 1,200,000 = 32,747.74.
    """
    schedule = build_schedule(D("1200000.00"), D("5"), 12, 0, date(2025, 1, 15))

    assert rows_of(schedule) == [
        (1, "2025-02-15", "102728.98", "5000.00", "97728.98", "1102271.02"),
        (2, "2025-03-15", "102728.98", "4592.80", "98136.18", "1004134.84"),
        (3, "2025-04-15", "102728.98", "4183.90", "98545.08", "905589.76"),
        (4, "2025-05-15", "102728.98", "3773.29", "98955.69", "806634.07"),
        (5, "2025-06-15", "102728.98", "3360.98", "99368.00", "707266.07"),
        (6, "2025-07-15", "102728.98", "2946.94", "99782.04", "607484.03"),
        (7, "2025-08-15", "102728.98", "2531.18", "100197.80", "507286.23"),
        (8, "2025-09-15", "102728.98", "2113.69", "100615.29", "406670.94"),
        (9, "2025-10-15", "102728.98", "1694.46", "101034.52", "305636.42"),
        (10, "2025-11-15", "102728.98", "1273.49", "101455.49", "204180.93"),
        (11, "2025-12-15", "102728.98", "850.75", "101878.23", "102302.70"),
        (12, "2026-01-15", "102728.96", "426.26", "102302.70", "0.00"),
    ]
    assert sum(r.interest for r in schedule) == D("32747.74")
    assert sum(r.principal for r in schedule) == D("1200000.00")


# --- an independent computation, in exact fractions ---------------------------------------------


def tiyn(value: Fraction) -> Fraction:
    """Round half up to 0.01, in exact arithmetic (no Decimal, no float)."""
    cents = value * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


def fraction_schedule(principal: str, rate: str, term: int, grace: int) -> list[tuple[Fraction, Fraction, Fraction]]:
    """(payment, interest, principal) per month from the textbook formula A = P i (1+i)^n / ((1+i)^n - 1)."""
    p = Fraction(principal)
    i = Fraction(rate) / 12 / 100
    n = term - grace
    out = []
    balance = p
    for _ in range(grace):
        interest = tiyn(balance * i)
        out.append((interest, interest, Fraction(0)))
    level = tiyn(p / n) if i == 0 else tiyn(p * i * (1 + i) ** n / ((1 + i) ** n - 1))
    for k in range(1, n + 1):
        interest = tiyn(balance * i)
        part = balance if k == n else min(level - interest, balance)
        balance -= part
        out.append((interest + part, interest, part))
    return out


@pytest.mark.parametrize(
    ("principal", "rate", "term", "grace"),
    [
        ("1200000.00", "5", 12, 0),
        ("250000000.00", "4.75", 120, 6),
        ("987654321.99", "3.3333", 240, 0),
        ("15000000.00", "0.5", 60, 59),
        ("7777777.77", "1", 1, 0),
        ("100000.00", "0", 36, 3),
    ],
)
def test_the_schedule_matches_one_computed_independently_in_exact_fractions(
    principal: str, rate: str, term: int, grace: int
) -> None:
    expected = fraction_schedule(principal, rate, term, grace)

    actual = build_schedule(D(principal), D(rate), term, grace, date(2025, 3, 10))

    assert [(Fraction(r.payment), Fraction(r.interest), Fraction(r.principal)) for r in actual] == expected


def test_the_level_payment_matches_the_exact_formula_rounded_half_up() -> None:
    p, i, n = Fraction(1_000_000), Fraction(4, 1200), 60
    exact = p * i * (1 + i) ** n / ((1 + i) ** n - 1)
    by_hand = D(exact.numerator) / D(exact.denominator)

    assert annuity_payment(D("1000000.00"), D("4"), 60) == by_hand.quantize(D("0.01"), ROUND_HALF_UP)
    assert annuity_payment(D("1000000.00"), D("4"), 60) == D("18416.52")


# --- grace months ------------------------------------------------------------------------------


def test_grace_months_pay_interest_only_and_the_annuity_runs_over_the_rest() -> None:
    """1,200,000 at 5% over 12 months with 3 months of grace.

    Months 1-3: interest 1,200,000 / 240 = 5,000.00 each, principal 0, balance 1,200,000.00.
    Months 4-12: an annuity over the 9 months left: (241/240)^9 = 1.0381311...;
    A = 5,000 x 1.0381311 / 0.0381311 = 136,126.5107... -> 136,126.51; month 4 pays 5,000.00 of
    interest and 131,126.51 of principal.
    """
    schedule = build_schedule(D("1200000.00"), D("5"), 12, 3, date(2025, 1, 15))

    grace, rest = schedule[:3], schedule[3:]
    assert [(r.payment, r.interest, r.principal, r.balance) for r in grace] == [
        (D("5000.00"), D("5000.00"), D("0.00"), D("1200000.00"))
    ] * 3
    assert len(rest) == 9
    level = annuity_payment(D("1200000.00"), D("5"), 9)
    assert str(level) == "136126.51"
    assert all(r.payment == level for r in rest[:-1])
    assert rest[0].interest == D("5000.00")
    assert rest[0].principal == D("131126.51")
    assert sum(r.principal for r in schedule) == D("1200000.00")
    assert schedule[-1].balance == D("0.00")


def test_a_loan_of_one_month_repays_everything_in_one_installment() -> None:
    [only] = build_schedule(D("500000.00"), D("5"), 1, 0, date(2025, 6, 1))

    assert (only.month, only.due_date) == (1, date(2025, 7, 1))
    assert only.interest == D("2083.33")  # 500,000 / 240 = 2,083.333...
    assert (only.principal, only.payment, only.balance) == (D("500000.00"), D("502083.33"), D("0.00"))


def test_the_last_grace_month_before_a_single_annuity_month() -> None:
    schedule = build_schedule(D("240000.00"), D("5"), 3, 2, date(2025, 1, 1))

    assert [(r.payment, r.interest, r.principal) for r in schedule] == [
        (D("1000.00"), D("1000.00"), D("0.00")),
        (D("1000.00"), D("1000.00"), D("0.00")),
        (D("241000.00"), D("1000.00"), D("240000.00")),
    ]


# --- a 0 % rate ---------------------------------------------------------------------------------


def test_an_interest_free_loan_repays_equal_shares_with_the_last_absorbing_the_rounding() -> None:
    """100,000 over 3 months at 0%: 100,000 / 3 = 33,333.333... -> 33,333.33, twice; the last 33,333.34."""
    schedule = build_schedule(D("100000.00"), D("0"), 3, 0, date(2025, 1, 1))

    assert rows_of(schedule) == [
        (1, "2025-02-01", "33333.33", "0.00", "33333.33", "66666.67"),
        (2, "2025-03-01", "33333.33", "0.00", "33333.33", "33333.34"),
        (3, "2025-04-01", "33333.34", "0.00", "33333.34", "0.00"),
    ]


def test_an_interest_free_loan_with_grace_pays_nothing_in_the_grace_months() -> None:
    schedule = build_schedule(D("90000.00"), D("0"), 4, 1, date(2025, 1, 1))

    assert [r.payment for r in schedule] == [D("0.00"), D("30000.00"), D("30000.00"), D("30000.00")]


def test_a_rate_of_zero_is_accepted_as_a_term() -> None:
    assert check_terms(D("1000"), D("0"), 12, 0) == (D("1000.00"), D("0"), 12, 0)


# --- due dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 2, date(2025, 3, 31)),
        (date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2025, 3, 30), 11, date(2026, 2, 28)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 5, 10), 240, date(2045, 5, 10)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_due_dates_keep_the_start_day_clamped_to_the_month_end(start: date, months: int, due: date) -> None:
    assert add_months(start, months) == due


def test_a_schedule_started_on_the_31st_comes_back_to_the_31st_after_a_short_month() -> None:
    schedule = build_schedule(D("1000.00"), D("5"), 4, 0, date(2025, 1, 31))

    assert [r.due_date for r in schedule] == [
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]


# --- terms ----------------------------------------------------------------------------------------


def test_terms_at_the_limits_are_accepted() -> None:
    assert check_terms(D("0.01"), D("5"), 240, 239) == (D("0.01"), D("5"), 240, 239)
    assert check_terms(D("1"), D("5.0000"), 1, 0)[1] == D("5")


@pytest.mark.parametrize(
    ("principal", "rate", "term", "grace", "field"),
    [
        (D("0"), D("5"), 12, 0, "principal"),
        (D("-1"), D("5"), 12, 0, "principal"),
        (D("1.001"), D("5"), 12, 0, "principal"),
        (1.5, D("5"), 12, 0, "principal"),
        (D("1000"), D("5.01"), 12, 0, "annual_rate"),
        (D("1000"), D("-1"), 12, 0, "annual_rate"),
        (D("1000"), D("1.00001"), 12, 0, "annual_rate"),
        (D("1000"), 0.5, 12, 0, "annual_rate"),
        (D("1000"), D("5"), 0, 0, "term_months"),
        (D("1000"), D("5"), 241, 0, "term_months"),
        (D("1000"), D("5"), True, 0, "term_months"),
        (D("1000"), D("5"), 12, 12, "grace_months"),
        (D("1000"), D("5"), 12, -1, "grace_months"),
    ],
)
def test_terms_out_of_range_are_refused_naming_the_field(
    principal: object, rate: object, term: object, grace: object, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_terms(principal, rate, term, grace)

    assert [e["field"] for e in caught.value.errors] == [field]


def test_every_bad_term_is_named_in_one_refusal() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_terms(D("0"), D("9"), 300, 400)

    assert [e["field"] for e in caught.value.errors] == ["principal", "annual_rate", "term_months", "grace_months"]


def test_the_maximum_rate_is_the_callers() -> None:
    assert check_terms(D("1000"), D("7.5"), 12, 0, max_rate=D("8"))[1] == D("7.5")
    with pytest.raises(InvalidInput, match=r"above the fund's maximum rate of 3%"):
        check_terms(D("1000"), D("3.5"), 12, 0, max_rate=D("3"))


@pytest.mark.parametrize(("text", "rate"), [(None, "5"), ("", "5"), (" 4.5 ", "4.5"), ("100", "100")])
def test_the_maximum_rate_setting_reads_a_percent(text: str | None, rate: str) -> None:
    assert parse_max_rate(text) == D(rate)


@pytest.mark.parametrize("text", ["0", "-1", "101", "five", "NaN", "inf"])
def test_a_maximum_rate_setting_out_of_range_is_refused_naming_the_variable(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_max_rate(text)

    assert caught.value.field == "SDO_FUND_MAX_RATE"
