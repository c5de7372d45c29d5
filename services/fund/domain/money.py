"""Money of the fund: ``Decimal`` amounts in KZT, to the tiyn.

The fund lends and disburses in tenge only; an amount arrives as a ``Decimal`` (the API turns the
wire form ``{"amount": "123.45", "currency": "KZT"}`` into one and back). Every amount the fund
computes (interest, annuity payments) is rounded to the tiyn, half up; amounts the caller gives
must already be whole tiyn, so nothing the caller said is silently changed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from shared.errors import InvalidInput

KZT = "KZT"
TIYN = Decimal("0.01")
ZERO = Decimal("0.00")
# Below a quadrillion tenge: far above any budget, and exact inside a 28-digit decimal context.
MAX_INTEGER_DIGITS = 15
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS


def to_tiyn(amount: Decimal) -> Decimal:
    """``amount`` rounded to the tiyn (2 decimal places), half up: the one rounding rule of the fund."""
    return amount.quantize(TIYN, rounding=ROUND_HALF_UP)


def kzt_amount(value: object, field: str, *, currency: str = KZT) -> Decimal:
    """A positive amount in KZT given to the tiyn, as ``Decimal`` with 2 decimal places.

    Raises ``InvalidInput`` naming ``field`` when the currency is not KZT or the amount is not a
    finite ``Decimal`` (or ``int``) above zero, with at most 2 decimal places, below 10^15.
    """
    if currency != KZT:
        raise InvalidInput(f"{field}.currency", f"the fund works in KZT only, not {currency!r}")
    amount = _decimal(value, field)
    if amount <= 0:
        raise InvalidInput(field, "must be above zero")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidInput(field, "must be given to the tiyn (at most 2 decimal places)")
    if amount >= _LIMIT:
        raise InvalidInput(field, f"must be below 10^{MAX_INTEGER_DIGITS} KZT")
    return amount.quantize(TIYN)


def percent(value: object, field: str, *, places: int = 2, upper: Decimal = Decimal(100)) -> Decimal:
    """A percentage from 0 to ``upper`` with at most ``places`` decimal places."""
    number = _decimal(value, field)
    if not Decimal(0) <= number <= upper:
        raise InvalidInput(field, f"must be from 0 to {upper}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise InvalidInput(field, f"must have at most {places} decimal places")
    return number


def _decimal(value: object, field: str) -> Decimal:
    # bool is an int, float is inexact: both are refused, so no 0.1 + 0.2 sneaks into money.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidInput(field, "must be a decimal number")
    number = Decimal(value)
    if not number.is_finite():
        raise InvalidInput(field, "must be a finite number")
    return number
