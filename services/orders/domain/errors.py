"""Errors raised by the orders domain.

Each class carries a stable ``code`` so the HTTP layer maps it to one problem type without
parsing messages: ``InvalidField`` and its subclasses answer 422 (``field`` fills
``errors[].field``), ``ActionNotPermitted`` 403, ``IllegalTransition`` 409.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


class OrderDomainError(Exception):
    """Base of every rule the orders domain refuses."""

    code: str = "order_domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidField(OrderDomainError, ValueError):
    """A value breaks a rule; answers 422.

    Also a ``ValueError`` so that raising it inside a pydantic validator becomes a
    validation error instead of a 500.
    """

    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidMoney(InvalidField):
    """A money object that is not ``{"amount": "<decimal string>", "currency": "<ISO 4217>"}``."""

    code = "invalid_money"


class UnknownCurrency(InvalidField):
    """No exchange rate is known for ``currency``, so it cannot be compared in KZT."""

    code = "unknown_currency"

    def __init__(self, currency: str, field: str = "currency") -> None:
        super().__init__(field, f"no exchange rate to KZT is known for currency {currency!r}")
        self.currency = currency


class PriceAboveCeiling(InvalidField):
    """The contract price, converted to KZT, exceeds the order's price ceiling in KZT."""

    code = "price_above_ceiling"

    def __init__(self, price_kzt: Decimal, ceiling_kzt: Decimal, field: str = "contract_price") -> None:
        super().__init__(field, f"contract price {price_kzt} KZT is above the price ceiling {ceiling_kzt} KZT")
        self.price_kzt = price_kzt
        self.ceiling_kzt = ceiling_kzt


class InvalidKpiTargets(InvalidField):
    """``SDO_KPI_TARGETS`` cannot be read."""

    code = "invalid_kpi_targets"

    def __init__(self, message: str) -> None:
        super().__init__("SDO_KPI_TARGETS", message)


class InvalidOrderNumber(InvalidField):
    """A string that is not ``SDO-<year>-<6 digits>``, or numbering input out of range."""

    code = "invalid_order_number"


class OrderNumbersExhausted(OrderDomainError):
    """The per-year sequence went past 999999; the number format has no room left."""

    code = "order_numbers_exhausted"

    def __init__(self, year: int, sequence: int) -> None:
        super().__init__(f"order number sequence {sequence} for {year} exceeds 999999")
        self.year = year
        self.sequence = sequence


class ActionNotPermitted(OrderDomainError):
    """None of the caller's roles may perform ``action``; answers 403."""

    code = "action_not_permitted"

    def __init__(self, action: str, roles: Iterable[str]) -> None:
        self.action = str(action)
        self.roles = sorted(str(role) for role in roles)
        super().__init__(f"roles {self.roles} may not {self.action} an order")


class IllegalTransition(OrderDomainError):
    """The action is not drawn from the current status; answers 409.

    ``allowed_actions`` are the action names allowed now (for the caller, when the caller's
    roles were given), ready for the problem body.
    """

    code = "illegal_transition"

    def __init__(self, current_status: str, action: str, allowed_actions: Iterable[str]) -> None:
        self.current_status = str(current_status)
        self.action = str(action)
        self.allowed_actions = [str(a) for a in allowed_actions]
        allowed = ", ".join(self.allowed_actions) or "none"
        super().__init__(f"cannot {self.action} an order in status {self.current_status}; allowed now: {allowed}")
