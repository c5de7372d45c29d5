"""The served tables against a transcription of the published ones, cell by cell.

``iso2859_tables.txt`` is typed from MIL-STD-105E's printed Table I and master tables II-A, II-B
and II-C, arrows and all; this module reads it and resolves the arrows itself, so what is checked
is the service's answer (``plan_for`` / ``table_plan`` / ``code_letter_for``), never its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from services.quality.domain.sampling import SamplingPlan, code_letter_for, plan_for, table_plan

SOURCE = Path(__file__).with_name("iso2859_tables.txt")
LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITY_OF = {"normal": "normal", "tightened": "tightened", "reduced": "reduced"}


@dataclass(frozen=True)
class Printed:
    """One master table as printed: letters top to bottom, sample sizes, the AQL header, the cells."""

    letters: list[str]
    sizes: dict[str, int]
    aqls: list[str]
    cells: dict[str, list[str]]

    def resolve(self, letter: str, aql: str) -> SamplingPlan:
        column = self.aqls.index(aql)
        row = self.letters.index(letter)
        cell = self.cells[letter][column]
        while cell in ("v", "^"):
            row += 1 if cell == "v" else -1
            assert 0 <= row < len(self.letters), f"arrow at {letter}/{aql} leaves the printed table"
            cell = self.cells[self.letters[row]][column]
        accept, reject = (int(n) for n in cell.split("/"))
        used = self.letters[row]
        return SamplingPlan(used, self.sizes[used], accept, reject)


def _sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for raw in SOURCE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif line.startswith("# letter"):
            current.append(line)  # the AQL header
        elif line and not line.startswith("#"):
            current.append(line)
    return sections


SECTIONS = _sections()


def _table_i() -> list[tuple[int, int | None, dict[str, str]]]:
    rows = []
    for line in SECTIONS["Table I"]:
        lots, *letters = line.split()
        low, _, high = lots.partition("-")
        rows.append((int(low), int(high) if high else None, dict(zip(LEVELS, letters, strict=True))))
    return rows


def _master(name: str) -> Printed:
    header, *lines = SECTIONS[name]
    aqls = header.split()[3:]  # "# letter n" then the AQLs
    letters, sizes, cells = [], {}, {}
    for line in lines:
        letter, size, *row = line.split()
        assert len(row) == len(aqls), f"{name} {letter}: {len(row)} cells"
        letters.append(letter)
        sizes[letter] = int(size)
        cells[letter] = row
    return Printed(letters, sizes, aqls, cells)


TABLE_I = _table_i()
MASTERS = {
    "normal": _master("Table II-A normal"),
    "tightened": _master("Table II-B tightened"),
    "reduced": _master("Table II-C reduced"),
}
CELLS = [
    (severity, letter, aql)
    for severity, printed in MASTERS.items()
    for letter in printed.letters
    for aql in printed.aqls
]


def test_the_transcription_has_every_code_letter_and_contract_aql() -> None:
    for printed in MASTERS.values():
        assert "".join(printed.letters) == "ABCDEFGHJKLMNPQR"
        assert printed.aqls == ["0.065", "0.1", "0.15", "0.25", "0.4", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10"]
    assert len(CELLS) == 3 * 16 * 12


@pytest.mark.parametrize(("severity", "letter", "aql"), CELLS)
def test_every_cell_of_the_master_tables_resolves_to_the_published_plan(severity: str, letter: str, aql: str) -> None:
    assert table_plan(letter, aql, severity) == MASTERS[severity].resolve(letter, aql)


@pytest.mark.parametrize("level", LEVELS)
def test_every_table_i_boundary_gives_the_published_code_letter(level: str) -> None:
    for low, high, letters in TABLE_I:
        for lot_size in (low, high or 10_000_000):
            assert code_letter_for(lot_size, level) == letters[level], (lot_size, level)


@pytest.mark.parametrize("severity", list(MASTERS))
@pytest.mark.parametrize("level", LEVELS)
def test_every_lot_row_level_and_aql_gives_the_published_plan_or_the_whole_lot(severity: str, level: str) -> None:
    printed = MASTERS[severity]
    for low, high, letters in TABLE_I:
        for lot_size in (low, high or 10_000_000):
            for aql in printed.aqls:
                published = printed.resolve(letters[level], aql)
                served = plan_for(lot_size, aql, level, severity)
                if published.sample_size >= lot_size:  # the plan's sample reaches the lot: inspect it all
                    published = SamplingPlan(published.code_letter, lot_size, published.accept, published.reject)
                assert served == published, (lot_size, level, aql)


def test_a_lot_of_one_unit_is_inspected_whole_at_every_severity() -> None:
    for severity in MASTERS:
        assert plan_for(1, "10", "S-1", severity).sample_size == 1


def test_reduced_letters_a_b_and_c_sample_two_units_and_name_the_plan_they_reach() -> None:
    # Lot of 5 at S-1 is letter A; at AQL 4.0 its arrow leads down to B's 0/1 (also 2 units).
    assert plan_for(5, "4.0", "S-1", "reduced") == SamplingPlan("B", 2, 0, 1)
    # At AQL 10 the arrows lead down to C's 0/2.
    assert plan_for(5, "10", "S-1", "reduced") == SamplingPlan("C", 2, 0, 2)
    # At AQL 6.5, B's up arrow leads back to A.
    assert plan_for(12, "6.5", "II", "reduced") == SamplingPlan("A", 2, 0, 1)


def test_a_reduced_plan_larger_than_a_tiny_lot_inspects_the_whole_lot() -> None:
    # Lot 2 at level III is B; AQL 1.0 leads down to E (5 units) in II-C: inspect both units.
    assert plan_for(2, "1.0", "III", "reduced") == SamplingPlan("E", 2, 0, 1)


def test_tightened_letter_a_has_no_zero_one_plan_at_aql_10() -> None:
    # II-B: A 10 leads down through B and C to D's 1/2 (8 units); a lot of 8 is inspected whole.
    assert table_plan("A", "10", "tightened") == SamplingPlan("D", 8, 1, 2)
    assert plan_for(8, "10", "II", "tightened") == SamplingPlan("D", 8, 1, 2)
