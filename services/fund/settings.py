"""Settings of the fund service: the shared ones plus its database, the rate cap, KPI targets and the check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, Field, field_validator

from services.fund.domain.analytics import parse_kpi_targets
from services.fund.domain.category import ProjectCategory
from services.fund.domain.loan import DEFAULT_MAX_RATE, parse_max_rate
from services.fund.ports import Policy
from shared.errors import InvalidInput
from shared.settings import ServiceSettings


class FundSettings(ServiceSettings):
    service_name = "fund"

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SDO_FUND_DATABASE_URL", "SDO_DATABASE_URL", "database_url")
    )
    # SDO_FUND_MAX_RATE: the highest annual rate the fund lends at, percent (default 5).
    fund_max_rate: Decimal = DEFAULT_MAX_RATE
    # SDO_KPI_TARGETS, as the orders service reads it: "repair=55,modernization=35,production=70".
    kpi_targets: str | None = None
    # SDO_FUND_OVERDUE_CHECK_SECONDS: how often the background check looks for loans past due.
    fund_overdue_check_seconds: float = Field(default=300.0, gt=0)

    @field_validator("fund_max_rate", mode="before")
    @classmethod
    def _max_rate(cls, value: Any) -> Decimal:
        # A bad value stops the service at start-up, naming the variable.
        try:
            return parse_max_rate(None if value is None else str(value))
        except InvalidInput as exc:
            raise ValueError(f"{exc.field} {exc.message}") from None

    @field_validator("kpi_targets")
    @classmethod
    def _readable_targets(cls, value: str | None) -> str | None:
        try:
            parse_kpi_targets(value)
        except InvalidInput as exc:
            raise ValueError(f"{exc.field}: {exc.message}") from None
        return value

    def kpi_target_map(self) -> dict[ProjectCategory, Decimal]:
        return parse_kpi_targets(self.kpi_targets)

    def policy(self) -> Policy:
        return Policy(max_rate=self.fund_max_rate, timezone=self.timezone)
