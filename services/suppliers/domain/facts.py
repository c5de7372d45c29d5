"""Plain input facts about suppliers and award requirements.

Made by the supplier aggregate (``Supplier.facts()``) and from event data (the award request),
so they hold only values, never rows or request models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from services.suppliers.domain.status import SupplierStatus

# Order categories named by the contract (section 3); suppliers declare a subset.
ORDER_CATEGORIES: tuple[str, ...] = ("procurement", "maintenance", "repair", "modernization", "production")


def to_decimal(value: Decimal | int | float | str) -> Decimal:
    """Decimal from a number or numeric string; floats go through str() to avoid binary noise."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def normalize_category(value: str) -> str:
    return value.strip().lower()


def category_order(categories: Iterable[str]) -> list[str]:
    """Distinct order categories in the contract's order, whatever order they were given in."""
    # Only known categories reach the domain (the API validates them).
    return sorted({normalize_category(c) for c in categories}, key=ORDER_CATEGORIES.index)


def normalize_standard(value: str) -> str:
    """Comparison key of a certification standard: case-insensitive, whitespace collapsed.

    "iso  9001" and "ISO 9001" match; "AQAP-2110" and "AQAP 2110" do not (punctuation kept).
    """
    return " ".join(value.split()).casefold()


@dataclass(frozen=True, slots=True)
class LicenseFacts:
    category: str
    valid_from: date
    valid_until: date
    number: str = ""
    revoked: bool = False  # a revoked license is never valid again

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", normalize_category(self.category))

    def is_valid_on(self, on: date) -> bool:
        # Both ends inclusive: a license expiring on the date still counts that day.
        return not self.revoked and self.valid_from <= on <= self.valid_until

    def covers(self, category: str, on: date) -> bool:
        return self.category == normalize_category(category) and self.is_valid_on(on)


@dataclass(frozen=True, slots=True)
class CertificationFacts:
    standard: str
    valid_until: date
    number: str = ""
    revoked: bool = False  # a revoked certificate is never valid again

    def is_valid_on(self, on: date) -> bool:
        return not self.revoked and self.valid_until >= on

    def covers(self, standard: str, on: date) -> bool:
        return normalize_standard(self.standard) == normalize_standard(standard) and self.is_valid_on(on)


@dataclass(frozen=True, slots=True)
class SupplierFacts:
    """What eligibility needs to know about one supplier.

    ``local_content_share`` is a percent 0-100; int and float are accepted and kept as Decimal.
    """

    status: SupplierStatus
    country: str
    local_content_share: Decimal
    security_clearance: bool
    licenses: tuple[LicenseFacts, ...] = ()
    certifications: tuple[CertificationFacts, ...] = ()
    # A suspension with an end: from that day on the supplier is active again, whether or not the
    # background task has reinstated it yet.
    suspended_until: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", SupplierStatus(self.status))
        object.__setattr__(self, "country", self.country.strip().upper())
        object.__setattr__(self, "local_content_share", to_decimal(self.local_content_share))
        object.__setattr__(self, "licenses", tuple(self.licenses))
        object.__setattr__(self, "certifications", tuple(self.certifications))

    def status_on(self, day: date) -> SupplierStatus:
        """The status on ``day``: a suspension lapses on its ``suspended_until`` date."""
        if self.status is SupplierStatus.SUSPENDED and self.suspended_until is not None and day >= self.suspended_until:
            return SupplierStatus.ACTIVE
        return self.status


@dataclass(frozen=True, slots=True)
class AwardRequirement:
    """What an order asks of its supplier, checked on date ``on``.

    For an award ``on`` is the order's ``delivery_deadline``; for the eligibility query it is
    the ``on`` parameter. ``requires_security_clearance`` defaults to False here because the
    caller always states it (the order carries it, the query says it).

    ``status_on`` is the day the supplier's status is judged on (default ``on``): an award is made
    today, so a supplier suspended today is not active for it, whatever the deadline.
    """

    category: str
    on: date
    required_certifications: tuple[str, ...] = ()
    min_local_content: Decimal = field(default_factory=lambda: Decimal(0))
    requires_security_clearance: bool = False
    status_on: date | None = None

    @property
    def status_date(self) -> date:
        return self.on if self.status_on is None else self.status_on

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", normalize_category(self.category))
        object.__setattr__(self, "required_certifications", _as_tuple(self.required_certifications))
        object.__setattr__(self, "min_local_content", to_decimal(self.min_local_content))


def _as_tuple(items: Iterable[str]) -> tuple[str, ...]:
    # A bare string would otherwise become a tuple of characters.
    if isinstance(items, str):
        return (items,)
    return tuple(items)
