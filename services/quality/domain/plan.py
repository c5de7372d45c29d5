"""The acceptance plan of an order: what is checked on each unit and how lots are sampled.

Made once, when the order is contracted, from its technical requirements and AQL; every
inspection round of that order is sized from it (the lot size may differ per round).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from services.quality.domain.requirements import Requirement, parse_requirements
from services.quality.domain.sampling import AqlInput, SamplingPlan, normalize_aql, plan_for

# The contract fixes general inspection level II and normal inspection for lot acceptance.
INSPECTION_LEVEL: Final = "II"
INSPECTION_SEVERITY: Final = "normal"
STANDARD: Final = "ISO 2859-1"


@dataclass(frozen=True, slots=True)
class AcceptancePlan:
    aql: Decimal
    requirements: tuple[Requirement, ...]
    inspection_level: str = INSPECTION_LEVEL

    @classmethod
    def build(
        cls,
        *,
        aql: AqlInput,
        technical_requirements: Iterable[Requirement | Mapping[str, Any] | object],
    ) -> AcceptancePlan:
        """Validate the order's AQL and requirements into a plan.

        Raises ``SamplingError`` (field ``aql``) or ``RequirementError``
        (fields ``technical_requirements[i].<key>``).
        """
        return cls(aql=normalize_aql(aql), requirements=parse_requirements(technical_requirements))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.requirements)

    @property
    def critical_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.requirements if r.critical)

    def requirement(self, code: str) -> Requirement:
        for r in self.requirements:
            if r.code == code:
                return r
        raise KeyError(code)

    def sampling_for(self, lot_size: int) -> SamplingPlan:
        """The sampling plan of one inspection round for a lot of ``lot_size`` units."""
        return plan_for(lot_size, self.aql, self.inspection_level)

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": STANDARD,
            "inspection_level": self.inspection_level,
            "inspection_severity": INSPECTION_SEVERITY,
            "aql": float(self.aql),  # the contract writes AQLs as JSON numbers: 1.0, 0.065
            "requirements": [r.as_dict() for r in self.requirements],
            "critical_codes": list(self.critical_codes),
        }


__all__ = ["INSPECTION_LEVEL", "AcceptancePlan"]
