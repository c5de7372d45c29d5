"""Domestic share of contracted value per category, against the 2023 targets."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from services.orders.domain.errors import InvalidKpiTargets
from services.orders.domain.kpi import (
    DEFAULT_TARGETS,
    CategoryKpi,
    ContractedOrder,
    compute_kpi,
    counts_toward_kpi,
    parse_kpi_targets,
)
from services.orders.domain.specification import Category


def order(category: str, kzt: str, country: str) -> ContractedOrder:
    return ContractedOrder(category=category, contract_price_kzt=Decimal(kzt), supplier_country=country)


def kpi_of(
    category: str, orders: list[ContractedOrder], targets: Mapping[Category, Decimal] = DEFAULT_TARGETS
) -> CategoryKpi:
    return next(k for k in compute_kpi(orders, targets) if k.category == category)


def test_the_kpi_lists_repair_modernization_production_in_that_order() -> None:
    assert [k.category for k in compute_kpi([])] == ["repair", "modernization", "production"]


def test_a_mix_of_domestic_and_foreign_suppliers_gives_the_domestic_share_of_value() -> None:
    kpi = kpi_of(
        "repair",
        [
            order("repair", "600000.00", "KZ"),
            order("repair", "300000.00", "TR"),
            order("repair", "100000.00", "KZ"),
        ],
    )
    assert kpi.contracted_value_kzt == Decimal("1000000.00")
    assert kpi.domestic_value_kzt == Decimal("700000.00")
    assert kpi.domestic_share == Decimal("70.00")
    assert kpi.target == Decimal("55")
    assert kpi.gap == Decimal("-15.00")


def test_a_share_below_target_leaves_a_positive_gap() -> None:
    kpi = kpi_of("production", [order("production", "1", "KZ"), order("production", "2", "US")])
    assert kpi.domestic_share == Decimal("33.33")
    assert kpi.gap == Decimal("36.67")


def test_the_share_rounds_half_up_to_two_decimals() -> None:
    # 1 of 800 is 0.125 %: half up gives 0.13 where banker's rounding would give 0.12.
    kpi = kpi_of("modernization", [order("modernization", "1", "KZ"), order("modernization", "799", "DE")])
    assert kpi.domestic_share == Decimal("0.13")
    kpi = kpi_of("modernization", [order("modernization", "2", "KZ"), order("modernization", "1", "DE")])
    assert kpi.domestic_share == Decimal("66.67")


def test_a_category_with_nothing_contracted_has_no_share_and_no_gap() -> None:
    kpi = kpi_of("production", [order("repair", "10", "KZ")])
    assert kpi.contracted_value_kzt == Decimal("0.00")
    assert kpi.domestic_value_kzt == Decimal("0.00")
    assert kpi.domestic_share is None
    assert kpi.gap is None
    assert kpi.target == Decimal("70")


def test_all_foreign_is_a_zero_share() -> None:
    kpi = kpi_of("repair", [order("repair", "10", "RU")])
    assert kpi.domestic_share == Decimal("0.00")
    assert kpi.gap == Decimal("55.00")


def test_procurement_and_maintenance_orders_do_not_count() -> None:
    kpis = compute_kpi([order("procurement", "10", "KZ"), order("maintenance", "10", "KZ")])
    assert all(k.contracted_value_kzt == 0 for k in kpis)


def test_a_lower_case_kz_counts_as_domestic() -> None:
    kpi = kpi_of("repair", [order("repair", "10", "kz")])
    assert kpi.domestic_share == Decimal("100.00")


def test_custom_targets_change_target_and_gap() -> None:
    targets = parse_kpi_targets("repair=80")
    kpi = kpi_of("repair", [order("repair", "1", "KZ"), order("repair", "1", "FR")], targets)
    assert kpi.target == Decimal("80")
    assert kpi.gap == Decimal("30.00")


def test_the_response_item_has_kzt_as_strings_and_percentages_as_numbers() -> None:
    kpi = kpi_of("repair", [order("repair", "3", "KZ"), order("repair", "1", "CN")])
    assert kpi.to_dict() == {
        "category": "repair",
        "contracted_value_kzt": "4.00",
        "domestic_value_kzt": "3.00",
        "domestic_share": 75.0,
        "target": 55.0,
        "gap": -20.0,
        # Contract section 8: no local content share is known for these orders, so nothing counts as localized.
        "localized_value_kzt": "0.00",
        "localized_share": 0.0,
    }
    empty = kpi_of("modernization", []).to_dict()
    assert empty["domestic_share"] is None and empty["gap"] is None


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        ("draft", False),
        ("published", False),
        ("award_pending", False),
        ("contracted", True),
        ("in_production", True),
        ("inspection", True),
        ("rework", True),
        ("accepted", True),
        ("shipped", True),
        ("delivered", True),
        ("closed", True),
        ("cancelled", False),
    ],
)
def test_an_order_counts_once_contracted_and_not_when_cancelled(status: str, counts: bool) -> None:
    assert counts_toward_kpi(status) is counts


# --- SDO_KPI_TARGETS -------------------------------------------------------------------


def test_default_targets_are_55_35_70() -> None:
    assert DEFAULT_TARGETS == {
        Category.REPAIR: Decimal("55"),
        Category.MODERNIZATION: Decimal("35"),
        Category.PRODUCTION: Decimal("70"),
    }


@pytest.mark.parametrize("text", [None, "", "  ", ","])
def test_no_override_keeps_the_defaults(text: str | None) -> None:
    assert parse_kpi_targets(text) == DEFAULT_TARGETS


def test_a_full_override_replaces_all_three() -> None:
    assert parse_kpi_targets("repair=60,modernization=40.5,production=75") == {
        "repair": Decimal("60"),
        "modernization": Decimal("40.5"),
        "production": Decimal("75"),
    }


def test_a_partial_override_keeps_the_other_defaults() -> None:
    assert parse_kpi_targets(" production = 80 ") == {
        "repair": Decimal("55"),
        "modernization": Decimal("35"),
        "production": Decimal("80"),
    }


def test_the_bounds_0_and_100_are_valid_targets() -> None:
    assert parse_kpi_targets("repair=0,production=100")["production"] == Decimal("100")


@pytest.mark.parametrize(
    "text",
    [
        "repair",
        "repair:55",
        "procurement=50",
        "Repair=55",
        "aviation=10",
        "repair=",
        "repair=abc",
        "repair=101",
        "repair=-1",
        "repair=NaN",
        "repair=Infinity",
        "repair=55.555",
        "repair=55,repair=60",
    ],
)
def test_a_bad_override_is_refused(text: str) -> None:
    with pytest.raises(InvalidKpiTargets) as caught:
        parse_kpi_targets(text)
    assert caught.value.field == "SDO_KPI_TARGETS"


def test_a_bad_override_is_a_value_error_for_settings_validators() -> None:
    with pytest.raises(ValueError):
        parse_kpi_targets("repair=200")


# --- the localized share (contract section 8): value weighted by each contract's local content ------


def localized(category: str, kzt: str, country: str, share: str | None) -> ContractedOrder:
    return ContractedOrder(category, Decimal(kzt), country, None if share is None else Decimal(share))


def test_a_domestic_reseller_counts_as_domestic_but_only_its_local_content_as_localized() -> None:
    # 600,000 at 60% local content = 360,000; 400,000 at 10% = 40,000: 400,000 of 1,000,000 is 40%.
    kpi = kpi_of("repair", [localized("repair", "600000.00", "KZ", "60"), localized("repair", "400000.00", "TR", "10")])
    assert (kpi.domestic_share, kpi.localized_value_kzt, kpi.localized_share) == (
        Decimal("60.00"),
        Decimal("400000.00"),
        Decimal("40.00"),
    )


def test_a_kazakh_reseller_of_imports_at_5_percent_local_content_is_100_domestic_and_5_localized() -> None:
    kpi = kpi_of("production", [localized("production", "2500000.00", "KZ", "5")])
    assert (kpi.domestic_share, kpi.localized_value_kzt, kpi.localized_share) == (
        Decimal("100.00"),
        Decimal("125000.00"),
        Decimal("5.00"),
    )


def test_the_localized_value_is_summed_exactly_and_rounded_once() -> None:
    # 0.01 x 33.33% three times is 0.009999 exactly: 0.01 once rounded, not 0.00 + 0.00 + 0.00.
    orders = [localized("modernization", "0.01", "KZ", "33.33")] * 3
    kpi = kpi_of("modernization", orders)
    assert (kpi.localized_value_kzt, kpi.localized_share) == (Decimal("0.01"), Decimal("33.33"))


def test_a_contract_without_a_known_local_content_share_counts_as_not_localized() -> None:
    kpi = kpi_of("repair", [localized("repair", "100.00", "KZ", None), localized("repair", "100.00", "KZ", "50")])
    assert (kpi.localized_value_kzt, kpi.localized_share) == (Decimal("50.00"), Decimal("25.00"))


def test_nothing_contracted_has_no_localized_share() -> None:
    kpi = kpi_of("repair", [])
    assert (kpi.localized_value_kzt, kpi.localized_share) == (Decimal("0.00"), None)
    assert kpi.to_dict()["localized_share"] is None and kpi.to_dict()["localized_value_kzt"] == "0.00"
