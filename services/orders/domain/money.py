"""Money: a non-negative decimal amount with an ISO 4217 currency, never a float.

Wire form (contract section 2): ``{"amount": "123.45", "currency": "KZT"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from services.orders.domain.errors import InvalidMoney

CENT = Decimal("0.01")
# 15 integer digits (below a quadrillion) is far above any order, and keeps amount x rate
# exact inside the default 28-digit decimal context.
MAX_INTEGER_DIGITS = 15

_CURRENCY = re.compile(r"[A-Z]{3}")
# Plain digits with an optional fraction: no sign, exponent, spaces or underscores.
_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount (``Decimal``, at most 2 decimal places, >= 0) in ``currency``."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        check_currency(self.currency, "currency")
        _check_amount_value(self.amount, "amount")
        # One representation per value: 100 and 100.00 print and store the same way.
        # copy_abs turns a "-0" into 0.
        object.__setattr__(self, "amount", self.amount.quantize(CENT).copy_abs())

    @classmethod
    def parse(cls, data: Any, field: str = "") -> Money:
        """Read the wire form; ``field`` prefixes the path in errors (e.g. ``price_ceiling``)."""
        prefix = f"{field}." if field else ""
        if not isinstance(data, Mapping):
            raise InvalidMoney(field or "money", 'must be an object {"amount": "...", "currency": "..."}')
        extra = set(data) - {"amount", "currency"}
        if extra:
            raise InvalidMoney(f"{prefix}{sorted(extra)[0]}", "unknown money field")
        for key in ("amount", "currency"):
            if key not in data:
                raise InvalidMoney(f"{prefix}{key}", "is required")
        currency = check_currency(data["currency"], f"{prefix}currency")
        amount = parse_amount(data["amount"], f"{prefix}amount")
        return cls(amount, currency)

    def to_dict(self) -> dict[str, str]:
        """The wire form, amount as a string with two decimal places."""
        return {"amount": str(self.amount), "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def check_currency(value: Any, field: str = "currency") -> str:
    """An ISO 4217 alphabetic code: exactly three upper-case Latin letters."""
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise InvalidMoney(field, "must be an ISO 4217 code of three upper-case letters, e.g. KZT")
    return value


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """A decimal string such as ``"123.45"``; JSON numbers are refused so no float rounding sneaks in."""
    if not isinstance(value, str):
        raise InvalidMoney(field, 'must be a decimal string such as "123.45", not a JSON number')
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidMoney(field, f"{value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise InvalidMoney(field, "must be a finite number")
    if amount < 0 or value.startswith("-"):
        raise InvalidMoney(field, "must not be negative")
    if not _PLAIN_DECIMAL.fullmatch(value):
        raise InvalidMoney(field, 'must be written as plain digits such as "123.45" (no sign, exponent or spaces)')
    _check_amount_value(amount, field)
    return amount


def _check_amount_value(amount: Any, field: str) -> None:
    if not isinstance(amount, Decimal):
        raise InvalidMoney(field, "must be a Decimal")
    if not amount.is_finite():
        raise InvalidMoney(field, "must be a finite number")
    if amount < 0:
        raise InvalidMoney(field, "must not be negative")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidMoney(field, "must have at most 2 decimal places")
    if amount >= Decimal(10) ** MAX_INTEGER_DIGITS:
        raise InvalidMoney(field, f"must be below 10^{MAX_INTEGER_DIGITS}")
