"""Request bodies name the field at fault; stored quantities convert exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from services.suppliers.api.schemas import Category, LicenseCreate, SupplierCreate
from services.suppliers.db.repository import hundredths_to_percent, kzt_to_tiyn, percent_to_hundredths, tiyn_to_kzt
from services.suppliers.domain.facts import ORDER_CATEGORIES

KZ = {"name": "KazEng", "country": "kz", "bin": "040840005125", "categories": ["repair"], "local_content_share": 60}


def fields_at_fault(body: dict[str, Any], model: type = SupplierCreate) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()]


def test_the_categories_accepted_are_the_order_categories() -> None:
    assert get_args(Category) == ORDER_CATEGORIES


def test_a_kazakh_supplier_is_normalized_and_its_categories_deduplicated() -> None:
    body = SupplierCreate.model_validate({**KZ, "categories": ["repair", "production", "repair"], "name": " KazEng "})
    assert (body.country, body.name, body.categories) == ("KZ", "KazEng", ["repair", "production"])
    assert body.security_clearance is False


def test_a_bin_with_a_wrong_check_digit_is_blamed_on_bin() -> None:
    assert fields_at_fault({**KZ, "bin": "040840005124"}) == ["bin"]


def test_a_kazakh_supplier_without_a_bin_is_blamed_on_bin() -> None:
    assert fields_at_fault({**KZ, "bin": None}) == ["bin"]
    assert fields_at_fault({**KZ, "bin": "  "}) == ["bin"]


def test_a_foreign_supplier_without_a_registration_number_is_blamed_on_it() -> None:
    assert fields_at_fault({**KZ, "country": "TR", "bin": None}) == ["registration_number"]


def test_an_unknown_country_is_blamed_on_country_alone() -> None:
    assert fields_at_fault({**KZ, "country": "XX", "bin": None}) == ["country"]


def test_local_content_is_a_percent_with_at_most_two_decimals() -> None:
    assert fields_at_fault({**KZ, "local_content_share": 100.01}) == ["local_content_share"]
    assert fields_at_fault({**KZ, "local_content_share": "33.333"}) == ["local_content_share"]
    assert SupplierCreate.model_validate({**KZ, "local_content_share": "33.33"}).local_content_share == Decimal("33.33")


def test_a_license_may_not_end_before_it_starts_but_may_last_one_day() -> None:
    body = {"category": "repair", "number": "L-1", "valid_from": "2026-01-02", "valid_until": "2026-01-01"}
    assert fields_at_fault(body, LicenseCreate) == ["valid_until"]
    assert LicenseCreate.model_validate({**body, "valid_until": "2026-01-02"}).valid_until.day == 2


def test_percentages_are_stored_in_hundredths_and_money_in_tiyn() -> None:
    assert percent_to_hundredths(Decimal("72.5")) == 7250
    assert hundredths_to_percent(7250) == Decimal("72.50")
    assert kzt_to_tiyn(Decimal("1500000.005")) == 150000001
    assert tiyn_to_kzt(150000001) == Decimal("1500000.01")
