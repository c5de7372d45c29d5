"""Order numbers SDO-<year>-<6 digits>."""

from __future__ import annotations

import pytest

from services.orders.domain.errors import InvalidOrderNumber, OrderNumbersExhausted
from services.orders.domain.numbering import format_order_number, is_order_number, parse_order_number


@pytest.mark.parametrize(
    ("year", "sequence", "number"),
    [
        (2025, 1, "SDO-2025-000001"),
        (2025, 42, "SDO-2025-000042"),
        (2026, 123456, "SDO-2026-123456"),
        (2025, 999999, "SDO-2025-999999"),
    ],
)
def test_the_sequence_is_zero_padded_to_six_digits(year: int, sequence: int, number: str) -> None:
    assert format_order_number(year, sequence) == number


def test_the_millionth_order_of_a_year_has_no_number() -> None:
    with pytest.raises(OrderNumbersExhausted) as caught:
        format_order_number(2025, 1_000_000)
    assert (caught.value.year, caught.value.sequence) == (2025, 1_000_000)


@pytest.mark.parametrize(("year", "sequence"), [(2025, 0), (2025, -1), (999, 1), (10000, 1), (2025, True)])
def test_a_sequence_below_one_or_a_year_without_four_digits_is_refused(year: int, sequence: int) -> None:
    with pytest.raises(InvalidOrderNumber):
        format_order_number(year, sequence)


def test_a_number_parses_back_to_year_and_sequence() -> None:
    assert parse_order_number("SDO-2025-000042") == (2025, 42)


@pytest.mark.parametrize(
    "text",
    [
        "SDO-2025-42",
        "sdo-2025-000042",
        "SDO-25-000042",
        "SDO-2025-0000042",
        "SDO-2025-000000",
        " SDO-2025-000001",
    ],
)
def test_anything_else_is_not_an_order_number(text: str) -> None:
    assert not is_order_number(text)
    with pytest.raises(InvalidOrderNumber):
        parse_order_number(text)


def test_a_uuid_is_not_an_order_number() -> None:
    assert not is_order_number("3f1c2b7e-8d44-4c4e-9a51-0b8e3f5f2a10")
