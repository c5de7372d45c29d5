"""ISO 2859-1 single sampling: lot size + AQL + inspection level + severity -> sampling plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Final

from services.quality.domain.errors import SamplingError
from services.quality.domain.sampling_tables import (
    AQL_VALUES,
    CODE_LETTERS,
    CODE_LETTERS_ORDER,
    LEVELS,
    MASTER_TABLES,
    Arrow,
)

DEFAULT_LEVEL: Final = "II"


class Severity(StrEnum):
    """The severity of inspection (ISO 2859-1 clause 9): which master table sizes a lot."""

    NORMAL = "normal"  # Table II-A
    TIGHTENED = "tightened"  # Table II-B
    REDUCED = "reduced"  # Table II-C


SEVERITIES: Final[tuple[str, ...]] = tuple(Severity)
# Table II-A's acceptance numbers in the order its diagonals climb: one AQL step tighter is the one before.
NORMAL_ACCEPTANCE_NUMBERS: Final[tuple[int, ...]] = (0, 1, 2, 3, 5, 7, 10, 14, 21)

AqlInput = Decimal | float | int | str
# A broken input before it is raised: (field, message), so all of them are reported together.
FieldProblem = tuple[str, str]


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


def _aql_error(value: object) -> FieldProblem:
    allowed = ", ".join(str(v) for v in AQL_VALUES)
    return ("aql", f"{value!r} is not an ISO 2859-1 AQL; use one of {allowed}")


def _check_aql(aql: object) -> Decimal | FieldProblem:
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
    if isinstance(checked, tuple):
        raise SamplingError(*checked)
    return checked


def _check_level(level: object) -> str | FieldProblem:
    if isinstance(level, str) and level.strip().upper() in LEVELS:
        return level.strip().upper()
    return ("level", f"{level!r} is not an inspection level; use one of {', '.join(LEVELS)}")


def _check_severity(severity: object) -> Severity | FieldProblem:
    if isinstance(severity, str) and severity.strip().lower() in SEVERITIES:
        return Severity(severity.strip().lower())
    return ("severity", f"{severity!r} is not a severity of inspection; use one of {', '.join(SEVERITIES)}")


def normalize_severity(severity: str) -> Severity:
    """``normal``, ``tightened`` or ``reduced``; raises ``SamplingError`` (field ``severity``) otherwise."""
    checked = _check_severity(severity)
    if isinstance(checked, tuple):
        raise SamplingError(*checked)
    return checked


def normalize_level(level: str) -> str:
    """A level of Table I (``S-1`` ... ``S-4``, ``I``, ``II``, ``III``); raises ``SamplingError`` otherwise."""
    checked = _check_level(level)
    if isinstance(checked, tuple):
        raise SamplingError(*checked)
    return checked


def _check_lot_size(lot_size: object) -> int | FieldProblem:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        return ("lot_size", "must be an integer")
    if lot_size <= 0:
        return ("lot_size", "must be greater than 0")
    return lot_size


def code_letter_for(lot_size: int, level: str = DEFAULT_LEVEL) -> str:
    """Table I: the sample size code letter for a lot size at an inspection level (special or general)."""
    checked_lot = _check_lot_size(lot_size)
    checked_level = _check_level(level)
    errors = [e for e in (checked_lot, checked_level) if isinstance(e, tuple)]
    if errors:
        raise SamplingError.of(errors)
    assert isinstance(checked_lot, int) and isinstance(checked_level, str)
    return _letter(checked_lot, checked_level)


def _letter(lot_size: int, level: str) -> str:
    # Table I starts at 2; a lot of one unit takes the first row (it is inspected 100 % anyway).
    for _low, high, letters in CODE_LETTERS:
        if high is None or lot_size <= high:
            return letters[level]
    raise AssertionError("Table I has an open-ended last row")  # pragma: no cover


def table_plan(code_letter: str, aql: AqlInput, severity: str = Severity.NORMAL) -> SamplingPlan:
    """The master table of ``severity`` (II-A, II-B, II-C): the plan for a code letter and AQL, arrows
    followed, no lot-size cut."""
    _name, sample_sizes, table = MASTER_TABLES[normalize_severity(severity)]
    if code_letter not in table:
        raise SamplingError("code_letter", f"{code_letter!r} is not a sample size code letter")
    column = AQL_VALUES.index(normalize_aql(aql))
    index = CODE_LETTERS_ORDER.index(code_letter)
    cell = table[code_letter][column]
    # An arrow points along its AQL column; walk until a plan is found.
    step = {Arrow.DOWN: 1, Arrow.UP: -1}
    while isinstance(cell, Arrow):
        index += step[cell]
        if not 0 <= index < len(CODE_LETTERS_ORDER):
            raise AssertionError(f"arrow at {code_letter}/{aql} leads off the table")  # pragma: no cover
        cell = table[CODE_LETTERS_ORDER[index]][column]
    letter = CODE_LETTERS_ORDER[index]
    accept, reject = cell
    return SamplingPlan(code_letter=letter, sample_size=sample_sizes[letter], accept=accept, reject=reject)


def plan_for(lot_size: int, aql: AqlInput, level: str = DEFAULT_LEVEL, severity: str = Severity.NORMAL) -> SamplingPlan:
    """ISO 2859-1 single sampling plan for one lot, at a severity of inspection.

    The code letter comes from Table I (special levels S-1 ... S-4 or general I ... III); the master
    table of the severity (II-A normal, II-B tightened, II-C reduced) gives the plan, following
    arrows to the first plan in their direction. The reported letter and sample size are those of
    the plan used.

    When that sample size reaches the lot size, the whole lot is inspected: ``sample_size``
    becomes ``lot_size`` and the plan's Ac/Re are kept, since the standard only says to inspect
    100 % and the acceptance criterion of the plan used stays the one agreed for the AQL.

    All invalid inputs are reported together in one ``SamplingError``.
    """
    checked = (_check_lot_size(lot_size), _check_aql(aql), _check_level(level), _check_severity(severity))
    errors = [c for c in checked if isinstance(c, tuple)]
    if errors:
        raise SamplingError.of(errors)
    lot, aql_value, lvl, sev = checked
    assert isinstance(lot, int) and isinstance(aql_value, Decimal) and isinstance(lvl, str)
    assert isinstance(sev, Severity)
    plan = table_plan(_letter(lot, lvl), aql_value, sev)
    if plan.sample_size >= lot:
        return SamplingPlan(plan.code_letter, lot, plan.accept, plan.reject)
    return plan


def one_step_tighter(accept: int) -> int | None:
    """The acceptance number of Table II-A one AQL step tighter, same sample size (clause 9.3.3.2 a).

    Along a row of II-A the plans from 1/2 up climb 1, 2, 3, 5, 7, 10, 14, 21, so one column to
    the left is the number before; ``None`` for 0 and 1, whose left neighbour is an arrow.
    """
    if accept < 2 or accept not in NORMAL_ACCEPTANCE_NUMBERS:
        return None
    return NORMAL_ACCEPTANCE_NUMBERS[NORMAL_ACCEPTANCE_NUMBERS.index(accept) - 1]


def is_full_inspection(plan: SamplingPlan, lot_size: int) -> bool:
    """Whether the plan inspects every unit of the lot."""
    return plan.sample_size >= lot_size


__all__ = [
    "DEFAULT_LEVEL",
    "NORMAL_ACCEPTANCE_NUMBERS",
    "SEVERITIES",
    "AqlInput",
    "SamplingPlan",
    "Severity",
    "code_letter_for",
    "is_full_inspection",
    "normalize_aql",
    "normalize_level",
    "normalize_severity",
    "one_step_tighter",
    "plan_for",
    "table_plan",
]
