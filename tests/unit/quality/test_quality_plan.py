"""The acceptance plan made from an order's technical requirements and AQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.quality.domain.errors import SamplingError
from services.quality.domain.plan import AcceptancePlan
from services.quality.domain.sampling import SamplingPlan
from shared.errors import InvalidInput

TECHNICAL_REQUIREMENTS = [
    {"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": 9.95, "max": 10.05, "critical": False},
    {"code": "PRESS", "name": "Burst pressure", "unit": "MPa", "min": 100, "critical": True},
]


def test_a_plan_keeps_the_requirements_the_critical_codes_and_the_aql() -> None:
    plan = AcceptancePlan.build(aql=1.0, technical_requirements=TECHNICAL_REQUIREMENTS)
    assert plan.aql == Decimal("1.0")
    assert plan.inspection_level == "II"
    assert plan.codes == ("DIAM", "PRESS")
    assert plan.critical_codes == ("PRESS",)
    assert plan.requirement("PRESS").min == Decimal("100")


def test_each_inspection_round_is_sized_from_its_own_lot() -> None:
    plan = AcceptancePlan.build(aql="1.0", technical_requirements=TECHNICAL_REQUIREMENTS)
    assert plan.sampling_for(1000) == SamplingPlan("J", 80, 2, 3)
    assert plan.sampling_for(500) == SamplingPlan("H", 50, 1, 2)
    assert plan.sampling_for(10) == SamplingPlan("E", 10, 0, 1)


def test_a_round_with_a_bad_lot_size_is_refused_naming_lot_size() -> None:
    plan = AcceptancePlan.build(aql="1.0", technical_requirements=TECHNICAL_REQUIREMENTS)
    with pytest.raises(SamplingError) as info:
        plan.sampling_for(0)
    assert info.value.field == "lot_size"


def test_a_plan_with_an_aql_outside_the_list_is_refused() -> None:
    with pytest.raises(SamplingError) as info:
        AcceptancePlan.build(aql=0.3, technical_requirements=TECHNICAL_REQUIREMENTS)
    assert info.value.field == "aql"


def test_a_plan_without_requirements_is_refused() -> None:
    with pytest.raises(InvalidInput):
        AcceptancePlan.build(aql=1.0, technical_requirements=[])


def test_an_unknown_code_asked_of_the_plan_raises_key_error() -> None:
    plan = AcceptancePlan.build(aql=1.0, technical_requirements=TECHNICAL_REQUIREMENTS)
    with pytest.raises(KeyError):
        plan.requirement("MASS")


def test_a_plan_serializes_for_the_api() -> None:
    # The severity is no longer a fixed rule of the plan: the order's series of lots switches it.
    plan = AcceptancePlan.build(aql="0.65", technical_requirements=TECHNICAL_REQUIREMENTS)
    assert plan.as_dict() == {
        "standard": "ISO 2859-1",
        "inspection_level": "II",
        "aql": 0.65,
        "requirements": [
            {
                "code": "DIAM",
                "name": "Bore diameter",
                "unit": "mm",
                "min": 9.95,
                "max": 10.05,
                "critical": False,
            },
            {
                "code": "PRESS",
                "name": "Burst pressure",
                "unit": "MPa",
                "min": 100,
                "max": None,
                "critical": True,
            },
        ],
        "critical_codes": ["PRESS"],
    }
