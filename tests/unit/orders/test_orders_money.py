"""Money on the wire: a decimal string and an ISO 4217 code, never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.orders.domain.errors import InvalidMoney
from services.orders.domain.money import Money, parse_amount
from shared.errors import InvalidInput


def test_a_decimal_string_with_a_currency_parses_to_exact_money() -> None:
    money = Money.parse({"amount": "123.45", "currency": "KZT"})
    assert money == Money(Decimal("123.45"), "KZT")
    assert isinstance(money.amount, Decimal)


@pytest.mark.parametrize(("text", "expected"), [("0", "0.00"), ("7", "7.00"), ("7.5", "7.50"), ("0.01", "0.01")])
def test_amounts_serialize_back_as_strings_with_two_decimals(text: str, expected: str) -> None:
    assert Money.parse({"amount": text, "currency": "USD"}).to_dict() == {
        "amount": expected,
        "currency": "USD",
    }


def test_parse_and_serialize_round_trip() -> None:
    wire = {"amount": "1000000.10", "currency": "EUR"}
    assert Money.parse(wire).to_dict() == wire


def test_100_and_100_00_are_the_same_money() -> None:
    assert Money(Decimal("100"), "KZT") == Money(Decimal("100.00"), "KZT")


def test_money_is_frozen() -> None:
    money = Money(Decimal("1"), "KZT")
    with pytest.raises(AttributeError):
        money.amount = Decimal("2")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (123.45, "a JSON float"),
        (123, "a JSON integer"),
        (None, "null"),
        (True, "a boolean"),
        ("NaN", "not a number"),
        ("nan", "not a number, lower case"),
        ("Infinity", "infinity"),
        ("-Infinity", "negative infinity"),
        ("-1.00", "negative"),
        ("-0", "negative zero"),
        ("1.234", "three decimal places"),
        ("0.001", "a tenth of a tiyn"),
        ("1e3", "exponent notation"),
        ("+5", "an explicit sign"),
        (" 5", "surrounding spaces"),
        ("1_000", "digit separators"),
        ("", "empty"),
        ("12,50", "a decimal comma"),
        ("abc", "not a number at all"),
        ("1" * 16, "more than 15 integer digits"),
    ],
)
def test_a_bad_amount_is_refused_naming_the_amount_field(amount: Any, reason: str) -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money.parse({"amount": amount, "currency": "KZT"}, field="price_ceiling")
    assert caught.value.field == "price_ceiling.amount", reason


@pytest.mark.parametrize("currency", ["kzt", "KZ", "KZTT", "", 398, None, "K1T"])
def test_a_currency_that_is_not_three_upper_case_letters_is_refused(currency: Any) -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money.parse({"amount": "1.00", "currency": currency}, field="contract_price")
    assert caught.value.field == "contract_price.currency"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"currency": "KZT"}, "price_ceiling.amount"),
        ({"amount": "1"}, "price_ceiling.currency"),
        ({"amount": "1", "currency": "KZT", "rate": "2"}, "price_ceiling.rate"),
        ("1.00 KZT", "price_ceiling"),
        (None, "price_ceiling"),
    ],
)
def test_a_malformed_money_object_is_refused(data: Any, field: str) -> None:
    with pytest.raises(InvalidMoney) as caught:
        Money.parse(data, field="price_ceiling")
    assert caught.value.field == field


def test_money_errors_are_value_errors_so_pydantic_validators_can_raise_them() -> None:
    with pytest.raises(ValueError):
        parse_amount(1.5)
    assert issubclass(InvalidMoney, InvalidInput)


def test_constructing_money_checks_the_same_rules() -> None:
    with pytest.raises(InvalidMoney):
        Money(Decimal("-1"), "KZT")
    with pytest.raises(InvalidMoney):
        Money(Decimal("1.005"), "KZT")
    with pytest.raises(InvalidMoney):
        Money(1.5, "KZT")  # type: ignore[arg-type]
    with pytest.raises(InvalidMoney):
        Money(Decimal("1"), "usd")


def test_the_largest_accepted_amount_has_fifteen_integer_digits() -> None:
    assert parse_amount("999999999999999.99") == Decimal("999999999999999.99")
