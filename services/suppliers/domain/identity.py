"""Supplier identity: Kazakhstan BIN check digit and ISO 3166-1 alpha-2 country codes."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import pycountry

from services.suppliers.domain.errors import InvalidIdentityError

DOMESTIC_COUNTRY = "KZ"
BIN_LENGTH = 12

_DIGITS = frozenset("0123456789")
_FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


class BinProblem(StrEnum):
    """Why a BIN is invalid."""

    NON_DIGIT = "non_digit"
    NOT_12_DIGITS = "not_12_digits"
    BAD_CHECK_DIGIT = "bad_check_digit"
    UNRESOLVABLE = "unresolvable_check_digit"


_BIN_MESSAGES: dict[BinProblem, str] = {
    BinProblem.NON_DIGIT: "BIN must contain digits 0-9 only",
    BinProblem.NOT_12_DIGITS: "BIN must be exactly 12 digits",
    BinProblem.BAD_CHECK_DIGIT: "BIN check digit (12th digit) does not match the first 11 digits",
    BinProblem.UNRESOLVABLE: "BIN first 11 digits give no check digit under either weight set",
}


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() would accept superscripts and non-Latin digits.
    return all(ch in _DIGITS for ch in value)


def bin_check_digit(first_eleven: str) -> int | None:
    """Check digit for the first 11 digits of a BIN, or None when it cannot be resolved.

    First pass weights 1..11; a result of 10 triggers a second pass with weights 3..11,1,2;
    10 again means no BIN can be built on these digits.
    """
    if len(first_eleven) != BIN_LENGTH - 1 or not _is_ascii_digits(first_eleven):
        raise ValueError("expected exactly 11 digits")
    digits = [int(ch) for ch in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return check
    return None


def bin_problem(value: str) -> BinProblem | None:
    """The reason ``value`` is not a valid BIN, or None when it is valid.

    Non-digit characters are reported before a wrong length, so ``"12-34"`` is ``non_digit``.
    """
    if not _is_ascii_digits(value):
        return BinProblem.NON_DIGIT
    if len(value) != BIN_LENGTH:
        return BinProblem.NOT_12_DIGITS
    check = bin_check_digit(value[:11])
    if check is None:
        return BinProblem.UNRESOLVABLE
    if check != int(value[11]):
        return BinProblem.BAD_CHECK_DIGIT
    return None


def is_valid_bin(value: str) -> bool:
    return bin_problem(value) is None


def validate_bin(value: str, *, field: str = "bin") -> str:
    """Return the BIN with surrounding whitespace removed, or raise InvalidIdentityError."""
    normalized = value.strip()
    problem = bin_problem(normalized)
    if problem is not None:
        raise InvalidIdentityError(field, problem.value, _BIN_MESSAGES[problem])
    return normalized


def normalize_country(value: str, *, field: str = "country") -> str:
    """Return the upper-case ISO 3166-1 alpha-2 code, or raise InvalidIdentityError."""
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidIdentityError(field, "unknown_country", f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def is_valid_country(value: str) -> bool:
    try:
        normalize_country(value)
    except InvalidIdentityError:
        return False
    return True


def parse_country_list(raw: str | Iterable[str], *, field: str = "restricted_countries") -> frozenset[str]:
    """Parse a comma-separated list of alpha-2 codes (e.g. SDO_RESTRICTED_COUNTRIES); blanks are skipped."""
    items = raw.split(",") if isinstance(raw, str) else raw
    return frozenset(normalize_country(item, field=field) for item in items if item.strip())
