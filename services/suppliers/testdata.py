"""Test data for the suppliers API, public: valid identities and request bodies.

For the tests and for ``sdo demo``, which talk to the service as a client would. Bodies are plain
JSON dicts; pass a field to change it. Dates are on the suite's clock (``shared.clock``), on the
ministry's calendar (``SDO_TIMEZONE``'s default), the calendar the service judges validity on.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from services.suppliers.domain.identity import bin_check_digit
from shared import clock
from shared.clock import DEFAULT_TIMEZONE


def make_bin(prefix: str) -> str:
    """Complete an 11-digit prefix with its check digit.

    Raises ValueError when the prefix has no resolvable check digit; change a digit and retry.
    """
    check = bin_check_digit(prefix)
    if check is None:
        raise ValueError(f"prefix {prefix!r} has no resolvable BIN check digit")
    return f"{prefix}{check}"


def new_bin() -> str:
    """A fresh BIN with a valid check digit, shaped as a legal entity's (year, month, 4, serial).

    Random, so every test supplier (and every run of the demo) is a new legal entity.
    """
    while True:
        prefix = f"{random.randint(0, 99):02d}{random.randint(1, 12):02d}4{random.randint(0, 999_999):06d}"
        if bin_check_digit(prefix) is not None:  # about one prefix in eleven has none
            return make_bin(prefix)


def kz_body(**overrides: Any) -> dict[str, Any]:
    """A Kazakh supplier, identified by a fresh BIN."""
    body = {
        "name": "Kazakhstan Engineering JSC",
        "country": "KZ",
        "bin": new_bin(),
        "categories": ["repair", "modernization"],
        "local_content_share": 72.5,
        "security_clearance": True,
    }
    return {**body, **overrides}


def foreign_body(country: str = "TR", **overrides: Any) -> dict[str, Any]:
    """A supplier registered abroad, identified by a fresh registration number."""
    body = {
        "name": f"Supplier of {country}",
        "country": country,
        "registration_number": f"{country}-{random.randrange(10**9)}",
        "categories": ["production"],
        "local_content_share": 10,
        "security_clearance": False,
    }
    return {**body, **overrides}


def license_body(category: str = "repair", *, until: date | None = None, **overrides: Any) -> dict[str, Any]:
    """A license valid from a month ago until ``until`` (default: a year from now)."""
    today = clock.today(DEFAULT_TIMEZONE)
    body = {
        "category": category,
        "number": f"L-{random.randrange(10**9)}",
        "valid_from": (today - timedelta(days=30)).isoformat(),
        "valid_until": (until or today + timedelta(days=365)).isoformat(),
    }
    return {**body, **overrides}


def certification_body(standard: str, *, until: date | None = None, **overrides: Any) -> dict[str, Any]:
    """A certificate to ``standard`` valid until ``until`` (default: a year from now)."""
    valid_until = until or clock.today(DEFAULT_TIMEZONE) + timedelta(days=365)
    body = {"standard": standard, "number": f"C-{random.randrange(10**9)}", "valid_until": valid_until.isoformat()}
    return {**body, **overrides}
