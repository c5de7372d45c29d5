"""Domestic-share KPI per order category (GET /api/v1/analytics/kpi).

The share is the percentage of contracted value in KZT placed with domestic (``KZ``)
suppliers. The localized share (contract section 8) weights each contract's value by the
``local_content_share`` its supplier declared (copied onto the order from
``supplier.award_confirmed``): a Kazakh-registered reseller of imported equipment counts as
domestic, but only its local content counts as localized. Decisions:

- ``domestic_share`` is ``None`` (JSON null) when nothing is contracted in a category:
  0 would claim "no domestic supply" where there is simply no data.
- ``gap`` is signed, ``target - share``: positive is how many points are missing, negative
  how far the target is exceeded. ``None`` when the share is ``None``.
- A contract without a known local content share counts as 0% localized (nothing is claimed
  that the registry did not state); the localized value is summed exactly and rounded to the
  tiyn once, per category.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Any

from services.orders.domain.errors import InvalidKpiTargets
from services.orders.domain.lifecycle import OrderStatus
from services.orders.domain.pricing import quantize_kzt
from services.orders.domain.specification import Category

DOMESTIC_COUNTRY = "KZ"
KPI_CATEGORIES: tuple[Category, ...] = (Category.REPAIR, Category.MODERNIZATION, Category.PRODUCTION)

# Targets of the 2023 policy for domestically mastered technology, in percent.
DEFAULT_TARGETS: Mapping[Category, Decimal] = MappingProxyType(
    {
        Category.REPAIR: Decimal("55"),
        Category.MODERNIZATION: Decimal("35"),
        Category.PRODUCTION: Decimal("70"),
    }
)

# An order counts once it is contracted; a cancelled one does not (its money is not placed).
COUNTED_STATUSES: frozenset[OrderStatus] = frozenset(
    {
        OrderStatus.CONTRACTED,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.INSPECTION,
        OrderStatus.REWORK,
        OrderStatus.ACCEPTED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.CLOSED,
    }
)

_PERCENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ContractedOrder:
    """What the KPI needs of one contracted order."""

    category: str
    contract_price_kzt: Decimal
    supplier_country: str
    local_content_share: Decimal | None = None  # percent, 0-100


@dataclass(frozen=True, slots=True)
class CategoryKpi:
    category: Category
    contracted_value_kzt: Decimal
    domestic_value_kzt: Decimal
    domestic_share: Decimal | None
    target: Decimal
    gap: Decimal | None
    localized_value_kzt: Decimal = Decimal("0.00")
    localized_share: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        """Response item: KZT values as strings (money), percentages as JSON numbers."""
        return {
            "category": self.category.value,
            "contracted_value_kzt": str(self.contracted_value_kzt),
            "domestic_value_kzt": str(self.domestic_value_kzt),
            "domestic_share": _number(self.domestic_share),
            "target": _number(self.target),
            "gap": _number(self.gap),
            "localized_value_kzt": str(self.localized_value_kzt),
            "localized_share": _number(self.localized_share),
        }


def counts_toward_kpi(status: OrderStatus | str) -> bool:
    return OrderStatus(status) in COUNTED_STATUSES


def is_domestic(country: str | None) -> bool:
    return (country or "").strip().upper() == DOMESTIC_COUNTRY


def compute_kpi(
    orders: Iterable[ContractedOrder], targets: Mapping[Category, Decimal] = DEFAULT_TARGETS
) -> list[CategoryKpi]:
    """One entry per KPI category, in the order repair, modernization, production.

    Orders of other categories (procurement, maintenance) are ignored.
    """
    contracted = dict.fromkeys(KPI_CATEGORIES, Decimal(0))
    domestic = dict.fromkeys(KPI_CATEGORIES, Decimal(0))
    localized = dict.fromkeys(KPI_CATEGORIES, Decimal(0))
    for order in orders:
        if order.category not in contracted:
            continue
        category = Category(order.category)
        contracted[category] += order.contract_price_kzt
        if is_domestic(order.supplier_country):
            domestic[category] += order.contract_price_kzt
        localized[category] += localized_value(order.contract_price_kzt, order.local_content_share)
    result = []
    for category in KPI_CATEGORIES:
        target = targets.get(category, DEFAULT_TARGETS[category])
        share = domestic_share(domestic[category], contracted[category])
        localized_kzt = quantize_kzt(localized[category])
        result.append(
            CategoryKpi(
                category=category,
                contracted_value_kzt=quantize_kzt(contracted[category]),
                domestic_value_kzt=quantize_kzt(domestic[category]),
                domestic_share=share,
                target=target,
                gap=None if share is None else target - share,
                localized_value_kzt=localized_kzt,
                localized_share=domestic_share(localized[category], contracted[category]),
            )
        )
    return result


def localized_value(contract_price_kzt: Decimal, local_content_share: Decimal | None) -> Decimal:
    """The part of a contract's value that is local content, exact (rounded only once summed)."""
    if local_content_share is None:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 50
        return contract_price_kzt * local_content_share / 100


def domestic_share(domestic_kzt: Decimal, contracted_kzt: Decimal) -> Decimal | None:
    """Percent, 2 decimal places half up; ``None`` when nothing is contracted (the localized share too)."""
    if contracted_kzt <= 0:
        return None
    return (domestic_kzt * 100 / contracted_kzt).quantize(_PERCENT, rounding=ROUND_HALF_UP)


def parse_kpi_targets(text: str | None) -> dict[Category, Decimal]:
    """Read ``SDO_KPI_TARGETS`` (``repair=55,modernization=35,production=70``).

    Categories not named keep their defaults; empty or missing text means all defaults.
    Raises ``InvalidKpiTargets`` for an unknown or repeated category or a value outside 0..100.
    """
    targets = dict(DEFAULT_TARGETS)
    if text is None:
        return targets
    named: set[Category] = set()
    for item in text.split(","):
        if not item.strip():
            continue  # tolerate "repair=55," and blank values
        name, sep, raw = item.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep:
            raise InvalidKpiTargets(f"{item.strip()!r} is not of the form category=percent")
        if name not in KPI_CATEGORIES:
            raise InvalidKpiTargets(f"{name!r} is not a KPI category; use {', '.join(KPI_CATEGORIES)}")
        category = Category(name)
        if category in named:
            raise InvalidKpiTargets(f"{name!r} is given twice")
        named.add(category)
        targets[category] = _parse_percent(name, raw)
    return targets


def _parse_percent(name: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidKpiTargets(f"target for {name} must be a number, got {raw!r}") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise InvalidKpiTargets(f"target for {name} must be from 0 to 100, got {raw!r}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidKpiTargets(f"target for {name} must have at most 2 decimal places, got {raw!r}")
    return value


def _number(value: Decimal | None) -> float | None:
    # Percentages go out as JSON numbers (as in the suppliers' "by_country": {"KZ": 100.0});
    # with 2 decimal places and at most 100 the float is exact to what is printed.
    return None if value is None else float(value)
