"""Measurement validation, unit defectiveness, nonconformities and the lot verdict."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.quality.domain.errors import MeasurementError, QualityDomainError
from services.quality.domain.verdict import (
    Verdict,
    evaluate,
    judge_unit,
    lot_verdict,
    validate_unit_serial,
    validate_values,
)
from shared.errors import InvalidInput
from shared.requirements import TechnicalRequirement, parse_requirements

REQUIREMENTS = parse_requirements(
    [
        {"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": 9.95, "max": 10.05, "critical": False},
        {"code": "MASS", "name": "Mass", "unit": "kg", "max": 2.0, "critical": False},
        {"code": "PRESS", "name": "Burst pressure", "unit": "MPa", "min": 100, "critical": True},
    ]
)

GOOD: dict[str, Any] = {"DIAM": 10.0, "MASS": 1.5, "PRESS": 120}


def _units(n: int, **overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``n`` good units SN-001.., with some replaced by name."""
    units = {f"SN-{i:03d}": dict(GOOD) for i in range(1, n + 1)}
    for serial, values in overrides.items():
        units[serial.replace("_", "-")] = GOOD | values
    return units


def test_a_critical_failure_rejects_the_lot_even_with_no_other_defect() -> None:
    result = evaluate(REQUIREMENTS, _units(13, SN_004={"PRESS": 99.9}), reject=3)
    assert result.defective_units == 1
    assert result.critical_failures == 1
    assert result.verdict is Verdict.REJECTED


def test_exactly_ac_defective_units_are_accepted() -> None:
    # Plan J / AQL 1.0: Ac 2, Re 3.
    units = _units(80, SN_010={"DIAM": 10.06}, SN_020={"MASS": 2.5})
    result = evaluate(REQUIREMENTS, units, reject=3)
    assert (result.units_measured, result.defective_units, result.critical_failures) == (80, 2, 0)
    assert result.verdict is Verdict.ACCEPTED


def test_exactly_re_defective_units_are_rejected() -> None:
    units = _units(80, SN_010={"DIAM": 10.06}, SN_020={"MASS": 2.5}, SN_030={"DIAM": 9.9})
    result = evaluate(REQUIREMENTS, units, reject=3)
    assert result.defective_units == 3
    assert result.verdict is Verdict.REJECTED


def test_a_sample_without_defects_is_accepted_under_a_zero_acceptance_plan() -> None:
    result = evaluate(REQUIREMENTS, _units(13), reject=1)
    assert result.verdict is Verdict.ACCEPTED
    assert result.nonconformities == ()


def test_a_zero_acceptance_plan_rejects_on_the_first_defective_unit() -> None:
    assert evaluate(REQUIREMENTS, _units(13, SN_001={"MASS": 2.01}), reject=1).verdict is Verdict.REJECTED


def test_values_on_the_limits_conform() -> None:
    unit = judge_unit(REQUIREMENTS, "SN-1", validate_values(REQUIREMENTS, {"DIAM": 9.95, "MASS": 2.0, "PRESS": 100}))
    assert not unit.defective
    unit = judge_unit(REQUIREMENTS, "SN-2", validate_values(REQUIREMENTS, {"DIAM": 10.05, "MASS": 0, "PRESS": 1e9}))
    assert not unit.defective


def test_a_value_just_outside_a_limit_makes_the_unit_defective() -> None:
    unit = judge_unit(REQUIREMENTS, "SN-1", validate_values(REQUIREMENTS, {"DIAM": 10.051, "MASS": 1, "PRESS": 100}))
    assert unit.defective and not unit.critical
    assert unit.failed_codes == ("DIAM",)


def test_a_requirement_without_limits_accepts_any_number() -> None:
    reqs = parse_requirements([{"code": "NOTE", "name": "Recorded only", "unit": "", "critical": True}])
    assert evaluate(reqs, {"SN-1": {"NOTE": -1e12}}, reject=1).verdict is Verdict.ACCEPTED


def test_critical_failures_count_units_not_readings() -> None:
    reqs = parse_requirements(
        [
            {"code": "P1", "name": "Pressure 1", "unit": "MPa", "min": 1, "critical": True},
            {"code": "P2", "name": "Pressure 2", "unit": "MPa", "min": 1, "critical": True},
        ]
    )
    result = evaluate(reqs, {"SN-1": {"P1": 0, "P2": 0}, "SN-2": {"P1": 5, "P2": 5}}, reject=5)
    assert result.critical_failures == 1
    assert result.defective_units == 1
    assert [n.requirement.code for n in result.nonconformities] == ["P1", "P2"]


def test_nonconformities_name_the_requirement_the_units_and_the_values_against_the_limits() -> None:
    units = _units(5, SN_003={"DIAM": 10.1}, SN_001={"DIAM": 9.9, "PRESS": 50})
    result = evaluate(REQUIREMENTS, units, reject=2)
    assert result.nonconformities_as_dicts() == [
        {
            "code": "DIAM",
            "name": "Bore diameter",
            "unit": "mm",
            "min": 9.95,
            "max": 10.05,
            "critical": False,
            "units": [{"unit_serial": "SN-001", "value": 9.9}, {"unit_serial": "SN-003", "value": 10.1}],
        },
        {
            "code": "PRESS",
            "name": "Burst pressure",
            "unit": "MPa",
            "min": 100,
            "max": None,
            "critical": True,
            "units": [{"unit_serial": "SN-001", "value": 50}],
        },
    ]
    assert (result.defective_units, result.critical_failures) == (2, 1)


def test_decimal_limits_and_float_readings_compare_as_written() -> None:
    reqs = (TechnicalRequirement("T", "Thickness", "mm", min=Decimal("0.1"), max=Decimal("0.3")),)
    # 0.1 + 0.2 in binary is 0.30000000000000004; a reading of 0.3 must still conform.
    assert evaluate(reqs, {"SN-1": {"T": 0.3}, "SN-2": {"T": 0.1}}, reject=1).verdict is Verdict.ACCEPTED


def test_lot_verdict_rule_matches_the_contract() -> None:
    assert lot_verdict(defective_units=0, critical_failures=0, reject=1) is Verdict.ACCEPTED
    assert lot_verdict(defective_units=2, critical_failures=0, reject=3) is Verdict.ACCEPTED
    assert lot_verdict(defective_units=3, critical_failures=0, reject=3) is Verdict.REJECTED
    assert lot_verdict(defective_units=1, critical_failures=1, reject=22) is Verdict.REJECTED


def test_the_verdict_is_a_contract_status_string() -> None:
    assert Verdict.ACCEPTED == "accepted"
    assert Verdict.REJECTED == "rejected"


def test_evaluation_refuses_a_reject_number_below_one() -> None:
    with pytest.raises(QualityDomainError) as info:
        evaluate(REQUIREMENTS, {}, reject=0)
    assert info.value.field == "reject"


# Measurement validation


def test_valid_values_come_back_as_decimals() -> None:
    assert validate_values(REQUIREMENTS, {"DIAM": 10.01, "MASS": 2, "PRESS": Decimal("101.5")}) == {
        "DIAM": Decimal("10.01"),
        "MASS": Decimal("2"),
        "PRESS": Decimal("101.5"),
    }


def test_an_unknown_code_is_refused_naming_the_code() -> None:
    with pytest.raises(MeasurementError) as info:
        validate_values(REQUIREMENTS, GOOD | {"COLOR": 3})
    assert info.value.field == "values.COLOR"
    assert "COLOR" in info.value.message


def test_a_missing_code_is_refused_naming_the_code() -> None:
    values = {"DIAM": 10.0, "PRESS": 120}
    with pytest.raises(MeasurementError) as info:
        validate_values(REQUIREMENTS, values)
    assert info.value.field == "values.MASS"
    assert "MASS" in info.value.message


@pytest.mark.parametrize("bad", ["10.0", None, True, float("nan"), float("inf"), [10.0], {"v": 1}])
def test_a_non_numeric_value_is_refused_naming_its_path(bad: object) -> None:
    with pytest.raises(MeasurementError) as info:
        validate_values(REQUIREMENTS, GOOD | {"DIAM": bad})
    assert info.value.field == "values.DIAM"
    assert isinstance(info.value, ValueError)


def test_all_problems_of_one_measurement_are_reported_together() -> None:
    with pytest.raises(MeasurementError) as info:
        validate_values(REQUIREMENTS, {"DIAM": "x", "EXTRA": 1})
    assert [e["field"] for e in info.value.errors] == [
        "values.EXTRA",
        "values.DIAM",
        "values.MASS",
        "values.PRESS",
    ]


def test_values_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(MeasurementError) as info:
        validate_values(REQUIREMENTS, [10.0, 1.5, 120])
    assert info.value.field == "values"


def test_a_stored_measurement_missing_a_code_fails_evaluation_with_its_serial_in_the_path() -> None:
    with pytest.raises(MeasurementError) as info:
        evaluate(REQUIREMENTS, {"SN-9": {"DIAM": 10.0, "MASS": 1}}, reject=1)
    assert info.value.field == "measurements.SN-9.PRESS"


def test_a_unit_serial_must_be_a_non_empty_string() -> None:
    assert validate_unit_serial("  SN-1 ") == "SN-1"
    for bad in ("", "   ", None, 12):
        with pytest.raises(MeasurementError) as info:
            validate_unit_serial(bad)
        assert info.value.field == "unit_serial"


# Requirement parsing


def test_requirements_parse_from_mappings_and_objects_alike() -> None:
    class Payload:
        code = "LEN"
        name = "Length"
        unit = "mm"
        min = Decimal("1")
        max = Decimal("2")
        critical = True

    reqs = parse_requirements([Payload(), {"code": "W", "name": "Width", "unit": "mm", "min": "0.5"}])
    assert reqs == (
        TechnicalRequirement("LEN", "Length", "mm", Decimal("1"), Decimal("2"), True),
        TechnicalRequirement("W", "Width", "mm", Decimal("0.5"), None, False),
    )
    assert parse_requirements(reqs) == reqs


def test_bad_requirements_are_refused_with_their_paths() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_requirements(
            [
                {"code": "A", "name": "a", "unit": "mm", "min": 5, "max": 1},
                {"code": "A", "name": "again", "unit": "mm"},
                {"code": "", "name": "blank", "unit": "mm", "critical": "yes"},
            ]
        )
    assert [e["field"] for e in info.value.errors] == [
        "technical_requirements[0].min",
        "technical_requirements[1].code",
        "technical_requirements[2].code",
        "technical_requirements[2].critical",
    ]


def test_an_empty_requirement_list_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_requirements([])
    assert info.value.field == "technical_requirements"
