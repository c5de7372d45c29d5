"""The categories the fund finances and the policy's domestic-technology targets for each."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType


class ProjectCategory(StrEnum):
    REPAIR = "repair"
    MODERNIZATION = "modernization"
    PRODUCTION = "production"


CATEGORIES: tuple[ProjectCategory, ...] = tuple(ProjectCategory)

# Shares of domestic technology the policy aims at, in percent (the same as the orders' KPI).
DEFAULT_KPI_TARGETS: Mapping[ProjectCategory, Decimal] = MappingProxyType(
    {
        ProjectCategory.REPAIR: Decimal("55"),
        ProjectCategory.MODERNIZATION: Decimal("35"),
        ProjectCategory.PRODUCTION: Decimal("70"),
    }
)
