"""The diversification table as CSV (the negotiation and streaming are the kernel's, ``shared/http/csv.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

DIVERSIFICATION_HEADER = (
    "category",
    "active_suppliers",
    "awarded_value_kzt",
    "domestic_share",
    "hhi",
    "hhi_by_country",
    "by_country",
)


def diversification_rows(body: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """One row per category, the JSON body's fields in the same units; ``by_country`` as
    ``KZ 80.0; TR 20.0`` (largest share first), empty with no awarded value."""
    for row in body["categories"]:
        shares = "; ".join(f"{country} {share}" for country, share in row["by_country"].items())
        yield (
            row["category"],
            row["active_suppliers"],
            row["awarded_value_kzt"],
            row["domestic_share"],
            row["hhi"],
            row["hhi_by_country"],
            shares,
        )


DIVERSIFICATION_EXAMPLE = (
    "category,active_suppliers,awarded_value_kzt,domestic_share,hhi,hhi_by_country,by_country\r\n"
    "procurement,0,0.00,,,,\r\n"
    "repair,3,1000000.00,80.0,4400.0,6800.0,KZ 80.0; TR 20.0\r\n"
)
