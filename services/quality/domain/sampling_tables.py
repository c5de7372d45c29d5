# The master table keeps the printed grid layout, one code letter per line.
# ruff: noqa: E501
"""ISO 2859-1 sampling tables, as data: Table I and the three single-sampling master tables.

Source: MIL-STD-105E (10 May 1989, public domain), which carries the same tables as ANSI/ASQ Z1.4
and ISO 2859-1 (the letters I, II-A, II-B and II-C are MIL-STD-105E's; ISO numbers them 1, 2-A,
2-B and 2-C):

* ``CODE_LETTERS`` is Table I, "Sample size code letters": the special inspection levels S-1 to
  S-4 and the general levels I, II and III.
* ``TABLE_II_A`` (normal), ``TABLE_II_B`` (tightened) and ``TABLE_II_C`` (reduced) are the master
  tables of single sampling, restricted to the AQL columns the order contract allows (0.065 ... 10,
  percent nonconforming); ``SAMPLE_SIZES`` and ``REDUCED_SAMPLE_SIZES`` their sample size columns.
  Table II-B's extra code letter S (3150) is left out: no arrow of these columns reaches it.

A cell is either an ``(Ac, Re)`` pair or an arrow: ``DOWN`` means "use the first sampling plan
below the arrow", ``UP`` "use the first sampling plan above the arrow"; in both cases the sample
size of the plan reached is used. Each table is built on diagonals (one code letter down moves a
row's pattern one AQL column to the left):

* II-A, normal: ``DOWN``..., ``0/1``, ``UP``, ``DOWN``, 1/2, 2/3, 3/4, 5/6, 7/8, 10/11, 14/15,
  21/22, ``UP``...; ``0/1`` at A 6.5, B 4.0, C 2.5 ... L 0.065.
* II-B, tightened: ``DOWN``..., ``0/1``, ``DOWN``, ``DOWN``, 1/2, 2/3, 3/4, 5/6, 8/9, 12/13, 18/19,
  ``UP``...; ``0/1`` one column right of II-A's (B 6.5, C 4.0 ... M 0.065). Letter A has no ``0/1``:
  its cells down to 10 are arrows down (A 10 leads to D, n = 8, 1/2).
* II-C, reduced: ``DOWN``..., ``0/1``, ``UP``, ``DOWN``, 0/2, 1/3, 1/4, 2/5, 3/6, 5/8, 7/10, 10/13,
  ``UP``...; ``0/1`` where II-A has it, with the smaller reduced samples (letters A, B and C all
  sample 2 units, so an arrow may lead to another letter with the same sample size).

Two cells are read against their diagonal, because the diagonal puts an up arrow where there is no
plan above: letter A at AQL 10 in II-A and in II-C. ISO 2859-1 shows a down arrow there (II-A: A 10
leads through B to C, n = 5, Ac 1, Re 2; II-C: through B to C, n = 2, Ac 0, Re 2).

Table II-C keeps MIL-STD-105E's (and ANSI/ASQ Z1.4's) gap between Ac and Re: a lot with more
than Ac but fewer than Re nonconforming units is accepted, and normal inspection is reinstated
(MIL-STD-105E 8.3.3 (b)). ISO 2859-1:1999 closed that gap in its Table 2-C; the switching rules
here treat such a lot as the end of reduced inspection, which is what the closed gap amounts to.
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

GENERAL_LEVELS: Final[tuple[str, ...]] = ("I", "II", "III")
SPECIAL_LEVELS: Final[tuple[str, ...]] = ("S-1", "S-2", "S-3", "S-4")
# Table I's columns, in its order.
LEVELS: Final[tuple[str, ...]] = (*SPECIAL_LEVELS, *GENERAL_LEVELS)

# Column order of every master table's rows; the values the order contract accepts for ``aql``.
AQL_VALUES: Final[tuple[Decimal, ...]] = tuple(
    Decimal(v) for v in ("0.065", "0.1", "0.15", "0.25", "0.4", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10")
)

CODE_LETTERS_ORDER: Final[tuple[str, ...]] = (
    "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "Q", "R",
)  # fmt: skip

# Table I: (lowest lot size, highest lot size or None for "and over", letters for S-1 ... S-4, I, II, III).
CODE_LETTERS: Final[tuple[tuple[int, int | None, Mapping[str, str]], ...]] = tuple(
    (low, high, MappingProxyType(dict(zip(LEVELS, letters.split(), strict=True))))
    for low, high, letters in (
        #                 S-1 S-2 S-3 S-4 I  II III
        (2, 8,           "A   A   A   A   A  A  B"),
        (9, 15,          "A   A   A   A   A  B  C"),
        (16, 25,         "A   A   B   B   B  C  D"),
        (26, 50,         "A   B   B   C   C  D  E"),
        (51, 90,         "B   B   C   C   C  E  F"),
        (91, 150,        "B   B   C   D   D  F  G"),
        (151, 280,       "B   C   D   E   E  G  H"),
        (281, 500,       "B   C   D   E   F  H  J"),
        (501, 1200,      "C   C   E   F   G  J  K"),
        (1201, 3200,     "C   D   E   G   H  K  L"),
        (3201, 10000,    "C   D   F   G   J  L  M"),
        (10001, 35000,   "C   D   F   H   K  M  N"),
        (35001, 150000,  "D   E   G   J   L  N  P"),
        (150001, 500000, "D   E   G   J   M  P  Q"),
        (500001, None,   "D   E   H   K   N  Q  R"),
    )
)  # fmt: skip

# Tables II-A and II-B, sample size per code letter.
SAMPLE_SIZES: Final[Mapping[str, int]] = MappingProxyType(
    {
        "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
        "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
    }
)  # fmt: skip

# Table II-C, sample size per code letter (reduced inspection).
REDUCED_SAMPLE_SIZES: Final[Mapping[str, int]] = MappingProxyType(
    {
        "A": 2, "B": 2, "C": 2, "D": 3, "E": 5, "F": 8, "G": 13, "H": 20,
        "J": 32, "K": 50, "L": 80, "M": 125, "N": 200, "P": 315, "Q": 500, "R": 800,
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

# Table II-B, tightened inspection.
TABLE_II_B: Final[Mapping[str, tuple[Cell, ...]]] = MappingProxyType({
    #      0.065     0.1       0.15      0.25      0.4       0.65      1.0       1.5       2.5       4.0       6.5       10
    "A": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D),
    "B": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _D),
    "C": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _D,       _D),
    "D": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _D,       _D,       (1, 2)),
    "E": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _D,       _D,       (1, 2),   (2, 3)),
    "F": (_D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _D,       _D,       (1, 2),   (2, 3),   (3, 4)),
    "G": (_D,       _D,       _D,       _D,       _D,       (0, 1),   _D,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6)),
    "H": (_D,       _D,       _D,       _D,       (0, 1),   _D,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9)),
    "J": (_D,       _D,       _D,       (0, 1),   _D,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13)),
    "K": (_D,       _D,       (0, 1),   _D,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13), (18, 19)),
    "L": (_D,       (0, 1),   _D,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13), (18, 19), _U),
    "M": ((0, 1),   _D,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13), (18, 19), _U,       _U),
    "N": (_D,       _D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13), (18, 19), _U,       _U,       _U),
    "P": (_D,       (1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13), (18, 19), _U,       _U,       _U,       _U),
    "Q": ((1, 2),   (2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13), (18, 19), _U,       _U,       _U,       _U,       _U),
    "R": ((2, 3),   (3, 4),   (5, 6),   (8, 9),   (12, 13), (18, 19), _U,       _U,       _U,       _U,       _U,       _U),
})

# Table II-C, reduced inspection (sample sizes: REDUCED_SAMPLE_SIZES).
TABLE_II_C: Final[Mapping[str, tuple[Cell, ...]]] = MappingProxyType({
    #      0.065     0.1       0.15      0.25      0.4       0.65      1.0       1.5       2.5       4.0       6.5       10
    "A": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _D),
    "B": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D),
    "C": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (0, 2)),
    "D": (_D,       _D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (0, 2),   (1, 3)),
    "E": (_D,       _D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (0, 2),   (1, 3),   (1, 4)),
    "F": (_D,       _D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (0, 2),   (1, 3),   (1, 4),   (2, 5)),
    "G": (_D,       _D,       _D,       _D,       (0, 1),   _U,       _D,       (0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6)),
    "H": (_D,       _D,       _D,       (0, 1),   _U,       _D,       (0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8)),
    "J": (_D,       _D,       (0, 1),   _U,       _D,       (0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10)),
    "K": (_D,       (0, 1),   _U,       _D,       (0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10),  (10, 13)),
    "L": ((0, 1),   _U,       _D,       (0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10),  (10, 13), _U),
    "M": (_U,       _D,       (0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10),  (10, 13), _U,       _U),
    "N": (_D,       (0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10),  (10, 13), _U,       _U,       _U),
    "P": ((0, 2),   (1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10),  (10, 13), _U,       _U,       _U,       _U),
    "Q": ((1, 3),   (1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10),  (10, 13), _U,       _U,       _U,       _U,       _U),
    "R": ((1, 4),   (2, 5),   (3, 6),   (5, 8),   (7, 10),  (10, 13), _U,       _U,       _U,       _U,       _U,       _U),
})
# fmt: on

# The master table of each severity of inspection: its sample sizes and its rows.
MASTER_TABLES: Final[Mapping[str, tuple[str, Mapping[str, int], Mapping[str, tuple[Cell, ...]]]]] = MappingProxyType(
    {
        "normal": ("II-A", SAMPLE_SIZES, TABLE_II_A),
        "tightened": ("II-B", SAMPLE_SIZES, TABLE_II_B),
        "reduced": ("II-C", REDUCED_SAMPLE_SIZES, TABLE_II_C),
    }
)
