"""Human order numbers: ``SDO-<year>-<6 digits>``, one sequence per year starting at 1."""

from __future__ import annotations

import re

from services.orders.domain.errors import InvalidOrderNumber, OrderNumbersExhausted

MAX_SEQUENCE = 999_999
_NUMBER = re.compile(r"SDO-([0-9]{4})-([0-9]{6})")


def format_order_number(year: int, sequence: int) -> str:
    """``SDO-2025-000042`` for year 2025, sequence 42.

    Raises ``OrderNumbersExhausted`` above 999999 (the format has six digits, and silently
    widening it would break every parser of the number).
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise InvalidOrderNumber("year", "must be a four-digit year")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise InvalidOrderNumber("sequence", "must be a positive integer")
    if sequence > MAX_SEQUENCE:
        raise OrderNumbersExhausted(year, sequence)
    return f"SDO-{year:04d}-{sequence:06d}"


def parse_order_number(number: str) -> tuple[int, int]:
    """(year, sequence) of an order number; raises ``InvalidOrderNumber`` for anything else."""
    match = _NUMBER.fullmatch(number) if isinstance(number, str) else None
    if match is None or match.group(2) == "000000":
        raise InvalidOrderNumber("number", "must look like SDO-2025-000001")
    return int(match.group(1)), int(match.group(2))


def is_order_number(value: str) -> bool:
    """True for a well-formed order number (lets a route accept an id or a number)."""
    try:
        parse_order_number(value)
    except InvalidOrderNumber:
        return False
    return True
