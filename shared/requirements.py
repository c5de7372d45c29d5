"""Technical requirements of an order: what is measured on each unit and its limits.

One shape for the whole suite: orders checks them on the specification, quality measures
against them, and the event payloads carry them between the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.errors import InvalidInput

Number = Decimal | int | float


def to_decimal(value: object, *, allow_strings: bool = False) -> Decimal | None:
    """A finite Decimal for a number, or None when the value is not one.

    Floats go through ``str`` so ``0.1`` stays 0.1 rather than its binary expansion, which keeps
    a reading equal to a limit written the same way from failing the comparison.
    """
    if isinstance(value, bool):  # bool is an int subclass, never a measurement
        return None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | float):
        result = Decimal(str(value))
    elif allow_strings and isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: int when integral, float otherwise (the contract uses numbers)."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class TechnicalRequirement:
    """One measured characteristic; a reading outside ``[min, max]`` makes the unit defective."""

    code: str
    name: str
    unit: str
    min: Decimal | None = None
    max: Decimal | None = None
    critical: bool = False

    def conforms(self, value: Decimal) -> bool:
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "min": None if self.min is None else json_number(self.min),
            "max": None if self.max is None else json_number(self.max),
            "critical": self.critical,
        }


def _get(item: object, key: str) -> object:
    # Accept plain mappings (JSON) and attribute objects (event payload models) alike.
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def parse_requirements(
    items: Iterable[TechnicalRequirement | Mapping[str, Any] | object], *, field: str = "technical_requirements"
) -> tuple[TechnicalRequirement, ...]:
    """Validated requirements from mappings or objects with ``code, name, unit, min, max, critical``.

    Rules (as the orders contract states them): at least one requirement, codes non-empty and
    unique, limits numeric, ``min <= max``, ``critical`` a boolean (default false). Every problem
    is reported in one ``InvalidInput`` with paths such as ``technical_requirements[1].min``.
    """
    errors: list[tuple[str, str]] = []
    result: list[TechnicalRequirement] = []
    seen: set[str] = set()
    items = list(items)
    if not items:
        raise InvalidInput(field, "at least one technical requirement is needed")
    for i, item in enumerate(items):
        if isinstance(item, TechnicalRequirement):
            item = item.as_dict() | {"min": item.min, "max": item.max}
        path = f"{field}[{i}]"
        item_errors: list[tuple[str, str]] = []
        code = _get(item, "code")
        if not isinstance(code, str) or not code.strip():
            item_errors.append((f"{path}.code", "must be a non-empty string"))
        elif code in seen:
            item_errors.append((f"{path}.code", f"duplicate code {code!r}"))
        else:
            seen.add(code)
        name = _get(item, "name")
        if not isinstance(name, str):
            item_errors.append((f"{path}.name", "must be a string"))
        unit = _get(item, "unit")
        if not isinstance(unit, str):
            item_errors.append((f"{path}.unit", "must be a string"))
        limits: dict[str, Decimal | None] = {}
        for key in ("min", "max"):
            raw = _get(item, key)
            limits[key] = None if raw is None else to_decimal(raw, allow_strings=True)
            if raw is not None and limits[key] is None:
                item_errors.append((f"{path}.{key}", "must be a finite number"))
        low, high = limits["min"], limits["max"]
        if low is not None and high is not None and low > high:
            item_errors.append((f"{path}.min", "must not be greater than max"))
        critical = _get(item, "critical")
        if critical is None:
            critical = False
        if not isinstance(critical, bool):
            item_errors.append((f"{path}.critical", "must be a boolean"))
        if item_errors:
            errors.extend(item_errors)
            continue
        assert isinstance(code, str) and isinstance(name, str) and isinstance(unit, str)
        result.append(TechnicalRequirement(code, name, unit, low, high, bool(critical)))
    if errors:
        raise InvalidInput.of(errors)
    return tuple(result)


__all__ = ["Number", "TechnicalRequirement", "json_number", "parse_requirements", "to_decimal"]
