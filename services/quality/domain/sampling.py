"""ISO 2859-1 single sampling, normal inspection: lot size + AQL + level -> sampling plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from services.quality.domain.errors import FieldError, SamplingError
from services.quality.domain.sampling_tables import (
    AQL_VALUES,
    CODE_LETTERS,
    CODE_LETTERS_ORDER,
    LEVELS,
    SAMPLE_SIZES,
    TABLE_II_A,
    Arrow,
)

DEFAULT_LEVEL: Final = "II"

AqlInput = Decimal | float | int | str


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """The plan to apply to one lot.

    ``code_letter`` is the letter of the plan actually used, i.e. after following the table's
    arrows; ``sample_size`` is that plan's sample size, cut to the lot size when the lot has to
    be inspected 100 %.
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int

    def as_dict(self) -> dict[str, str | int]:
        return {
            "code_letter": self.code_letter,
            "sample_size": self.sample_size,
            "accept": self.accept,
            "reject": self.reject,
        }


def _aql_error(value: object) -> FieldError:
    allowed = ", ".join(str(v) for v in AQL_VALUES)
    return FieldError("aql", f"{value!r} is not an ISO 2859-1 AQL; use one of {allowed}")


def _check_aql(aql: object) -> Decimal | FieldError:
    # bool is an int subclass; True must not pass as AQL 1.
    if isinstance(aql, bool) or not isinstance(aql, Decimal | float | int | str):
        return _aql_error(aql)
    try:
        # str() first so a float such as 0.1 is read as written, not as its binary expansion.
        value = Decimal(aql.strip() if isinstance(aql, str) else str(aql))
    except InvalidOperation:
        return _aql_error(aql)
    if not value.is_finite():
        return _aql_error(aql)
    for allowed in AQL_VALUES:
        if value == allowed:
            return allowed
    return _aql_error(aql)


def normalize_aql(aql: AqlInput) -> Decimal:
    """The table's own Decimal for an AQL given as Decimal, float, int or string.

    ``"1"``, ``"1.0"``, ``1.0`` and ``Decimal("1.00")`` all give ``Decimal("1.0")``.
    Raises ``SamplingError`` (field ``aql``) for anything not in the contract's AQL list.
    """
    checked = _check_aql(aql)
    if isinstance(checked, FieldError):
        raise SamplingError([checked])
    return checked


def _check_level(level: object) -> str | FieldError:
    if isinstance(level, str) and level.strip().upper() in LEVELS:
        return level.strip().upper()
    return FieldError("level", f"{level!r} is not a general inspection level; use one of I, II, III")


def normalize_level(level: str) -> str:
    """``"I"``, ``"II"`` or ``"III"``; raises ``SamplingError`` (field ``level``) otherwise."""
    checked = _check_level(level)
    if isinstance(checked, FieldError):
        raise SamplingError([checked])
    return checked


def _check_lot_size(lot_size: object) -> int | FieldError:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        return FieldError("lot_size", "must be an integer")
    if lot_size <= 0:
        return FieldError("lot_size", "must be greater than 0")
    return lot_size


def code_letter_for(lot_size: int, level: str = DEFAULT_LEVEL) -> str:
    """Table I: the sample size code letter for a lot size at a general inspection level."""
    checked_lot = _check_lot_size(lot_size)
    checked_level = _check_level(level)
    errors = [e for e in (checked_lot, checked_level) if isinstance(e, FieldError)]
    if errors:
        raise SamplingError(errors)
    assert isinstance(checked_lot, int) and isinstance(checked_level, str)
    return _letter(checked_lot, checked_level)


def _letter(lot_size: int, level: str) -> str:
    # Table I starts at 2; a lot of one unit takes the first row (it is inspected 100 % anyway).
    for _low, high, letters in CODE_LETTERS:
        if high is None or lot_size <= high:
            return letters[level]
    raise AssertionError("Table I has an open-ended last row")  # pragma: no cover


def table_plan(code_letter: str, aql: AqlInput) -> SamplingPlan:
    """Table II-A: the plan for a code letter and AQL, arrows followed, no lot-size cut."""
    if code_letter not in TABLE_II_A:
        raise SamplingError.single("code_letter", f"{code_letter!r} is not a sample size code letter")
    column = AQL_VALUES.index(normalize_aql(aql))
    index = CODE_LETTERS_ORDER.index(code_letter)
    cell = TABLE_II_A[code_letter][column]
    # An arrow points along its AQL column; walk until a plan is found.
    step = {Arrow.DOWN: 1, Arrow.UP: -1}
    while isinstance(cell, Arrow):
        index += step[cell]
        if not 0 <= index < len(CODE_LETTERS_ORDER):
            raise AssertionError(f"arrow at {code_letter}/{aql} leads off the table")  # pragma: no cover
        cell = TABLE_II_A[CODE_LETTERS_ORDER[index]][column]
    letter = CODE_LETTERS_ORDER[index]
    accept, reject = cell
    return SamplingPlan(code_letter=letter, sample_size=SAMPLE_SIZES[letter], accept=accept, reject=reject)


def plan_for(lot_size: int, aql: AqlInput, level: str = DEFAULT_LEVEL) -> SamplingPlan:
    """ISO 2859-1 single sampling plan, normal inspection, for one lot.

    The code letter comes from Table I; Table II-A gives the plan, following arrows to the first
    plan in their direction. The reported letter and sample size are those of the plan used.

    When that sample size reaches the lot size, the whole lot is inspected: ``sample_size``
    becomes ``lot_size`` and the plan's Ac/Re are kept, since the standard only says to inspect
    100 % and the acceptance criterion of the plan used stays the one agreed for the AQL.

    All invalid inputs are reported together in one ``SamplingError``.
    """
    checked = (_check_lot_size(lot_size), _check_aql(aql), _check_level(level))
    errors = [c for c in checked if isinstance(c, FieldError)]
    if errors:
        raise SamplingError(errors)
    lot, aql_value, lvl = checked
    assert isinstance(lot, int) and isinstance(aql_value, Decimal) and isinstance(lvl, str)
    plan = table_plan(_letter(lot, lvl), aql_value)
    if plan.sample_size >= lot:
        return SamplingPlan(plan.code_letter, lot, plan.accept, plan.reject)
    return plan


def is_full_inspection(plan: SamplingPlan, lot_size: int) -> bool:
    """Whether the plan inspects every unit of the lot."""
    return plan.sample_size >= lot_size


__all__ = [
    "DEFAULT_LEVEL",
    "AqlInput",
    "SamplingPlan",
    "code_letter_for",
    "is_full_inspection",
    "normalize_aql",
    "normalize_level",
    "plan_for",
    "table_plan",
]
