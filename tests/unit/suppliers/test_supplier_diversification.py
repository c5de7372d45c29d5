from __future__ import annotations

from decimal import Decimal

import pytest

from services.suppliers.domain.diversification import (
    AwardRecord,
    CategoryDiversification,
    SupplierProfile,
    category_diversification,
    diversification,
    herfindahl_hirschman_index,
    summarize_category,
)
from services.suppliers.domain.facts import ORDER_CATEGORIES
from services.suppliers.domain.status import SupplierStatus


def test_hhi_of_a_single_supplier_is_ten_thousand() -> None:
    assert herfindahl_hirschman_index([Decimal("1250000.00")]) == 10000.0


def test_hhi_of_two_equal_suppliers_is_five_thousand() -> None:
    assert herfindahl_hirschman_index([Decimal(300), Decimal(300)]) == 5000.0


def test_hhi_of_three_unequal_suppliers_sums_squared_percent_shares() -> None:
    # 50 % + 30 % + 20 %: 2500 + 900 + 400
    assert herfindahl_hirschman_index([Decimal(500), Decimal(300), Decimal(200)]) == 3800.0


def test_hhi_of_thirds_is_rounded_to_two_places() -> None:
    # 3 * (100/3)^2 = 3333.33...
    assert herfindahl_hirschman_index([1, 1, 1]) == 3333.33


def test_hhi_without_awarded_value_is_none() -> None:
    assert herfindahl_hirschman_index([]) is None
    assert herfindahl_hirschman_index([Decimal(0), Decimal(0)]) is None


def test_a_supplier_with_zero_value_does_not_change_the_hhi() -> None:
    assert herfindahl_hirschman_index([Decimal(100), Decimal(0)]) == 10000.0


SUPPLIERS = [
    SupplierProfile("kz-1", "KZ", SupplierStatus.ACTIVE, ("repair", "production")),
    SupplierProfile("kz-2", "kz", SupplierStatus.ACTIVE, ("repair",)),
    SupplierProfile("tr-1", "TR", SupplierStatus.ACTIVE, ("repair",)),
    SupplierProfile("kz-3", "KZ", SupplierStatus.SUSPENDED, ("repair",)),
    SupplierProfile("kz-4", "KZ", SupplierStatus.PENDING, ("repair",)),
]

AWARDS = [
    # kz-1 gets two repair orders: together 500 of 1000.
    AwardRecord("kz-1", "KZ", "repair", Decimal("200.00")),
    AwardRecord("kz-1", "KZ", "repair", Decimal("300.00")),
    AwardRecord("tr-1", "TR", "repair", Decimal("300.00")),
    # A supplier suspended later keeps its awarded value.
    AwardRecord("kz-3", "KZ", "repair", Decimal("200.00")),
    AwardRecord("kz-1", "KZ", "production", Decimal("999.99")),
]


def test_a_category_counts_active_suppliers_value_countries_and_concentration() -> None:
    repair = category_diversification("repair", SUPPLIERS, AWARDS)
    assert repair == CategoryDiversification(
        category="repair",
        active_suppliers=3,
        awarded_value_kzt=Decimal("1000.00"),
        by_country={"KZ": 70.0, "TR": 30.0},
        domestic_share=70.0,
        # suppliers 50 %, 30 %, 20 % -> 2500 + 900 + 400
        hhi=3800.0,
        # countries 70 %, 30 % -> 4900 + 900
        hhi_by_country=5800.0,
    )


def test_a_monopoly_category_is_fully_concentrated() -> None:
    production = category_diversification("production", SUPPLIERS, AWARDS)
    assert production.active_suppliers == 1
    assert production.awarded_value_kzt == Decimal("999.99")
    assert production.by_country == {"KZ": 100.0}
    assert production.domestic_share == 100.0
    assert production.hhi == 10000.0


def test_a_category_with_only_foreign_awards_has_zero_domestic_share() -> None:
    awards = [AwardRecord("tr-1", "TR", "repair", Decimal(10)), AwardRecord("de-1", "DE", "repair", Decimal(10))]
    repair = category_diversification("repair", SUPPLIERS, awards)
    assert repair.domestic_share == 0.0
    assert repair.by_country == {"DE": 50.0, "TR": 50.0}
    assert repair.hhi == 5000.0


def test_a_category_without_awards_has_no_shares_and_no_hhi() -> None:
    modernization = category_diversification("modernization", SUPPLIERS, AWARDS)
    assert modernization == CategoryDiversification(
        category="modernization",
        active_suppliers=0,
        awarded_value_kzt=Decimal(0),
        by_country={},
        domestic_share=None,
        hhi=None,
    )


def test_country_shares_are_rounded_to_two_places_and_listed_largest_first() -> None:
    awards = [
        AwardRecord("a", "KZ", "repair", Decimal(1)),
        AwardRecord("b", "TR", "repair", Decimal(1)),
        AwardRecord("c", "DE", "repair", Decimal(1)),
        AwardRecord("d", "DE", "repair", Decimal(1)),
        AwardRecord("e", "AE", "repair", Decimal(2)),
    ]
    repair = category_diversification("repair", [], awards)
    assert list(repair.by_country.items()) == [("AE", 33.33), ("DE", 33.33), ("KZ", 16.67), ("TR", 16.67)]


def test_the_report_has_one_row_per_order_category_by_default() -> None:
    rows = diversification(SUPPLIERS, AWARDS)
    assert [row.category for row in rows] == list(ORDER_CATEGORIES)
    assert [row.category for row in diversification(SUPPLIERS, AWARDS, ["production"])] == ["production"]


def test_a_negative_award_is_refused() -> None:
    with pytest.raises(ValueError):
        AwardRecord("a", "KZ", "repair", Decimal("-1"))


def test_a_row_can_be_built_from_an_active_count_taken_elsewhere() -> None:
    assert summarize_category("repair", 3, AWARDS) == category_diversification("repair", SUPPLIERS, AWARDS)


# Concentration over countries (contract section 8): under sanctions the risk is the country.


def test_two_russian_and_one_kazakh_supplier_of_equal_value_are_3333_over_suppliers_but_5556_over_countries() -> None:
    awards = [
        AwardRecord("ru-1", "RU", "production", Decimal("1000000.00")),
        AwardRecord("ru-2", "RU", "production", Decimal("1000000.00")),
        AwardRecord("kz-1", "KZ", "production", Decimal("1000000.00")),
    ]
    row = summarize_category("production", 3, awards)
    # Suppliers: 3 x (100/3)^2 = 3333.33. Countries: RU 2/3, KZ 1/3 -> 4444.44 + 1111.11 = 5555.56.
    assert (row.hhi, row.hhi_by_country) == (3333.33, 5555.56)
    assert round(row.hhi) == 3333 and round(row.hhi_by_country) == 5556
    assert row.by_country == {"RU": 66.67, "KZ": 33.33}


def test_suppliers_of_one_country_are_one_holder_over_countries() -> None:
    awards = [AwardRecord("kz-1", "KZ", "repair", Decimal(300)), AwardRecord("kz-2", "kz", "repair", Decimal(100))]
    row = summarize_category("repair", 2, awards)
    # Suppliers 75 % and 25 %: 5625 + 625; one country: 10000.
    assert (row.hhi, row.hhi_by_country) == (6250.0, 10000.0)


def test_one_supplier_per_country_gives_the_same_index_both_ways() -> None:
    awards = [
        AwardRecord("kz-1", "KZ", "repair", Decimal(500)),
        AwardRecord("tr-1", "TR", "repair", Decimal(300)),
        AwardRecord("de-1", "DE", "repair", Decimal(200)),
    ]
    row = summarize_category("repair", 3, awards)
    assert row.hhi == row.hhi_by_country == 3800.0


def test_the_country_index_comes_from_unrounded_shares() -> None:
    awards = [
        AwardRecord("ru-1", "RU", "repair", Decimal(1)),
        AwardRecord("ru-2", "RU", "repair", Decimal(1)),
        AwardRecord("kz-1", "KZ", "repair", Decimal(1)),
    ]
    # (200/3)^2 + (100/3)^2 = 50000/9 = 5555.56; from the rounded shares 66.67^2 + 33.33^2 = 5555.78.
    assert summarize_category("repair", 3, awards).hhi_by_country == 5555.56


def test_a_category_without_awarded_value_has_no_country_index() -> None:
    assert summarize_category("maintenance", 4, []).hhi_by_country is None
