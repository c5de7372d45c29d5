"""Measurements against technical requirements, and the lot verdict.

Rules (contract, quality service): a unit is defective if any of its values lies outside
``[min, max]`` of its requirement; the lot is ``rejected`` if any critical requirement failed on
any unit or if ``defective_units >= reject``, otherwise ``accepted``.

``critical_failures`` counts *units* with at least one failing critical requirement, not failing
readings: it is a number of units like ``defective_units`` (and never exceeds it), and one bad
unit failing two critical characteristics is still one critical unit. The per-requirement detail
is in the nonconformities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from services.quality.domain.errors import MeasurementError, QualityDomainError
from shared.requirements import TechnicalRequirement, json_number, to_decimal


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


def validate_values(
    requirements: Iterable[TechnicalRequirement], values: object, *, field: str = "values"
) -> dict[str, Decimal]:
    """One unit's readings checked against the requirement codes, as Decimals.

    Every requirement code must be present with a finite JSON number (booleans and strings are
    not numbers); codes the requirements do not know are refused. All problems are reported in
    one ``MeasurementError`` whose fields are paths such as ``values.DIAM``.
    """
    if not isinstance(values, Mapping):
        raise MeasurementError(field, "must be an object mapping requirement codes to numbers")
    codes = [r.code for r in requirements]
    known = set(codes)
    errors: list[tuple[str, str]] = []
    for key in values:
        if key not in known:
            errors.append((f"{field}.{key}", f"unknown requirement code {key!r}"))
    result: dict[str, Decimal] = {}
    for code in codes:
        if code not in values:
            errors.append((f"{field}.{code}", f"missing value for requirement {code!r}"))
            continue
        number = to_decimal(values[code])
        if number is None:
            errors.append((f"{field}.{code}", "must be a finite number"))
            continue
        result[code] = number
    if errors:
        raise MeasurementError.of(errors)
    return result


def validate_unit_serial(unit_serial: object, *, field: str = "unit_serial") -> str:
    """A unit serial: a non-empty string, surrounding blanks removed."""
    if not isinstance(unit_serial, str) or not unit_serial.strip():
        raise MeasurementError(field, "must be a non-empty string")
    return unit_serial.strip()


@dataclass(frozen=True, slots=True)
class UnitResult:
    """How one measured unit fared."""

    unit_serial: str
    failed_codes: tuple[str, ...]
    critical_codes: tuple[str, ...]

    @property
    def defective(self) -> bool:
        return bool(self.failed_codes)

    @property
    def critical(self) -> bool:
        return bool(self.critical_codes)


def judge_unit(
    requirements: Iterable[TechnicalRequirement], unit_serial: str, values: Mapping[str, Decimal]
) -> UnitResult:
    """Which requirements a unit fails; ``values`` as returned by ``validate_values``."""
    failed = [r for r in requirements if not r.conforms(values[r.code])]
    return UnitResult(
        unit_serial=unit_serial,
        failed_codes=tuple(r.code for r in failed),
        critical_codes=tuple(r.code for r in failed if r.critical),
    )


@dataclass(frozen=True, slots=True)
class FailedReading:
    unit_serial: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class Nonconformity:
    """A requirement that failed, with every unit that failed it and the value measured."""

    requirement: TechnicalRequirement
    readings: tuple[FailedReading, ...]

    def as_dict(self) -> dict[str, Any]:
        units = [{"unit_serial": r.unit_serial, "value": json_number(r.value)} for r in self.readings]
        return self.requirement.as_dict() | {"units": units}


@dataclass(frozen=True, slots=True)
class InspectionResult:
    units_measured: int
    defective_units: int
    critical_failures: int
    nonconformities: tuple[Nonconformity, ...]
    verdict: Verdict

    def nonconformities_as_dicts(self) -> list[dict[str, Any]]:
        return [n.as_dict() for n in self.nonconformities]


def lot_verdict(*, defective_units: int, critical_failures: int, reject: int) -> Verdict:
    """The contract's rule: any critical failure, or ``defective_units >= Re``, rejects."""
    if critical_failures > 0 or defective_units >= reject:
        return Verdict.REJECTED
    return Verdict.ACCEPTED


def evaluate(
    requirements: Iterable[TechnicalRequirement],
    measurements: Mapping[str, Mapping[str, object]],
    *,
    reject: int,
) -> InspectionResult:
    """Judge all measured units of a sample (``unit_serial -> {code: number}``).

    ``reject`` is the plan's Re. The verdict is computed from whatever was measured; checking
    that ``sample_size`` units were measured before completing is the caller's job.
    Nonconformities follow the order of the requirements; units within one are sorted by serial
    so the result does not depend on storage order.
    """
    if isinstance(reject, bool) or not isinstance(reject, int) or reject < 1:
        raise QualityDomainError("reject", "must be an integer of at least 1")
    reqs = tuple(requirements)
    failed_by_code: dict[str, list[FailedReading]] = {r.code: [] for r in reqs}
    defective = critical = 0
    for serial in sorted(measurements):
        values = validate_values(reqs, measurements[serial], field=f"measurements.{serial}")
        unit = judge_unit(reqs, serial, values)
        defective += unit.defective
        critical += unit.critical
        for code in unit.failed_codes:
            failed_by_code[code].append(FailedReading(serial, values[code]))
    nonconformities = tuple(Nonconformity(r, tuple(failed_by_code[r.code])) for r in reqs if failed_by_code[r.code])
    return InspectionResult(
        units_measured=len(measurements),
        defective_units=defective,
        critical_failures=critical,
        nonconformities=nonconformities,
        verdict=lot_verdict(defective_units=defective, critical_failures=critical, reject=reject),
    )


__all__ = [
    "FailedReading",
    "InspectionResult",
    "Nonconformity",
    "UnitResult",
    "Verdict",
    "evaluate",
    "judge_unit",
    "lot_verdict",
    "validate_unit_serial",
    "validate_values",
]
