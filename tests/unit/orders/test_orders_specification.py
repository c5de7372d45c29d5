"""Rules of the order specification, each naming the field path it refuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from services.orders.api.schemas import OrderCreate, OrderPatch
from services.orders.domain.specification import (
    AQL_VALUES,
    DEFAULT_AQL,
    MAX_QUANTITY,
    Category,
    FundingSource,
    check_aql,
    check_certifications,
    check_delivery_deadline,
    check_local_content,
    check_lot_size,
    check_quantity,
    check_requirements,
    check_text,
)
from shared.errors import InvalidInput
from shared.requirements import TechnicalRequirement

TODAY = date(2025, 3, 10)


def req(code: str, low: Any = None, high: Any = None) -> TechnicalRequirement:
    return TechnicalRequirement(code=code, name=f"requirement {code}", unit="mm", min=low, max=high)


def refused_field(call: Any, *args: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        call(*args)
    return caught.value.field


# --- categories, funding, AQL ----------------------------------------------------------


def _refused_in_patch(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        OrderPatch.model_validate(body)
    return [(".".join(str(p) for p in e["loc"]), e["type"]) for e in raised.value.errors()]


@pytest.mark.parametrize("name", ["procurement", "maintenance", "repair", "modernization", "production"])
def test_each_contract_category_is_accepted(name: str) -> None:
    assert OrderPatch.model_validate({"category": name}).category is Category(name)


@pytest.mark.parametrize("name", ["Repair", "construction", "", None])
def test_another_category_is_refused(name: Any) -> None:
    assert [field for field, _ in _refused_in_patch({"category": name})] == ["category"]


@pytest.mark.parametrize("name", ["state_budget", "development_fund"])
def test_each_funding_source_is_accepted(name: str) -> None:
    assert OrderPatch.model_validate({"funding_source": name}).funding_source is FundingSource(name)


def test_another_funding_source_is_refused() -> None:
    assert [field for field, _ in _refused_in_patch({"funding_source": "private_loan"})] == ["funding_source"]


def test_the_twelve_iso_2859_aql_values_are_accepted() -> None:
    assert [str(a) for a in AQL_VALUES] == [
        "0.065",
        "0.1",
        "0.15",
        "0.25",
        "0.4",
        "0.65",
        "1.0",
        "1.5",
        "2.5",
        "4.0",
        "6.5",
        "10",
    ]
    for aql in AQL_VALUES:
        assert check_aql(aql) == aql


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "1.0"), (1.0, "1.0"), ("1.00", "1.0"), (0.1, "0.1"), (4, "4.0"), (10.0, "10"), (0.065, "0.065")],
)
def test_aql_is_compared_as_a_decimal_so_1_equals_1_0(value: Any, expected: str) -> None:
    assert str(check_aql(value)) == expected


def test_the_default_aql_is_1_0() -> None:
    assert DEFAULT_AQL == Decimal("1.0")


@pytest.mark.parametrize("value", [0.2, 2, 0.0651, 0, -1, 100, True, float("nan"), float("inf"), "one", None])
def test_an_aql_outside_the_table_is_refused(value: Any) -> None:
    assert refused_field(check_aql, value) == "aql"


# --- quantities, local content, deadline, text -----------------------------------------


@pytest.mark.parametrize("value", [1, 500, MAX_QUANTITY])
def test_a_positive_integer_quantity_is_accepted(value: int) -> None:
    assert check_quantity(value) == value


@pytest.mark.parametrize("value", [0, -5, 1.5, "3", True, None, MAX_QUANTITY + 1])
def test_a_quantity_that_is_not_a_positive_integer_is_refused(value: Any) -> None:
    assert refused_field(check_quantity, value) == "quantity"


def test_a_lot_may_be_the_whole_quantity_but_not_more() -> None:
    assert check_lot_size(100, 100) == 100
    assert refused_field(check_lot_size, 101, 100) == "lot_size"
    assert refused_field(check_lot_size, 0, 100) == "lot_size"


@pytest.mark.parametrize(("value", "expected"), [(0, "0"), (100, "100"), (42.5, "42.5"), ("60", "60")])
def test_local_content_from_0_to_100_is_accepted(value: Any, expected: str) -> None:
    assert check_local_content(value) == Decimal(expected)


@pytest.mark.parametrize("value", [-0.01, 100.01, 150, float("nan"), True, None])
def test_local_content_outside_0_to_100_is_refused(value: Any) -> None:
    assert refused_field(check_local_content, value) == "min_local_content"


def test_a_deadline_today_or_later_is_accepted() -> None:
    assert check_delivery_deadline(TODAY, TODAY) == TODAY
    assert check_delivery_deadline(date(2026, 1, 1), TODAY) == date(2026, 1, 1)


def test_a_deadline_in_the_past_is_refused() -> None:
    assert refused_field(check_delivery_deadline, date(2025, 3, 9), TODAY) == "delivery_deadline"


@pytest.mark.parametrize("value", ["2025-12-01", datetime(2025, 12, 1), None])
def test_a_deadline_that_is_not_a_date_is_refused(value: Any) -> None:
    assert refused_field(check_delivery_deadline, value, TODAY) == "delivery_deadline"


def test_text_fields_are_trimmed_and_must_not_be_blank() -> None:
    assert check_text("  Armoured vehicle repair ", "title") == "Armoured vehicle repair"
    assert refused_field(check_text, "   ", "title") == "title"
    assert refused_field(check_text, None, "unit") == "unit"
    assert refused_field(check_text, "x" * 501, "delivery_location") == "delivery_location"


def test_certifications_are_listed_once_each() -> None:
    assert check_certifications(["ISO 9001", " AQAP-2110 "]) == ["ISO 9001", "AQAP-2110"]
    assert check_certifications([]) == []
    assert refused_field(check_certifications, ["ISO 9001", "ISO 9001"]) == "required_certifications[1]"
    assert refused_field(check_certifications, ["ISO 9001", ""]) == "required_certifications[1]"


# --- technical requirements ------------------------------------------------------------


def test_requirements_with_unique_codes_and_ordered_bounds_are_accepted() -> None:
    reqs = [req("LEN", Decimal("10"), Decimal("12")), req("MASS", high=50), req("COLOR"), req("T", 5, 5)]
    assert check_requirements(reqs) == reqs


def test_at_least_one_requirement_is_needed() -> None:
    assert refused_field(check_requirements, []) == "technical_requirements"


def test_a_repeated_code_is_refused_at_the_second_occurrence() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_requirements([req("LEN"), req("MASS"), req("LEN")])
    assert caught.value.field == "technical_requirements[2].code"
    assert "technical_requirements[0]" in caught.value.message


def test_min_above_max_is_refused_naming_that_requirement() -> None:
    assert refused_field(check_requirements, [req("A"), req("B", 5, 4)]) == "technical_requirements[1].min"


@pytest.mark.parametrize("code", ["", " LEN", "LEN ", "L\nEN", "X" * 65, None])
def test_a_code_that_cannot_key_a_measurement_is_refused(code: Any) -> None:
    assert refused_field(check_requirements, [req("A"), req(code)]) == "technical_requirements[1].code"


@pytest.mark.parametrize(("low", "high", "field"), [("abc", None, "min"), (None, float("inf"), "max")])
def test_a_bound_that_is_not_a_finite_number_is_refused(low: Any, high: Any, field: str) -> None:
    assert refused_field(check_requirements, [req("A", low, high)]) == f"technical_requirements[0].{field}"


def test_any_object_with_code_min_and_max_can_be_checked() -> None:
    @dataclass
    class Incoming:  # stands in for the request schema's requirement model
        code: str
        min: float | None
        max: float | None

    with pytest.raises(InvalidInput) as caught:
        check_requirements([Incoming("A", 1.5, 0.5)])
    assert caught.value.field == "technical_requirements[0].min"


def test_a_cyrillic_code_is_fine() -> None:
    assert check_requirements([req("ДЛ-1")])


# --- PATCH -----------------------------------------------------------------------------


def test_a_patch_may_change_exactly_the_specification_fields() -> None:
    assert set(OrderPatch.model_fields) == set(OrderCreate.model_fields)
    assert "aql" in OrderPatch.model_fields


@pytest.mark.parametrize("name", ["status", "supplier_id", "contract_price", "version", "number", "id"])
def test_a_patch_may_not_touch_state_or_award_fields(name: str) -> None:
    assert _refused_in_patch({"title": "New title", name: "x"}) == [(name, "extra_forbidden")]


def test_specification_errors_are_value_errors_for_pydantic_validators() -> None:
    with pytest.raises(ValueError):
        check_quantity(0)
