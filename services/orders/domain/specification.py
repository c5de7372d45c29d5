"""Rules for the order specification: the create / patch fields and technical requirements.

Plain functions that return the cleaned value or raise ``InvalidInput`` naming the field path
(e.g. ``technical_requirements[1].code``). ``InvalidInput`` is a ``ValueError``, so each one can
be called from a pydantic validator as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from services.orders.domain.delivery import ScheduledLot, check_schedule, default_schedule
from services.orders.domain.money import Money
from services.orders.domain.pricing import to_kzt
from shared.errors import InvalidInput
from shared.requirements import TechnicalRequirement


class Category(StrEnum):
    PROCUREMENT = "procurement"
    MAINTENANCE = "maintenance"
    REPAIR = "repair"
    MODERNIZATION = "modernization"
    PRODUCTION = "production"


class FundingSource(StrEnum):
    STATE_BUDGET = "state_budget"
    DEVELOPMENT_FUND = "development_fund"


# ISO 2859-1 AQL values the contract accepts, as the standard prints them.
AQL_VALUES: tuple[Decimal, ...] = tuple(
    Decimal(v) for v in ("0.065", "0.1", "0.15", "0.25", "0.4", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10")
)
DEFAULT_AQL = Decimal("1.0")

# Fits a 32-bit INTEGER column, so an absurd quantity is a 422 rather than a database error.
MAX_QUANTITY = 2_147_483_647
MAX_TEXT_LENGTH = 500
MAX_CODE_LENGTH = 64


class RequirementLike(Protocol):
    """What the requirement rules read; a pydantic model with these fields qualifies."""

    @property
    def code(self) -> str: ...
    @property
    def min(self) -> Any: ...
    @property
    def max(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class Specification:
    """What is ordered, by when, where and at what ceiling: frozen once the order is published."""

    title: str
    category: Category
    quantity: int
    unit: str
    delivery_deadline: date
    delivery_location: str
    price_ceiling: Money
    funding_source: FundingSource
    min_local_content: Decimal
    required_certifications: tuple[str, ...]
    requires_security_clearance: bool
    aql: Decimal
    technical_requirements: tuple[TechnicalRequirement, ...]
    # None: the default schedule, every unit due on the delivery deadline (it follows both when changed).
    delivery_schedule: tuple[ScheduledLot, ...] | None = None
    # The Development Fund's project backing the order (contract section 9): named exactly when
    # `funding_source` is `development_fund`.
    fund_project_id: UUID | None = None

    @property
    def schedule(self) -> tuple[ScheduledLot, ...]:
        """The lots to deliver: the one named, or the default."""
        if self.delivery_schedule is None:
            return default_schedule(self.quantity, self.delivery_deadline)
        return self.delivery_schedule

    def checked(self, rates: Mapping[str, Decimal], *, today: date | None = None) -> Specification:
        """Itself, after the rules spanning fields or needing stored data (the rates); else ``InvalidInput``.

        With ``today`` (the ministry's), the delivery deadline is not in its past as well.
        """
        if today is not None:
            check_delivery_deadline(self.delivery_deadline, today)
        check_requirements(self.technical_requirements)
        to_kzt(self.price_ceiling, rates, field="price_ceiling.currency")  # a ceiling must be comparable in KZT
        if self.delivery_schedule is not None:
            check_schedule(self.delivery_schedule, self.quantity, self.delivery_deadline)
        check_funding(self.funding_source, self.fund_project_id)
        return self


def check_funding(source: FundingSource, fund_project_id: UUID | None, field: str = "fund_project_id") -> None:
    """A Development Fund order names its project; a state-budget one names none."""
    if source == FundingSource.DEVELOPMENT_FUND and fund_project_id is None:
        raise InvalidInput(field, "is required when funding_source is development_fund")
    if source != FundingSource.DEVELOPMENT_FUND and fund_project_id is not None:
        raise InvalidInput(field, f"is allowed only when funding_source is development_fund, not {source}")


def check_aql(value: Any, field: str = "aql") -> Decimal:
    """One of the ISO 2859-1 AQL values, compared as decimals (1 == 1.0); returns the standard's spelling."""
    number = _to_decimal(value, field)
    for aql in AQL_VALUES:
        if number == aql:
            return aql
    raise InvalidInput(field, f"must be one of the ISO 2859-1 AQL values {', '.join(map(str, AQL_VALUES))}")


def check_quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field, "must be an integer")
    if value <= 0:
        raise InvalidInput(field, "must be greater than 0")
    if value > MAX_QUANTITY:
        raise InvalidInput(field, f"must be at most {MAX_QUANTITY}")
    return value


def check_lot_size(value: Any, quantity: int, field: str = "lot_size", *, accepted: int = 0) -> int:
    """A lot for inspection: a positive integer no larger than the units not yet accepted."""
    lot_size = check_quantity(value, field)
    if lot_size > quantity - accepted:
        if accepted == 0:
            raise InvalidInput(field, f"must not exceed the ordered quantity {quantity}")
        raise InvalidInput(
            field, f"must not exceed the {quantity - accepted} units not yet accepted ({accepted} of {quantity} are)"
        )
    return lot_size


def check_local_content(value: Any, field: str = "min_local_content") -> Decimal:
    """A percentage from 0 to 100 inclusive."""
    share = _to_decimal(value, field)
    if not Decimal(0) <= share <= Decimal(100):
        raise InvalidInput(field, "must be a percentage from 0 to 100")
    return share


def check_delivery_deadline(value: Any, today: date, field: str = "delivery_deadline") -> date:
    """A date not in the past; today itself is allowed. ``today`` is passed in to keep this pure."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(field, "must be a date (YYYY-MM-DD)")
    if value < today:
        raise InvalidInput(field, f"must not be in the past (today is {today.isoformat()})")
    return value


def check_text(value: Any, field: str, max_length: int = MAX_TEXT_LENGTH) -> str:
    """A non-blank string (title, unit, delivery_location, ...); surrounding spaces are dropped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, "must be a non-empty string")
    text = value.strip()
    if len(text) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    return text


def check_certifications(values: Iterable[Any], field: str = "required_certifications") -> list[str]:
    """Names of standards such as "ISO 9001", each non-blank and listed once."""
    seen: set[str] = set()
    result: list[str] = []
    for index, value in enumerate(values):
        path = f"{field}[{index}]"
        name = check_text(value, path, MAX_CODE_LENGTH)
        if name in seen:
            raise InvalidInput(path, f"{name!r} is listed twice")
        seen.add(name)
        result.append(name)
    return result


def check_requirement(requirement: RequirementLike, index: int, field: str = "technical_requirements") -> None:
    """One requirement: a usable code and bounds with ``min <= max`` when both are given."""
    path = f"{field}[{index}]"
    _check_code(requirement.code, f"{path}.code")
    low = _bound(requirement.min, f"{path}.min")
    high = _bound(requirement.max, f"{path}.max")
    if low is not None and high is not None and low > high:
        raise InvalidInput(f"{path}.min", f"min ({low}) must not be greater than max ({high})")


def check_requirements(
    requirements: Sequence[RequirementLike], field: str = "technical_requirements"
) -> Sequence[RequirementLike]:
    """At least one requirement, each valid, codes unique (the quality service keys measurements by code)."""
    if len(requirements) == 0:
        raise InvalidInput(field, "at least one technical requirement is needed")
    first_index: dict[str, int] = {}
    for index, requirement in enumerate(requirements):
        check_requirement(requirement, index, field)
        if requirement.code in first_index:
            raise InvalidInput(
                f"{field}[{index}].code",
                f"code {requirement.code!r} is already used by {field}[{first_index[requirement.code]}]",
            )
        first_index[requirement.code] = index
    return requirements


def _check_code(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(path, "must be a non-empty string")
    # Codes become JSON keys in measurements; stray whitespace would make two "equal" codes differ.
    if value != value.strip() or not value.isprintable():
        raise InvalidInput(path, "must not have surrounding spaces or control characters")
    if len(value) > MAX_CODE_LENGTH:
        raise InvalidInput(path, f"must be at most {MAX_CODE_LENGTH} characters")
    return value


def _bound(value: Any, path: str) -> Decimal | None:
    return None if value is None else _to_decimal(value, path)


def _to_decimal(value: Any, field: str) -> Decimal:
    """A finite number as a Decimal; floats go through ``str`` so 0.1 stays 0.1."""
    if isinstance(value, bool):
        raise InvalidInput(field, "must be a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(field, "must be a finite number")
        value = str(value)
    if isinstance(value, int | str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            raise InvalidInput(field, "must be a number") from None
    if not isinstance(value, Decimal):
        raise InvalidInput(field, "must be a number")
    if not value.is_finite():
        raise InvalidInput(field, "must be a finite number")
    return value
