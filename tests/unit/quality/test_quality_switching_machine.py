"""ISO 2859-1 clause 9 over random series of lots: the plan against a model written apart from it.

The model keeps the log of lots since the last switch and re-reads the clauses over it after every
lot (the service keeps running counters instead): 9.3.1 two of the last five normal lots not
accepted tighten; 9.3.2 five accepted in a row on tightened relax; 9.3.3 the switching score,
folded over the normal lots, reaching 30 reduces when approved; 9.3.4 a reduced lot not accepted
(or accepted past Ac, in II-C's gap) goes back to normal; 9.4 five lots not accepted on tightened
discontinue; 10.3 a resumption restarts at tightened. Resubmitted lots never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from services.quality.domain.inspection import Inspection, InspectionStatus
from services.quality.domain.plan import OrderPlan
from shared.errors import IllegalTransition

NOW = datetime(2030, 3, 1, tzinfo=UTC)
MINISTRY = {"mod_officer"}
REQUIREMENTS = [{"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": 9.95, "max": 10.05}]
# Table II-A: the acceptance number one AQL column to the left, for plans with Ac >= 2.
ONE_STEP_TIGHTER = {2: 1, 3: 2, 5: 3, 7: 5, 10: 7, 14: 10, 21: 14}


@dataclass
class Lot:
    accepted: bool
    defects: int
    accept: int


@dataclass
class Clause9:
    """The model: the severity, and the original lots judged since it began."""

    reduced_allowed: bool
    severity: str = "normal"
    since_switch: list[Lot] = field(default_factory=list)
    discontinued: bool = False

    @property
    def score(self) -> int:
        if self.severity != "normal":
            return 0
        score = 0
        for lot in self.since_switch:
            if lot.accept >= 2:
                tighter = ONE_STEP_TIGHTER[lot.accept]
                score = score + 3 if lot.accepted and lot.defects <= tighter else 0
            else:
                score = score + 2 if lot.accepted else 0
        return score

    def judge(self, lot: Lot) -> None:
        self.since_switch.append(lot)
        lots = self.since_switch
        if self.severity == "normal":
            if [x.accepted for x in lots[-5:]].count(False) >= 2:
                self._switch("tightened")
            elif self.reduced_allowed and self.score >= 30:
                self._switch("reduced")
        elif self.severity == "tightened":
            if len(lots) >= 5 and all(x.accepted for x in lots[-5:]):
                self._switch("normal")
            elif sum(not x.accepted for x in lots) >= 5:
                self.discontinued = True
        elif not lot.accepted or lot.defects > lot.accept:
            self._switch("normal")

    def resume(self) -> None:
        self.discontinued = False
        self._switch("tightened")

    def _switch(self, severity: str) -> None:
        self.severity, self.since_switch = severity, []


class SwitchingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.round = 0

    @initialize(aql=st.sampled_from(["0.4", "1.0", "2.5", "6.5", "10"]), reduced_allowed=st.booleans())
    def contract(self, aql: str, reduced_allowed: bool) -> None:
        self.plan = OrderPlan.contract(
            order_id=uuid4(),
            supplier_id=uuid4(),
            category="production",
            quantity=10**6,
            aql=aql,
            technical_requirements=REQUIREMENTS,
            now=NOW,
        )
        self.model = Clause9(reduced_allowed)
        self.reduced_allowed = reduced_allowed

    def _inspect(self, lot_size: int, original: bool, share: float, critical: bool) -> tuple[Inspection, Lot]:
        self.round += 1
        inspection = self.plan.open_inspection(
            uuid4(), round_=self.round, lot_size=lot_size, now=NOW, original=original
        )
        assert inspection.severity.value == self.model.severity  # sized with the model's severity
        defects = min(inspection.sample_size, round(share * inspection.sample_size))
        accepted = defects < inspection.reject and not critical
        inspection.units_measured, inspection.defective_units = inspection.sample_size, defects
        inspection.critical_failures = int(critical and defects > 0)
        inspection.status = InspectionStatus.ACCEPTED if accepted else InspectionStatus.REJECTED
        return inspection, Lot(accepted and not inspection.critical_failures, defects, inspection.accept)

    @precondition(lambda self: not self.model.discontinued)
    @rule(
        lot_size=st.sampled_from([13, 90, 500, 1200, 3200]),
        share=st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.02, 0.05, 0.1, 0.3]),
        critical=st.sampled_from([False, False, False, False, True]),
        original=st.sampled_from([True, True, True, False]),
    )
    def a_lot_is_judged(self, lot_size: int, share: float, critical: bool, original: bool) -> None:
        inspection, lot = self._inspect(lot_size, original, share, critical)
        lot.accepted = inspection.status is InspectionStatus.ACCEPTED
        self.plan.record_verdict(inspection, reduced_allowed=self.reduced_allowed, now=NOW)
        if original:
            self.model.judge(lot)

    @precondition(lambda self: self.model.discontinued)
    @rule()
    def no_lot_opens_while_discontinued(self) -> None:
        with pytest.raises(IllegalTransition):
            self.plan.open_inspection(uuid4(), round_=self.round + 1, lot_size=500, now=NOW)

    @precondition(lambda self: self.model.discontinued)
    @rule()
    def the_ministry_resumes(self) -> None:
        self.plan.resume("corrective action verified", by="officer", now=NOW, roles=MINISTRY)
        self.model.resume()

    @invariant()
    def the_plan_agrees_with_the_model(self) -> None:
        assert self.plan.severity.value == self.model.severity
        assert self.plan.is_discontinued == self.model.discontinued
        if self.model.severity == "normal":
            assert self.plan.switching.score == self.model.score
        if not self.reduced_allowed:
            assert self.plan.severity.value != "reduced"


SwitchingMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_clause_9_switching_agrees_with_an_independent_model = SwitchingMachine.TestCase
