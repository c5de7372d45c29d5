"""The fund's settings from the environment, and what its request bodies accept on their own."""

from __future__ import annotations

import typing
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.fund.api import schemas
from services.fund.domain.category import ProjectCategory
from services.fund.domain.lifecycle import LoanStatus, ProjectStatus
from services.fund.settings import FundSettings

D = Decimal


def test_the_rate_cap_defaults_to_5_percent_and_reads_sdo_fund_max_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SDO_FUND_MAX_RATE", raising=False)
    assert FundSettings().fund_max_rate == D("5")
    monkeypatch.setenv("SDO_FUND_MAX_RATE", "3.5")
    settings = FundSettings()
    assert settings.fund_max_rate == D("3.5")
    assert settings.policy().max_rate == D("3.5")


@pytest.mark.parametrize("value", ["0", "-1", "101", "five", "NaN"])
def test_a_rate_cap_that_is_no_rate_stops_the_service_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SDO_FUND_MAX_RATE", value)
    with pytest.raises(ValidationError, match="SDO_FUND_MAX_RATE"):
        FundSettings()


def test_kpi_targets_come_from_sdo_kpi_targets_as_for_the_orders_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDO_KPI_TARGETS", "repair=60")
    targets = FundSettings().kpi_target_map()
    assert targets == {
        ProjectCategory.REPAIR: D("60"),
        ProjectCategory.MODERNIZATION: D("35"),
        ProjectCategory.PRODUCTION: D("70"),
    }
    monkeypatch.setenv("SDO_KPI_TARGETS", "artillery=60")
    with pytest.raises(ValidationError, match="SDO_KPI_TARGETS"):
        FundSettings()


def test_the_fund_has_its_own_database_variable_and_the_ministrys_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDO_DATABASE_URL", "sqlite+aiosqlite:///shared.db")
    monkeypatch.setenv("SDO_FUND_DATABASE_URL", "sqlite+aiosqlite:///fund.db")
    monkeypatch.setenv("SDO_TIMEZONE", "Asia/Aqtobe")
    settings = FundSettings()
    assert settings.resolved_database_url() == "sqlite+aiosqlite:///fund.db"
    assert settings.policy().timezone == "Asia/Aqtobe"


def test_the_documents_name_the_statuses_and_categories_of_the_domain() -> None:
    assert set(typing.get_args(schemas.ProjectStatusName)) == {str(s) for s in ProjectStatus}
    assert set(typing.get_args(schemas.LoanStatusName)) == {str(s) for s in LoanStatus}
    assert set(typing.get_args(schemas.CategoryName)) == {str(c) for c in ProjectCategory}


@pytest.mark.parametrize("amount", [125, 12.5, "12.345", "-1.00", "1e3", " 1.00", "1234567890123456"])
def test_money_is_a_decimal_string_of_kzt_to_the_tiyn(amount: object) -> None:
    with pytest.raises(ValidationError):
        schemas.Money.model_validate({"amount": amount, "currency": "KZT"})


def test_money_in_another_currency_is_refused_naming_the_currency() -> None:
    with pytest.raises(ValidationError) as caught:
        schemas.Money.model_validate({"amount": "10.00", "currency": "USD"})
    assert caught.value.errors()[0]["loc"] == ("currency",)
    assert schemas.Money.model_validate({"amount": "10.5", "currency": "KZT"}).amount == D("10.5")


def test_a_loan_body_takes_whole_months_and_no_unknown_fields() -> None:
    good = {"principal": {"amount": "100.00", "currency": "KZT"}, "annual_rate": 4.5, "term_months": 12}
    assert schemas.LoanCreate.model_validate(good).grace_months == 0
    for bad in ({**good, "term_months": "12"}, {**good, "term_months": 241}, {**good, "collateral": "none"}):
        with pytest.raises(ValidationError):
            schemas.LoanCreate.model_validate(bad)
