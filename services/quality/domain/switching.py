"""ISO 2859-1 clause 9: normal, tightened and reduced inspection over one order's series of lots.

Only original inspections count (a lot resubmitted after rework is inspected, but moves nothing),
and only lots inspected under the severity the state is in. The rules, in the order the clauses
give them:

* 9.2: inspection starts normal.
* 9.3.1 normal -> tightened: 2 of 5 or fewer consecutive original lots not accepted.
* 9.3.2 tightened -> normal: 5 consecutive original lots accepted under tightened inspection.
* 9.3.3 normal -> reduced: the switching score reaches 30 and the responsible authority approves
  reduced inspection (``reduced_allowed``, the ``SDO_REDUCED_INSPECTION`` setting; the service runs
  at a steady rate). The score (9.3.3.2, single sampling) starts at 0 with normal inspection and
  after each original lot on normal inspection: when Ac >= 2, +3 if the lot would have been
  accepted at one AQL step tighter, otherwise back to 0; when Ac is 0 or 1, +2 if the lot is
  accepted, otherwise back to 0. Without the approval the score is still kept.
* 9.3.4 reduced -> normal: a lot not accepted. Table II-C keeps MIL-STD-105E's gap between Ac and
  Re, so a reduced lot accepted with more than Ac nonconforming units also reinstates normal
  inspection (MIL-STD-105E 8.3.3 b).
* 9.4 discontinuation: 5 lots not accepted, counted from the start of tightened inspection;
  10.3: inspection resumes, once the responsible authority says so, at tightened inspection.

Every switch starts the new severity afresh: the score at 0, the counters empty.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

from services.quality.domain.sampling import Severity, one_step_tighter

SWITCH_TO_REDUCED_SCORE: Final = 30
NORMAL_WINDOW: Final = 5  # "2 out of 5 or fewer consecutive lots"
NOT_ACCEPTED_TO_TIGHTEN: Final = 2
ACCEPTED_TO_RELAX: Final = 5
NOT_ACCEPTED_TO_DISCONTINUE: Final = 5


@dataclass(frozen=True, slots=True)
class LotOutcome:
    """What the switching rules need of one inspected lot."""

    accepted: bool
    defective_units: int
    accept: int  # Ac of the plan the lot was sized with

    @property
    def accepted_one_step_tighter(self) -> bool:
        tighter = one_step_tighter(self.accept)
        return self.accepted and tighter is not None and self.defective_units <= tighter


@dataclass(frozen=True, slots=True)
class Switching:
    """Where an order's series of lots stands: the severity and what the next switch counts."""

    severity: Severity = Severity.NORMAL
    score: int = 0
    # Normal inspection: the last (at most 5) original lots, True when accepted.
    recent: tuple[bool, ...] = ()
    # Tightened inspection: the run of lots accepted in a row, and the lots not accepted since it began.
    accepted_in_a_row: int = 0
    not_accepted: int = 0
    discontinued: bool = False

    def after(self, lot: LotOutcome, *, reduced_allowed: bool) -> Switching:
        """The state once ``lot`` (an original lot inspected under ``self.severity``) is judged."""
        if self.discontinued:
            return self
        if self.severity is Severity.NORMAL:
            return self._after_normal(lot, reduced_allowed)
        if self.severity is Severity.TIGHTENED:
            return self._after_tightened(lot)
        if not lot.accepted or lot.defective_units > lot.accept:
            return Switching(Severity.NORMAL)
        return self

    def resumed(self) -> Switching:
        """Clause 10.3: inspection resumes at tightened inspection, counted afresh."""
        return Switching(Severity.TIGHTENED)

    def _after_normal(self, lot: LotOutcome, reduced_allowed: bool) -> Switching:
        recent = (*self.recent, lot.accepted)[-NORMAL_WINDOW:]
        if recent.count(False) >= NOT_ACCEPTED_TO_TIGHTEN:
            return Switching(Severity.TIGHTENED)
        if lot.accept >= 2:
            score = self.score + 3 if lot.accepted_one_step_tighter else 0
        else:
            score = self.score + 2 if lot.accepted else 0
        if score >= SWITCH_TO_REDUCED_SCORE and reduced_allowed:
            return Switching(Severity.REDUCED)
        return replace(self, score=score, recent=recent)

    def _after_tightened(self, lot: LotOutcome) -> Switching:
        if lot.accepted:
            if self.accepted_in_a_row + 1 >= ACCEPTED_TO_RELAX:
                return Switching(Severity.NORMAL)
            return replace(self, accepted_in_a_row=self.accepted_in_a_row + 1)
        not_accepted = self.not_accepted + 1
        return replace(
            self,
            accepted_in_a_row=0,
            not_accepted=not_accepted,
            discontinued=not_accepted >= NOT_ACCEPTED_TO_DISCONTINUE,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "score": self.score,
            "recent": list(self.recent),
            "accepted_in_a_row": self.accepted_in_a_row,
            "not_accepted": self.not_accepted,
            "discontinued": self.discontinued,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Switching:
        if not data:
            return cls()
        return cls(
            severity=Severity(data["severity"]),
            score=int(data["score"]),
            recent=tuple(bool(v) for v in data["recent"]),
            accepted_in_a_row=int(data["accepted_in_a_row"]),
            not_accepted=int(data["not_accepted"]),
            discontinued=bool(data["discontinued"]),
        )


__all__ = [
    "ACCEPTED_TO_RELAX",
    "NOT_ACCEPTED_TO_DISCONTINUE",
    "NOT_ACCEPTED_TO_TIGHTEN",
    "SWITCH_TO_REDUCED_SCORE",
    "LotOutcome",
    "Switching",
]
