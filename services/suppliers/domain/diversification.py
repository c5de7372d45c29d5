"""Supplier diversification per order category.

Choices, so readers of ``GET /api/v1/analytics/diversification`` know what they get:

- Money stays Decimal (``awarded_value_kzt``); the caller renders it as a decimal string.
- Shares (``by_country``, ``domestic_share``) are percent 0-100 of awarded value, computed in
  Decimal and rounded half-up to 2 dp, then returned as float (JSON numbers, as in the contract's
  ``{"KZ": 100.0}``). Rounded shares may sum to 100 +/- 0.01 per country.
- ``hhi`` is the Herfindahl-Hirschman index over suppliers' shares of awarded value, 0-10000
  scale, computed from unrounded shares and rounded to 2 dp (float); ``hhi_by_country`` the same
  over the suppliers' countries (under sanctions the risk is the country: two Russian suppliers and
  one Kazakh supplier of equal value are 3,333 over suppliers but 5,556 over countries).
- A category with no awarded value has no distribution: ``by_country`` is empty and
  ``domestic_share`` and ``hhi`` are None (null), not 0, since 0 would read as "no domestic
  supply" or "perfect competition".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from uuid import UUID

from services.suppliers.domain.facts import ORDER_CATEGORIES, normalize_category, to_decimal
from services.suppliers.domain.identity import DOMESTIC_COUNTRY
from services.suppliers.domain.status import SupplierStatus

SupplierId = UUID | str
K = TypeVar("K", bound=Hashable)

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SupplierProfile:
    """A registered supplier as seen by the count of active suppliers."""

    supplier_id: SupplierId
    country: str
    status: SupplierStatus
    categories: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", self.country.strip().upper())
        object.__setattr__(self, "status", SupplierStatus(self.status))
        object.__setattr__(self, "categories", tuple(normalize_category(c) for c in self.categories))


@dataclass(frozen=True, slots=True)
class AwardRecord:
    """One contracted order: who got it, from which country, for how much (KZT)."""

    supplier_id: SupplierId
    country: str
    category: str
    value_kzt: Decimal

    def __post_init__(self) -> None:
        value = to_decimal(self.value_kzt)
        if value < 0:
            raise ValueError("awarded value cannot be negative")
        object.__setattr__(self, "value_kzt", value)
        object.__setattr__(self, "country", self.country.strip().upper())
        object.__setattr__(self, "category", normalize_category(self.category))


@dataclass(frozen=True, slots=True)
class CategoryDiversification:
    category: str
    active_suppliers: int
    awarded_value_kzt: Decimal
    by_country: dict[str, float]
    domestic_share: float | None
    hhi: float | None
    hhi_by_country: float | None = None


def contract_value(
    price_kzt: Decimal, *, amended_price_kzt: Decimal | None = None, reductions_kzt: Decimal = Decimal(0)
) -> Decimal:
    """The value a contract counts for: its price in force (the last amendment's, else the award's)
    less the price reductions of its concessions, never below zero."""
    return max((amended_price_kzt if amended_price_kzt is not None else price_kzt) - reductions_kzt, Decimal(0))


def _round2(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def percent_shares(values: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Unrounded percent share (0-100) of each key; empty when the total is zero."""
    total = sum(values.values(), Decimal(0))
    if total == 0:
        return {}
    return {key: value * _HUNDRED / total for key, value in values.items()}


def herfindahl_hirschman_index(values: Iterable[Decimal | int | float]) -> float | None:
    """HHI on the 0-10000 scale: sum of squared percent shares of ``values``.

    One holder gives 10000, two equal holders 5000; None when the total is zero.
    """
    shares = percent_shares(dict(enumerate(to_decimal(v) for v in values)))
    if not shares:
        return None
    return _round2(sum((share * share for share in shares.values()), Decimal(0)))


def category_diversification(
    category: str, suppliers: Iterable[SupplierProfile], awards: Iterable[AwardRecord]
) -> CategoryDiversification:
    key = normalize_category(category)
    active = sum(1 for s in suppliers if s.status is SupplierStatus.ACTIVE and key in s.categories)
    return summarize_category(key, active, awards)


def summarize_category(category: str, active_suppliers: int, awards: Iterable[AwardRecord]) -> CategoryDiversification:
    """One category's row when the active suppliers were already counted (e.g. by the database)."""
    key = normalize_category(category)
    by_supplier: dict[SupplierId, Decimal] = defaultdict(Decimal)
    by_country: dict[str, Decimal] = defaultdict(Decimal)
    for award in awards:
        if award.category != key:
            continue
        # Per supplier, not per award: three orders to one supplier are still one holder.
        by_supplier[award.supplier_id] += award.value_kzt
        by_country[award.country] += award.value_kzt

    total = sum(by_supplier.values(), Decimal(0))
    country_shares = percent_shares(by_country)
    ordered = sorted(country_shares.items(), key=lambda item: (-item[1], item[0]))
    return CategoryDiversification(
        category=key,
        active_suppliers=active_suppliers,
        awarded_value_kzt=total,
        by_country={country: _round2(share) for country, share in ordered},
        domestic_share=_round2(country_shares.get(DOMESTIC_COUNTRY, Decimal(0))) if country_shares else None,
        hhi=herfindahl_hirschman_index(by_supplier.values()),
        hhi_by_country=herfindahl_hirschman_index(by_country.values()),
    )


def diversification(
    suppliers: Iterable[SupplierProfile],
    awards: Iterable[AwardRecord],
    categories: Iterable[str] = ORDER_CATEGORIES,
) -> list[CategoryDiversification]:
    """One row per category, in the order given (default: every order category)."""
    supplier_list = list(suppliers)
    award_list = list(awards)
    return [category_diversification(c, supplier_list, award_list) for c in categories]
