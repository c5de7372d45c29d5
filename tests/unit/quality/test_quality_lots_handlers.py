"""Lots on the fake unit of work: switching, nonconformances, dispositions, concessions, resumption."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.quality import handlers
from services.quality.consumers import on_order_contracted, on_order_submitted_for_inspection
from services.quality.domain.certificate import sha256_hex
from services.quality.domain.commands import (
    CompleteInspection,
    DispositionNonconformance,
    RecordMeasurement,
    ResumeInspection,
)
from services.quality.domain.errors import CriticalNonconformance, DispositionError, PlanNotFound
from services.quality.domain.inspection import Inspection
from services.quality.domain.nonconformance import Nonconformance
from shared.errors import IllegalTransition
from shared.events.envelope import CloudEvent
from shared.events.payloads import OrderContracted, OrderSubmittedForInspection
from shared.principal import Principal
from tests.unit.quality.fakes import FakeQualityUnitOfWork

INSPECTOR = Principal(sub="inspector-7", roles=frozenset({"quality_inspector"}))
OFFICER = Principal(sub="officer-3", roles=frozenset({"mod_officer"}))
REQUIREMENTS = [
    {"code": "DIAM", "name": "Диаметр канала", "unit": "mm", "min": 9.95, "max": 10.05, "critical": False},
    {"code": "PRESS", "name": "Burst pressure", "unit": "MPa", "min": 100, "critical": True},
]
GOOD = {"DIAM": 10.0, "PRESS": 120}
OFF_SIZE = {"DIAM": 10.2, "PRESS": 120}  # a minor defect
BURST = {"DIAM": 10.0, "PRESS": 50}  # a critical one
EVENT = CloudEvent(source="sdo/orders", type="kz.sdo.order.test.v1", subject="order", data={})
KZT = {"amount": "150000.00", "currency": "KZT"}


class Order:
    """One contracted order (AQL 10, lots of 2 units: inspected whole, Ac 1 Re 2) and its rounds."""

    def __init__(self, uow: FakeQualityUnitOfWork) -> None:
        self.uow, self.id, self.supplier_id, self.round = uow, uuid4(), uuid4(), 0

    async def contract(self) -> Order:
        payload = OrderContracted.model_validate(
            {
                "order_id": self.id,
                "number": "SDO-2030-000007",
                "status": "contracted",
                "version": 4,
                "supplier_id": self.supplier_id,
                "category": "production",
                "quantity": 1000,
                "aql": 10,
                "technical_requirements": REQUIREMENTS,
                "contract_price_kzt": "1000000.00",
            }
        )
        await on_order_contracted(EVENT, payload, self.uow)
        return self

    async def submit(self, lot_size: int = 2, *, rework: bool = False) -> Inspection | None:
        self.round += 1
        payload = OrderSubmittedForInspection(
            order_id=self.id,
            number="SDO-2030-000007",
            status="inspection",
            version=6 + self.round,
            supplier_id=self.supplier_id,
            from_status="rework" if rework else "in_production",
            round=self.round,
            lot_size=lot_size,
        )
        await on_order_submitted_for_inspection(EVENT, payload, self.uow)
        return await self.uow.inspections.of_round(self.id, self.round)

    async def lot(self, *readings: dict[str, Any], rework: bool = False, reduced: bool = False) -> Inspection:
        """Submit a lot, measure one unit per reading (good units fill the rest), complete it."""
        inspection = await self.submit(rework=rework)
        assert inspection is not None
        values = list(readings) + [GOOD] * (inspection.sample_size - len(readings))
        for n, reading in enumerate(values):
            await handlers.record_measurement(self.uow, RecordMeasurement(inspection.id, f"U{n}", reading, INSPECTOR))
        command = CompleteInspection(inspection.id, INSPECTOR, reduced_inspection=reduced)
        return await handlers.complete_inspection(self.uow, command)

    def report(self) -> Nonconformance:
        return self.uow.nonconformances.of_order(self.id)[-1]

    @property
    def plan(self) -> Any:
        return self.uow.plans.by_order[self.id]


async def disposition(
    uow: FakeQualityUnitOfWork, report: Nonconformance, kind: str, price: object = None, reason: str = "decided"
) -> Nonconformance:
    command = DispositionNonconformance(report.id, kind, reason, price, OFFICER)
    return await handlers.disposition_nonconformance(uow, command)


async def resume(uow: FakeQualityUnitOfWork, order_id: UUID, reason: str = "corrective action verified") -> Any:
    return await handlers.resume_inspection(uow, ResumeInspection(order_id, reason, OFFICER))


# --- nonconformance reports and dispositions ---------------------------------------------------


async def test_a_rejected_lot_opens_a_nonconformance_report_named_in_its_rejection() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    report = order.report()
    assert (report.status, report.critical, report.defective_units, report.lot_no) == ("open", False, 2, 1)
    assert [d["code"] for d in report.defects] == ["DIAM"]
    rejected = uow.events[-1]
    assert rejected.type == "kz.sdo.quality.lot_rejected.v1"
    assert rejected.data["nonconformance_id"] == str(report.id) and rejected.data["lot_size"] == 2
    assert "nonconformance.opened" in uow.audit_actions()


async def test_use_as_is_accepts_the_lot_under_concession_with_a_certificate_and_a_price_reduction() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    rejected = await order.lot(OFF_SIZE, OFF_SIZE)
    uow.events.clear()
    report = await disposition(uow, order.report(), "use_as_is", KZT, "Bore within the design margin")
    assert (report.status, report.disposition, report.price_reduction) == (
        "dispositioned",
        "use_as_is",
        Decimal("150000.00"),
    )
    assert uow.event_types() == [
        "kz.sdo.quality.lot_accepted.v1",
        "kz.sdo.quality.nonconformance_dispositioned.v1",
    ]
    accepted, settled = (e.data for e in uow.events)
    assert (accepted["concession"], accepted["price_reduction_kzt"], accepted["lot_size"]) == (True, "150000.00", 2)
    assert (accepted["nonconformance_id"], accepted["inspection_id"]) == (str(report.id), str(rejected.id))
    assert (settled["disposition"], settled["price_reduction_kzt"]) == ("use_as_is", "150000.00")
    certificate, _supplier = uow.certificates.issued[-1]
    assert certificate.concession and certificate.id == report.certificate_id
    terms = certificate.body()["concession_terms"]
    assert (terms["authorized_by"], terms["price_reduction"]) == ("officer-3", KZT)
    assert "accepted under concession" in certificate.body()["statement"]
    assert order.plan.concessions_kzt == Decimal("150000.00")
    assert rejected.status == "rejected"  # the sample's verdict stands; the lot is accepted by the report


async def test_use_as_is_is_refused_when_a_critical_requirement_failed_and_changes_nothing() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(BURST)
    report, events = order.report(), len(uow.events)
    with pytest.raises(CriticalNonconformance) as info:
        await disposition(uow, report, "use_as_is", KZT)
    assert info.value.code == "critical-requirement-failed"
    assert (report.status, report.disposition, report.version) == ("open", None, 1)
    assert len(uow.events) == events and uow.certificates.issued == []


async def test_a_report_is_dispositioned_once() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(BURST)
    await disposition(uow, order.report(), "scrap")
    with pytest.raises(IllegalTransition) as info:
        await disposition(uow, order.report(), "return")
    assert (info.value.current_status, info.value.allowed_actions) == ("dispositioned", [])
    assert order.report().disposition == "scrap"


@pytest.mark.parametrize(
    ("kind", "price", "field"),
    [
        ("use_as_is", None, "price_reduction"),
        ("use_as_is", {"amount": "100.00", "currency": "USD"}, "price_reduction.currency"),
        ("use_as_is", {"amount": "0", "currency": "KZT"}, "price_reduction.amount"),
        ("use_as_is", {"amount": "1.005", "currency": "KZT"}, "price_reduction.amount"),
        ("use_as_is", {"amount": "1000000.00", "currency": "KZT"}, "price_reduction.amount"),  # the whole price
        ("scrap", KZT, "price_reduction"),
        ("destroy", None, "disposition"),
    ],
)
async def test_a_bad_disposition_is_refused_naming_its_field_and_changes_nothing(
    kind: str, price: object, field: str
) -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    with pytest.raises(DispositionError) as info:
        await disposition(uow, order.report(), kind, price)
    assert info.value.field == field
    assert order.report().status == "open" and order.plan.concessions_kzt == 0


async def test_a_disposition_needs_a_reason() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    with pytest.raises(DispositionError) as info:
        await disposition(uow, order.report(), "rework", reason="  ")
    assert info.value.field == "reason"


@pytest.mark.parametrize("kind", ["rework", "repair", "scrap", "return"])
async def test_every_disposition_is_announced_and_only_use_as_is_accepts_the_lot(kind: str) -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(BURST)
    uow.events.clear()
    await disposition(uow, order.report(), kind)
    assert uow.event_types() == ["kz.sdo.quality.nonconformance_dispositioned.v1"]
    assert uow.events[0].data["disposition"] == kind and uow.events[0].data["price_reduction_kzt"] is None


async def test_a_lot_resubmitted_after_rework_settles_its_open_report_and_does_not_count() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    uow.events.clear()
    again = await order.lot(rework=True)
    assert (again.original, again.lot_no, again.status) == (False, None, "accepted")
    report = order.report()
    assert (report.status, report.disposition, report.dispositioned_by) == ("dispositioned", "rework", "system")
    assert uow.event_types()[0] == "kz.sdo.quality.nonconformance_dispositioned.v1"
    entry = order.plan.history[-1]
    assert (entry["original"], entry["counted"], entry["severity_after"]) == (False, False, "normal")


# --- switching -----------------------------------------------------------------------------------


async def test_two_of_five_original_lots_not_accepted_tighten_the_next_lot() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    await order.lot()
    await order.lot(rework=True)  # a resubmission: not one of the five
    await order.lot(BURST)
    assert order.plan.severity == "tightened"
    nxt = await order.submit(lot_size=500)
    assert nxt is not None and nxt.severity == "tightened"
    # Lot 500 at AQL 10, level II: H; Table II-B gives 50 units, Ac 8, Re 9 (II-A would be 10/11).
    assert (nxt.code_letter, nxt.sample_size, nxt.accept, nxt.reject) == ("H", 50, 8, 9)
    assert "plan.switched" in uow.audit_actions()


async def test_five_lots_not_accepted_on_tightened_discontinue_and_the_ministry_resumes_at_tightened() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    for _ in range(2):
        await order.lot(BURST)
    for _ in range(4):
        await order.lot(BURST)
        await order.lot()  # accepted lots between do not reset the count
    assert not order.plan.is_discontinued
    await order.lot(BURST)
    assert order.plan.is_discontinued and order.plan.status == "discontinued"
    stopped = [e for e in uow.events if e.type == "kz.sdo.quality.inspection_discontinued.v1"]
    assert len(stopped) == 1 and stopped[0].data["lots_not_accepted"] == 5
    held = await order.submit(lot_size=90)
    assert held is None and uow.audit_actions()[-1] == "inspection.refused"
    plan = await resume(uow, order.id)
    assert (plan.status, plan.severity) == ("active", "tightened")
    assert uow.events[-1].type == "kz.sdo.quality.inspection_resumed.v1"
    opened = await uow.inspections.of_round(order.id, order.round)
    assert opened is not None and (opened.severity, opened.lot_size) == ("tightened", 90)
    assert plan.history[-1]["kind"] == "resume" and plan.history[-1]["lots_not_accepted"] == 5


async def test_resuming_an_active_plan_is_refused_and_an_unknown_one_is_not_found() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    with pytest.raises(IllegalTransition) as info:
        await resume(uow, order.id)
    assert info.value.current_status == "active"
    with pytest.raises(DispositionError):
        await resume(uow, order.id, reason="")
    with pytest.raises(PlanNotFound):
        await resume(uow, uuid4())


async def test_the_switching_score_reaches_30_and_reduces_only_with_the_authoritys_approval() -> None:
    for approved, severity in ((False, "normal"), (True, "reduced")):
        uow = FakeQualityUnitOfWork()
        order = await Order(uow).contract()
        for _ in range(15):  # Ac 1: +2 per accepted lot
            await order.lot(reduced=approved)
        assert order.plan.severity == severity
        assert order.plan.switching.score == (30 if not approved else 0)


async def test_a_reduced_lot_not_accepted_goes_back_to_normal() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    for _ in range(15):
        await order.lot(reduced=True)
    reduced = await order.lot(OFF_SIZE, OFF_SIZE, reduced=True)
    assert reduced.severity == "reduced" and order.plan.severity == "normal"
    assert [h["severity_after"] for h in order.plan.history[-2:]] == ["reduced", "normal"]


# --- certificates ---------------------------------------------------------------------------------


async def test_a_certificate_says_what_aqap_2131_asks_and_its_digest_covers_it_all() -> None:
    uow = FakeQualityUnitOfWork()
    order = await Order(uow).contract()
    await order.lot()
    certificate, _ = uow.certificates.issued[-1]
    body = certificate.body()
    assert (body["order_number"], body["supplier_id"], body["lot_no"], body["quantity_accepted"]) == (
        "SDO-2030-000007",
        str(order.supplier_id),
        1,
        2,
    )
    assert (body["severity"], body["aql"], body["inspector"], body["concession"]) == (
        "normal",
        "10",
        "inspector-7",
        False,
    )
    assert [r["name"] for r in body["requirements"]] == ["Диаметр канала", "Burst pressure"]
    assert body["requirements"][0]["min"] == "9.95"
    assert "conform to the technical requirements" in body["statement"]
    assert certificate.sha256 == sha256_hex(body)
