"""Table I and Table II-A as data: boundaries, shape and the master table's diagonal structure."""

from __future__ import annotations

import pytest

from services.quality.domain.sampling import code_letter_for, table_plan
from services.quality.domain.sampling_tables import (
    AQL_VALUES,
    CODE_LETTERS,
    CODE_LETTERS_ORDER,
    SAMPLE_SIZES,
    TABLE_II_A,
    Arrow,
)

# Lot size -> (level I, level II, level III), both sides of every Table I row boundary.
TABLE_I_BOUNDARIES = [
    (2, "A", "A", "B"),
    (8, "A", "A", "B"),
    (9, "A", "B", "C"),
    (15, "A", "B", "C"),
    (16, "B", "C", "D"),
    (25, "B", "C", "D"),
    (26, "C", "D", "E"),
    (50, "C", "D", "E"),
    (51, "C", "E", "F"),
    (90, "C", "E", "F"),
    (91, "D", "F", "G"),
    (150, "D", "F", "G"),
    (151, "E", "G", "H"),
    (280, "E", "G", "H"),
    (281, "F", "H", "J"),
    (500, "F", "H", "J"),
    (501, "G", "J", "K"),
    (1200, "G", "J", "K"),
    (1201, "H", "K", "L"),
    (3200, "H", "K", "L"),
    (3201, "J", "L", "M"),
    (10000, "J", "L", "M"),
    (10001, "K", "M", "N"),
    (35000, "K", "M", "N"),
    (35001, "L", "N", "P"),
    (150000, "L", "N", "P"),
    (150001, "M", "P", "Q"),
    (500000, "M", "P", "Q"),
    (500001, "N", "Q", "R"),
    (10_000_000, "N", "Q", "R"),
]


@pytest.mark.parametrize(("lot_size", "level_i", "level_ii", "level_iii"), TABLE_I_BOUNDARIES)
def test_every_table_i_boundary_gives_the_published_code_letter_at_each_level(
    lot_size: int, level_i: str, level_ii: str, level_iii: str
) -> None:
    assert code_letter_for(lot_size, "I") == level_i
    assert code_letter_for(lot_size, "II") == level_ii
    assert code_letter_for(lot_size, "III") == level_iii


def test_level_ii_is_the_default_inspection_level() -> None:
    assert code_letter_for(1000) == "J"
    assert code_letter_for(500) == "H"


def test_a_lot_of_one_unit_takes_the_first_table_i_row() -> None:
    assert code_letter_for(1, "III") == "B"


def test_table_i_rows_are_contiguous_and_open_ended() -> None:
    expected_low = 2
    for low, high, _letters in CODE_LETTERS:
        assert low == expected_low
        if high is not None:
            expected_low = high + 1
    assert CODE_LETTERS[-1][1] is None


def test_sample_sizes_per_code_letter_are_the_published_series() -> None:
    assert [SAMPLE_SIZES[letter] for letter in CODE_LETTERS_ORDER] == [
        2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000,
    ]  # fmt: skip


def test_master_table_has_one_cell_per_code_letter_and_contract_aql() -> None:
    assert tuple(TABLE_II_A) == CODE_LETTERS_ORDER
    assert [str(a) for a in AQL_VALUES] == [
        "0.065", "0.1", "0.15", "0.25", "0.4", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10",
    ]  # fmt: skip
    for row in TABLE_II_A.values():
        assert len(row) == len(AQL_VALUES)
        for cell in row:
            if not isinstance(cell, Arrow):
                accept, reject = cell
                assert reject == accept + 1  # single sampling: Re is always Ac + 1


# Column of each contract AQL in the full ISO 2859-1 series starting at 0.010.
_FULL_SERIES_INDEX = {aql: i + 4 for i, aql in enumerate(AQL_VALUES)}
_DIAGONAL_AC = [1, 2, 3, 5, 7, 10, 14, 21]


def _diagonal_cell(letter_index: int, series_index: int) -> object:
    """The cell the master table's diagonal structure predicts (0/1 for 0.010 sits at Q)."""
    offset = letter_index + series_index - 14
    if offset < 0:
        return Arrow.DOWN
    if offset == 0:
        return (0, 1)
    if offset == 1:
        return Arrow.UP
    if offset == 2:
        return Arrow.DOWN
    if offset <= 10:
        ac = _DIAGONAL_AC[offset - 3]
        return (ac, ac + 1)
    return Arrow.UP


def test_master_table_follows_the_diagonal_structure_of_the_standard() -> None:
    for li, letter in enumerate(CODE_LETTERS_ORDER):
        for column, aql in enumerate(AQL_VALUES):
            expected = _diagonal_cell(li, _FULL_SERIES_INDEX[aql])
            if (letter, str(aql)) == ("A", "10"):
                # The one edge cell: an up arrow would point off the table; ISO prints a down arrow.
                assert TABLE_II_A[letter][column] == Arrow.DOWN
                continue
            assert TABLE_II_A[letter][column] == expected, (letter, str(aql))


def test_zero_one_plans_sit_where_the_standard_puts_them() -> None:
    first_plans = {
        "0.065": "L", "0.1": "K", "0.15": "J", "0.25": "H", "0.4": "G", "0.65": "F",
        "1.0": "E", "1.5": "D", "2.5": "C", "4.0": "B", "6.5": "A",
    }  # fmt: skip
    for aql, letter in first_plans.items():
        column = [str(a) for a in AQL_VALUES].index(aql)
        assert TABLE_II_A[letter][column] == (0, 1)


def test_every_arrow_leads_to_a_plan_inside_the_table() -> None:
    for letter in CODE_LETTERS_ORDER:
        for aql in AQL_VALUES:
            plan = table_plan(letter, aql)
            assert plan.code_letter in TABLE_II_A
            assert plan.sample_size == SAMPLE_SIZES[plan.code_letter]


def test_resolved_sample_size_never_shrinks_as_the_code_letter_grows() -> None:
    for aql in AQL_VALUES:
        sizes = [table_plan(letter, aql).sample_size for letter in CODE_LETTERS_ORDER]
        assert sizes == sorted(sizes), str(aql)


def test_resolved_acceptance_number_never_shrinks_as_the_aql_grows() -> None:
    for letter in CODE_LETTERS_ORDER:
        accepts = [table_plan(letter, aql).accept for aql in AQL_VALUES]
        assert accepts == sorted(accepts), letter
