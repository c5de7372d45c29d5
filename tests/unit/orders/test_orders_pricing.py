"""Prices compared in KZT: exchange rates, conversion, the price ceiling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.orders.domain.errors import PriceAboveCeiling, UnknownCurrency
from services.orders.domain.money import Money
from services.orders.domain.pricing import (
    DEFAULT_RATES,
    check_within_ceiling,
    merge_rates,
    parse_rate,
    to_kzt,
)
from shared.errors import InvalidInput


def money(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


def test_default_rates_are_kzt_per_unit_as_the_contract_lists() -> None:
    assert DEFAULT_RATES == {
        "KZT": Decimal("1"),
        "USD": Decimal("451.27"),
        "EUR": Decimal("489.13"),
        "RUB": Decimal("4.87"),
    }


@pytest.mark.parametrize(
    ("amount", "currency", "kzt"),
    [
        ("100", "USD", "45127.00"),
        ("1", "EUR", "489.13"),
        ("1000", "RUB", "4870.00"),
        ("250.50", "KZT", "250.50"),
        ("0.01", "RUB", "0.05"),  # 0.0487 rounds half up to 0.05
    ],
)
def test_money_converts_to_kzt_at_the_default_rates(amount: str, currency: str, kzt: str) -> None:
    assert to_kzt(money(amount, currency)) == Decimal(kzt)


def test_conversion_rounds_half_up_to_the_tiyn() -> None:
    rates = {"XAA": Decimal("0.125")}
    assert to_kzt(money("0.10", "XAA"), rates) == Decimal("0.01")  # 0.0125 -> 0.01
    assert to_kzt(money("0.20", "XAA"), rates) == Decimal("0.03")  # 0.025 -> 0.03, not 0.02


def test_kzt_converts_at_one_even_when_the_rates_omit_it() -> None:
    assert to_kzt(money("10", "KZT"), {}) == Decimal("10.00")


def test_a_currency_without_a_rate_is_an_unknown_currency() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        to_kzt(money("10", "GBP"))
    assert caught.value.currency == "GBP"
    assert caught.value.field == "currency"


def test_a_usd_price_exactly_at_a_kzt_ceiling_passes() -> None:
    price_kzt = check_within_ceiling(money("100.00", "USD"), money("45127.00", "KZT"))
    assert price_kzt == Decimal("45127.00")


def test_a_usd_price_one_tiyn_above_a_kzt_ceiling_is_refused_with_both_kzt_amounts() -> None:
    with pytest.raises(PriceAboveCeiling) as caught:
        check_within_ceiling(money("100.00", "USD"), money("45126.99", "KZT"))
    assert caught.value.price_kzt == Decimal("45127.00")
    assert caught.value.ceiling_kzt == Decimal("45126.99")
    assert caught.value.field == "contract_price"


def test_a_usd_price_below_a_kzt_ceiling_passes() -> None:
    assert check_within_ceiling(money("99.99", "USD"), money("45127.00", "KZT")) == Decimal("45122.49")


def test_a_usd_cent_above_the_ceiling_is_refused() -> None:
    with pytest.raises(PriceAboveCeiling):
        check_within_ceiling(money("100.01", "USD"), money("45127.00", "KZT"))


def test_a_price_in_kzt_is_compared_with_a_ceiling_in_euro() -> None:
    assert check_within_ceiling(money("489.13", "KZT"), money("1", "EUR")) == Decimal("489.13")
    with pytest.raises(PriceAboveCeiling):
        check_within_ceiling(money("489.14", "KZT"), money("1", "EUR"))


def test_the_ceiling_check_uses_the_rates_it_is_given() -> None:
    rates = merge_rates({"USD": Decimal("500")})
    with pytest.raises(PriceAboveCeiling):
        check_within_ceiling(money("100", "USD"), money("45127", "KZT"), rates)


def test_a_price_in_an_unknown_currency_names_the_price_currency_field() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        check_within_ceiling(money("1", "GBP"), money("1000", "KZT"))
    assert caught.value.field == "contract_price.currency"


def test_price_above_ceiling_is_a_422_field_error() -> None:
    assert issubclass(PriceAboveCeiling, InvalidInput)


def test_a_rate_is_a_positive_decimal_string() -> None:
    assert parse_rate("USD", "460.5") == ("USD", Decimal("460.5"))


@pytest.mark.parametrize(
    ("currency", "value", "field"),
    [
        ("USD", 460.5, "kzt_per_unit"),
        ("USD", "0", "kzt_per_unit"),
        ("USD", "-1", "kzt_per_unit"),
        ("USD", "NaN", "kzt_per_unit"),
        ("USD", "x", "kzt_per_unit"),
        ("USD", "0.0000001", "kzt_per_unit"),
        ("usd", "1", "currency"),
        ("KZT", "2", "currency"),
    ],
)
def test_a_bad_rate_is_refused(currency: str, value: object, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_rate(currency, value)
    assert caught.value.field == field


def test_stored_rates_override_defaults_but_kzt_stays_one() -> None:
    rates = merge_rates({"USD": Decimal("470"), "KZT": Decimal("2"), "CNY": Decimal("62.1")})
    assert rates["USD"] == Decimal("470")
    assert rates["EUR"] == Decimal("489.13")
    assert rates["CNY"] == Decimal("62.1")
    assert rates["KZT"] == Decimal("1")
