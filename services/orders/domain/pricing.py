"""Prices in KZT: exchange rates, conversion and the price-ceiling rule.

Rates are KZT per one unit of the currency. Every comparison happens in KZT, rounded to
the tiyn (2 decimal places, half up), so the same inputs always give the same verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Any

from services.orders.domain.errors import InvalidField, PriceAboveCeiling, UnknownCurrency
from services.orders.domain.money import CENT, Money, check_currency

KZT = "KZT"

DEFAULT_RATES: Mapping[str, Decimal] = MappingProxyType(
    {
        KZT: Decimal("1"),
        "USD": Decimal("451.27"),
        "EUR": Decimal("489.13"),
        "RUB": Decimal("4.87"),
    }
)

# Rates finer than a millionth of a tenge add nothing but rounding noise.
RATE_DECIMAL_PLACES = 6
MAX_RATE = Decimal("1000000")


def quantize_kzt(amount: Decimal) -> Decimal:
    """Round to the tiyn, half up (the rule used for every KZT figure)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_kzt(money: Money, rates: Mapping[str, Decimal] = DEFAULT_RATES, *, field: str = "currency") -> Decimal:
    """``money`` in KZT, 2 decimal places; raises ``UnknownCurrency`` when no rate is known.

    KZT converts at 1 even when ``rates`` omits it.
    """
    if money.currency == KZT:
        return quantize_kzt(money.amount)
    rate = rates.get(money.currency)
    if rate is None:
        raise UnknownCurrency(money.currency, field)
    # Wide enough that amount x rate is exact, so the only rounding is the one to the tiyn.
    with localcontext() as ctx:
        ctx.prec = 50
        return quantize_kzt(money.amount * rate)


def check_within_ceiling(
    price: Money,
    ceiling: Money,
    rates: Mapping[str, Decimal] = DEFAULT_RATES,
    *,
    field: str = "contract_price",
) -> Decimal:
    """The price in KZT when it is at most the ceiling in KZT (equal passes).

    Raises ``PriceAboveCeiling`` carrying both KZT amounts, or ``UnknownCurrency``.
    """
    price_kzt = to_kzt(price, rates, field=f"{field}.currency")
    ceiling_kzt = to_kzt(ceiling, rates, field="price_ceiling.currency")
    if price_kzt > ceiling_kzt:
        raise PriceAboveCeiling(price_kzt, ceiling_kzt, field)
    return price_kzt


def parse_rate(currency: Any, value: Any, field: str = "kzt_per_unit") -> tuple[str, Decimal]:
    """Validate one rate for ``PUT /exchange-rates/{currency}``: a positive decimal string.

    KZT is the unit of account and always 1, so it cannot be set.
    """
    code = check_currency(currency, "currency")
    if code == KZT:
        raise InvalidField("currency", "KZT is the unit of account; its rate is always 1")
    if not isinstance(value, str):
        raise InvalidField(field, 'must be a decimal string such as "451.27", not a JSON number')
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise InvalidField(field, f"{value!r} is not a decimal number") from None
    if not rate.is_finite() or rate <= 0:
        raise InvalidField(field, "must be a positive finite number")
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_DECIMAL_PLACES:
        raise InvalidField(field, f"must have at most {RATE_DECIMAL_PLACES} decimal places")
    if rate > MAX_RATE:
        raise InvalidField(field, f"must be at most {MAX_RATE}")
    return code, rate


def merge_rates(overrides: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Defaults with stored overrides on top; KZT stays 1."""
    merged = dict(DEFAULT_RATES)
    merged.update(overrides)
    merged[KZT] = Decimal("1")
    return merged
