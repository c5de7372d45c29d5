# The master table keeps the printed grid layout, one code letter per line.
# ruff: noqa: E501
"""ISO 2859-1 sampling tables, as data.

Source: ISO 2859-1 (Sampling procedures for inspection by attributes, Part 1), which carries the
same tables as ANSI/ASQ Z1.4 and MIL-STD-105E:

* ``CODE_LETTERS`` is Table I (ISO: Table 1), "Sample size code letters", general inspection
  levels I, II and III.
* ``SAMPLE_SIZES`` and ``TABLE_II_A`` are Table II-A (ISO: Table 2-A), "Single sampling plans
  for normal inspection (Master table)", restricted to the AQL columns the order contract
  allows (0.065 ... 10, percent nonconforming).

A cell of Table II-A is either an ``(Ac, Re)`` pair or an arrow: ``DOWN`` means "use the first
sampling plan below the arrow", ``UP`` "use the first sampling plan above the arrow"; in both
cases the sample size of the plan reached is used.

The master table is built on diagonals: along one row, the cells right of the ``0/1`` plan read
``UP``, ``DOWN``, then Ac = 1, 2, 3, 5, 7, 10, 14, 21 (Re = Ac + 1), and beyond 21/22 the
percent-nonconforming columns carry ``UP`` arrows; left of ``0/1`` every cell is ``DOWN``. Going
down one code letter moves the whole pattern one AQL column to the left. The ``0/1`` plans sit at
L (0.065), K (0.10), J (0.15), H (0.25), G (0.40), F (0.65), E (1.0), D (1.5), C (2.5), B (4.0)
and A (6.5).

One cell is read from ISO 2859-1:1999 rather than from the diagonal: letter A at AQL 10. The
diagonal puts an up arrow there, which has no plan above it (some MIL-STD-105E reproductions
print it so); ISO 2859-1 shows a down arrow, which leads through B to C (n = 5, Ac 1, Re 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class Arrow(StrEnum):
    DOWN = "down"  # use the first plan below (larger sample)
    UP = "up"  # use the first plan above (smaller sample)


Cell = tuple[int, int] | Arrow

LEVELS: Final[tuple[str, ...]] = ("I", "II", "III")

# Column order of TABLE_II_A rows; the values the order contract accepts for ``aql``.
AQL_VALUES: Final[tuple[Decimal, ...]] = tuple(
    Decimal(v) for v in ("0.065", "0.1", "0.15", "0.25", "0.4", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10")
)

CODE_LETTERS_ORDER: Final[tuple[str, ...]] = (
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "Q", "R",
)  # fmt: skip

# Table I: (lowest lot size, highest lot size or None for "and over", letters for I, II, III).
CODE_LETTERS: Final[tuple[tuple[int, int | None, Mapping[str, str]], ...]] = tuple(
    (low, high, MappingProxyType(dict(zip(LEVELS, letters, strict=True))))
    for low, high, letters in (
        (2, 8, ("A", "A", "B")),
        (9, 15, ("A", "B", "C")),
        (16, 25, ("B", "C", "D")),
        (26, 50, ("C", "D", "E")),
        (51, 90, ("C", "E", "F")),
        (91, 150, ("D", "F", "G")),
        (151, 280, ("E", "G", "H")),
        (281, 500, ("F", "H", "J")),
        (501, 1200, ("G", "J", "K")),
        (1201, 3200, ("H", "K", "L")),
        (3201, 10000, ("J", "L", "M")),
        (10001, 35000, ("K", "M", "N")),
        (35001, 150000, ("L", "N", "P")),
        (150001, 500000, ("M", "P", "Q")),
        (500001, None, ("N", "Q", "R")),
    )
)

# Table II-A, sample size per code letter.
SAMPLE_SIZES: Final[Mapping[str, int]] = MappingProxyType(
    {
        "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
        "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
    }
)  # fmt: skip

_D: Final = Arrow.DOWN
_U: Final = Arrow.UP

# Table II-A, normal inspection, one row per code letter, columns in AQL_VALUES order.
# fmt: off
TABLE_II_A: Final[Mapping[str, tuple[Cell, ...]]] = MappingProxyType({
    #      0.065     0.1       0.15      0.25      0.4       0.65      1.0       1.5       2.5       4.0       6.5       10
    "A": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _D),
    "B": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D),
    "C": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (1, 2)),
    "D": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (1, 2),   (2, 3)),
    "E": (_D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (1, 2),   (2, 3),   (3, 4)),
    "F": (_D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6)),
    "G": (_D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8)),
    "H": (_D,       _D,       _D,       (0, 1),   _U,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11)),
    "J": (_D,       _D,       (0, 1),   _U,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15)),
    "K": (_D,       (0, 1),   _U,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15), (21, 22)),
    "L": ((0, 1),   _U,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15), (21, 22), _U),
    "M": (_U,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15), (21, 22), _U,       _U),
    "N": (_D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15), (21, 22), _U,       _U,       _U),
    "P": ((1, 2),   (2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15), (21, 22), _U,       _U,       _U,       _U),
    "Q": ((2, 3),   (3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15), (21, 22), _U,       _U,       _U,       _U,       _U),
    "R": ((3, 4),   (5, 6),   (7, 8),   (10, 11), (14, 15), (21, 22), _U,       _U,       _U,       _U,       _U,       _U),
})
# fmt: on
