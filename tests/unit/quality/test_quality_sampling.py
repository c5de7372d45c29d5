"""plan_for / table_plan: Ac/Re across the AQL list, arrows, 100 % inspection, input checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.quality.domain.errors import SamplingError
from services.quality.domain.sampling import (
    SamplingPlan,
    is_full_inspection,
    normalize_aql,
    normalize_level,
    plan_for,
    table_plan,
)

AQLS = ["0.065", "0.1", "0.15", "0.25", "0.4", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10"]

# Letter -> plan used for each AQL in AQLS, after following arrows: (letter, n, Ac, Re).
RESOLVED_ROWS = {
    "A": [
        ("L", 200, 0, 1), ("K", 125, 0, 1), ("J", 80, 0, 1), ("H", 50, 0, 1),
        ("G", 32, 0, 1), ("F", 20, 0, 1), ("E", 13, 0, 1), ("D", 8, 0, 1),
        ("C", 5, 0, 1), ("B", 3, 0, 1), ("A", 2, 0, 1), ("C", 5, 1, 2),
    ],
    "C": [
        ("L", 200, 0, 1), ("K", 125, 0, 1), ("J", 80, 0, 1), ("H", 50, 0, 1),
        ("G", 32, 0, 1), ("F", 20, 0, 1), ("E", 13, 0, 1), ("D", 8, 0, 1),
        ("C", 5, 0, 1), ("B", 3, 0, 1), ("D", 8, 1, 2), ("C", 5, 1, 2),
    ],
    "F": [
        ("L", 200, 0, 1), ("K", 125, 0, 1), ("J", 80, 0, 1), ("H", 50, 0, 1),
        ("G", 32, 0, 1), ("F", 20, 0, 1), ("E", 13, 0, 1), ("G", 32, 1, 2),
        ("F", 20, 1, 2), ("F", 20, 2, 3), ("F", 20, 3, 4), ("F", 20, 5, 6),
    ],
    "J": [
        ("L", 200, 0, 1), ("K", 125, 0, 1), ("J", 80, 0, 1), ("H", 50, 0, 1),
        ("K", 125, 1, 2), ("J", 80, 1, 2), ("J", 80, 2, 3), ("J", 80, 3, 4),
        ("J", 80, 5, 6), ("J", 80, 7, 8), ("J", 80, 10, 11), ("J", 80, 14, 15),
    ],
    "M": [
        ("L", 200, 0, 1), ("N", 500, 1, 2), ("M", 315, 1, 2), ("M", 315, 2, 3),
        ("M", 315, 3, 4), ("M", 315, 5, 6), ("M", 315, 7, 8), ("M", 315, 10, 11),
        ("M", 315, 14, 15), ("M", 315, 21, 22), ("L", 200, 21, 22), ("K", 125, 21, 22),
    ],
    "R": [
        ("R", 2000, 3, 4), ("R", 2000, 5, 6), ("R", 2000, 7, 8), ("R", 2000, 10, 11),
        ("R", 2000, 14, 15), ("R", 2000, 21, 22), ("Q", 1250, 21, 22), ("P", 800, 21, 22),
        ("N", 500, 21, 22), ("M", 315, 21, 22), ("L", 200, 21, 22), ("K", 125, 21, 22),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("letter", "aql", "expected"),
    [(letter, aql, plan) for letter, row in RESOLVED_ROWS.items() for aql, plan in zip(AQLS, row, strict=True)],
)
def test_table_plan_resolves_every_contract_aql_at_several_code_letters(
    letter: str, aql: str, expected: tuple[str, int, int, int]
) -> None:
    assert table_plan(letter, aql) == SamplingPlan(*expected)


def test_lot_of_1000_at_aql_1_samples_80_and_accepts_2() -> None:
    assert plan_for(1000, "1.0") == SamplingPlan("J", 80, 2, 3)


def test_lot_of_500_at_aql_1_uses_letter_h_with_50_units_and_accepts_1() -> None:
    assert plan_for(500, 1.0) == SamplingPlan("H", 50, 1, 2)


def test_lot_of_3000_at_aql_1_uses_letter_k_and_accepts_3() -> None:
    assert plan_for(3000, 1) == SamplingPlan("K", 125, 3, 4)


def test_a_down_arrow_reports_the_letter_and_sample_size_of_the_plan_below() -> None:
    # 280 units -> G; G at AQL 1.0 is a down arrow to H.
    assert plan_for(280, "1.0") == SamplingPlan("H", 50, 1, 2)


def test_an_up_arrow_reports_the_letter_and_sample_size_of_the_plan_above() -> None:
    # 150 units -> F; F at AQL 1.0 is an up arrow to E's 0/1.
    assert plan_for(150, "1.0") == SamplingPlan("E", 13, 0, 1)


def test_an_up_arrow_past_the_21_22_plans_goes_back_to_the_last_of_them() -> None:
    # 20 000 units -> M; M at AQL 6.5 is an up arrow to L's 21/22.
    assert plan_for(20_000, "6.5") == SamplingPlan("L", 200, 21, 22)
    # Level III, over 500 000 units -> R; R at AQL 1.0 points up to Q.
    assert plan_for(600_000, "1.0", "III") == SamplingPlan("Q", 1250, 21, 22)


def test_a_chain_of_down_arrows_is_followed_to_the_first_plan() -> None:
    # 40 units -> D; AQL 0.065 runs down to L (n = 200), more than the lot: inspect all 40.
    assert plan_for(40, "0.065") == SamplingPlan("L", 40, 0, 1)
    assert plan_for(5000, "0.065") == SamplingPlan("L", 200, 0, 1)


def test_levels_i_and_iii_use_their_own_code_letters() -> None:
    # 1000 units at level I -> G; G at AQL 1.0 points down to H.
    assert plan_for(1000, "1.0", "I") == SamplingPlan("H", 50, 1, 2)
    assert plan_for(1000, "1.0", "III") == SamplingPlan("K", 125, 3, 4)


def test_a_sample_as_large_as_the_lot_means_inspecting_the_whole_lot() -> None:
    # 10 units -> B; AQL 1.0 runs down to E (n = 13): all 10 are inspected, Ac/Re of E kept.
    plan = plan_for(10, "1.0")
    assert plan == SamplingPlan("E", 10, 0, 1)
    assert is_full_inspection(plan, 10)


def test_a_sample_exactly_equal_to_the_lot_is_a_full_inspection() -> None:
    assert plan_for(13, "1.0") == SamplingPlan("E", 13, 0, 1)


def test_a_lot_just_above_the_sample_size_is_sampled() -> None:
    plan = plan_for(14, "1.0")
    assert plan == SamplingPlan("E", 13, 0, 1)
    assert not is_full_inspection(plan, 14)


def test_a_tiny_lot_at_aql_10_is_inspected_in_full_with_the_c_plan() -> None:
    assert plan_for(5, "10") == SamplingPlan("C", 5, 1, 2)
    assert plan_for(8, "10") == SamplingPlan("C", 5, 1, 2)
    assert plan_for(2, "6.5") == SamplingPlan("A", 2, 0, 1)


def test_a_lot_of_one_unit_is_inspected_in_full() -> None:
    assert plan_for(1, "6.5") == SamplingPlan("A", 1, 0, 1)


@pytest.mark.parametrize("aql", ["1", "1.0", "1.00", " 1.0 ", 1, 1.0, Decimal("1"), Decimal("1.000")])
def test_an_aql_written_in_any_form_means_the_same_column(aql: object) -> None:
    assert normalize_aql(aql) == Decimal("1.0")  # type: ignore[arg-type]
    assert plan_for(1000, aql) == SamplingPlan("J", 80, 2, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("aql", [0.065, 0.1, 0.15, 0.25, 0.4, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0])
def test_every_contract_aql_given_as_a_float_is_accepted(aql: float) -> None:
    assert normalize_aql(aql) == Decimal(str(aql))


def test_normalized_aql_keeps_the_table_spelling() -> None:
    assert str(normalize_aql(10.0)) == "10"
    assert str(normalize_aql("4")) == "4.0"
    assert str(normalize_aql("0.40")) == "0.4"


@pytest.mark.parametrize("aql", ["0.5", 0.01, 15, "abc", "", "NaN", "Infinity", True, None, [1.0]])
def test_an_aql_outside_the_contract_list_is_refused_naming_aql(aql: object) -> None:
    with pytest.raises(SamplingError) as info:
        plan_for(1000, aql)  # type: ignore[arg-type]
    assert info.value.field == "aql"


@pytest.mark.parametrize("lot_size", [0, -1, True, 2.5, "100", None])
def test_a_lot_size_that_is_not_a_positive_integer_is_refused_naming_lot_size(lot_size: object) -> None:
    with pytest.raises(SamplingError) as info:
        plan_for(lot_size, "1.0")  # type: ignore[arg-type]
    assert info.value.field == "lot_size"


@pytest.mark.parametrize("level", ["IV", "S-5", "S1", "", "2", None])
def test_a_level_outside_table_i_is_refused_naming_level(level: object) -> None:
    with pytest.raises(SamplingError) as info:
        plan_for(1000, "1.0", level)  # type: ignore[arg-type]
    assert info.value.field == "level"


def test_level_is_read_without_regard_to_case_or_blanks() -> None:
    assert normalize_level(" iii ") == "III"


def test_all_bad_inputs_are_reported_together() -> None:
    with pytest.raises(SamplingError) as info:
        plan_for(0, "7", "IV")  # type: ignore[arg-type]
    assert [e["field"] for e in info.value.errors] == ["lot_size", "aql", "level"]
    assert isinstance(info.value, ValueError)


def test_an_unknown_code_letter_is_refused() -> None:
    with pytest.raises(SamplingError) as info:
        table_plan("I", "1.0")
    assert info.value.field == "code_letter"


def test_a_sampling_plan_serializes_to_the_contract_fields() -> None:
    assert plan_for(1000, "1.0").as_dict() == {
        "code_letter": "J",
        "sample_size": 80,
        "accept": 2,
        "reject": 3,
    }
