"""The quality commands and consumers on a fake unit of work: each rule in milliseconds, no app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.quality import handlers
from services.quality.consumers import (
    PlanNotYetReceived,
    on_order_cancelled,
    on_order_contracted,
    on_order_submitted_for_inspection,
)
from services.quality.domain.commands import CompleteInspection, RecordMeasurement
from services.quality.domain.errors import (
    InspectionNotFound,
    MeasurementError,
    SampleRefusal,
    SamplingError,
    UnitAlreadyMeasured,
)
from services.quality.domain.inspection import Inspection, InspectionStatus
from shared.errors import IllegalTransition, StaleVersion
from shared.events.envelope import CloudEvent
from shared.events.payloads import OrderCancelled, OrderContracted, OrderSubmittedForInspection
from shared.principal import Principal
from shared.versioning import Expected
from tests.unit.quality.fakes import FakeQualityUnitOfWork

INSPECTOR = Principal(sub="inspector-7", roles=frozenset({"quality_inspector"}))
REQUIREMENTS = [
    {"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": 9.95, "max": 10.05, "critical": False},
    {"code": "PRESS", "name": "Burst pressure", "unit": "MPa", "min": 100, "critical": True},
]
GOOD = {"DIAM": 10.0, "PRESS": 120}
EVENT = CloudEvent(source="sdo/orders", type="kz.sdo.order.test.v1", subject="order", data={})


def contracted(order_id: UUID, supplier_id: UUID, *, aql: object = 10) -> OrderContracted:
    return OrderContracted.model_validate(
        {
            "order_id": order_id,
            "number": "SDO-2025-000001",
            "status": "contracted",
            "version": 4,
            "supplier_id": supplier_id,
            "category": "production",
            "quantity": 1000,
            "aql": aql,
            "technical_requirements": REQUIREMENTS,
            "contract_price_kzt": "1000000.00",
        }
    )


def submitted(order_id: UUID, supplier_id: UUID, *, lot_size: int, round_: int = 1) -> OrderSubmittedForInspection:
    return OrderSubmittedForInspection(
        order_id=order_id,
        number="SDO-2025-000001",
        status="inspection",
        version=6,
        supplier_id=supplier_id,
        round=round_,
        lot_size=lot_size,
    )


def cancelled(order_id: UUID, *, from_status: str = "inspection") -> OrderCancelled:
    return OrderCancelled(
        order_id=order_id,
        number="SDO-2025-000001",
        status="cancelled",
        version=9,
        from_status=from_status,
        reason="requirement withdrawn",
    )


async def open_inspection(uow: FakeQualityUnitOfWork, *, lot_size: int = 10) -> Inspection:
    """An order contracted at AQL 10 and a lot submitted: lot 10 samples 5 units, Ac 1, Re 2."""
    order_id, supplier_id = uuid4(), uuid4()
    await on_order_contracted(EVENT, contracted(order_id, supplier_id), uow)
    await on_order_submitted_for_inspection(EVENT, submitted(order_id, supplier_id, lot_size=lot_size), uow)
    (inspection,) = uow.inspections.of_order(order_id)
    return inspection


async def measure(
    uow: FakeQualityUnitOfWork, inspection: Inspection, serial: str, values: Any = None, **kw: Any
) -> Any:
    command = RecordMeasurement(inspection.id, serial, GOOD if values is None else values, INSPECTOR, **kw)
    return await handlers.record_measurement(uow, command)


async def complete(uow: FakeQualityUnitOfWork, inspection: Inspection) -> Inspection:
    return await handlers.complete_inspection(uow, CompleteInspection(inspection.id, INSPECTOR))


# --- record a measurement ---------------------------------------------------------------------


async def test_a_measured_unit_is_counted_stored_and_audited() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    changed, measurement = await measure(uow, inspection, "SN-1")
    assert (changed.units_measured, changed.defective_units, changed.version) == (1, 0, 2)
    assert measurement.defective is False and measurement.measured_by == "inspector-7"
    assert measurement.values == {"DIAM": Decimal("10.0"), "PRESS": Decimal("120")}
    assert [m.unit_serial for m in uow.inspections.measurements[inspection.id]] == ["SN-1"]
    assert uow.audit_actions()[-1] == "inspection.measured" and uow.audit[-1].details["failed_codes"] == []


async def test_a_unit_failing_a_critical_limit_counts_as_defective_and_critical() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    _, measurement = await measure(uow, inspection, "SN-1", {"DIAM": 9.0, "PRESS": 99.5})
    assert (measurement.failed_codes, measurement.critical_codes) == (("DIAM", "PRESS"), ("PRESS",))
    assert (inspection.defective_units, inspection.critical_failures) == (1, 1)


async def test_a_unit_counts_once_and_a_second_reading_is_refused_with_the_progress() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    await measure(uow, inspection, "SN-1")
    with pytest.raises(UnitAlreadyMeasured) as info:
        await measure(uow, inspection, "SN-1", {"DIAM": 9.0, "PRESS": 1})
    assert "already measured" in info.value.message
    assert info.value.details == {
        "current_status": "open",
        "allowed_actions": ["measure"],
        "units_measured": 1,
        "sample_size": 5,
    }
    assert inspection.units_measured == 1


async def test_a_full_sample_refuses_another_unit_and_offers_completion() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    for serial in ("SN-1", "SN-2", "SN-3", "SN-4", "SN-5"):
        await measure(uow, inspection, serial)
    with pytest.raises(SampleRefusal) as info:
        await measure(uow, inspection, "SN-6")
    assert info.value.code == "illegal-transition"
    assert (info.value.details["allowed_actions"], info.value.details["units_measured"]) == (["complete"], 5)
    assert "complete" in info.value.message


async def test_readings_missing_a_code_are_refused_naming_it_and_change_nothing() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    with pytest.raises(MeasurementError) as info:
        await measure(uow, inspection, "SN-1", {"DIAM": 10.0})
    assert info.value.field == "values.PRESS"
    assert (inspection.units_measured, inspection.version) == (0, 1)
    assert uow.audit_actions() == ["plan.created", "inspection.opened"]


async def test_a_measurement_against_a_stale_version_is_refused() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    await measure(uow, inspection, "SN-1", expected=Expected(frozenset({1})))
    with pytest.raises(StaleVersion) as info:
        await measure(uow, inspection, "SN-2", expected=Expected(frozenset({1}), raw='"1"'))
    assert info.value.current_version == 2


async def test_an_unknown_inspection_is_not_found() -> None:
    uow = FakeQualityUnitOfWork()
    with pytest.raises(InspectionNotFound):
        await handlers.record_measurement(uow, RecordMeasurement(uuid4(), "SN-1", GOOD, INSPECTOR))
    with pytest.raises(InspectionNotFound):
        await handlers.complete_inspection(uow, CompleteInspection(uuid4(), INSPECTOR))


# --- complete an inspection -------------------------------------------------------------------


async def test_a_lot_with_fewer_than_re_defectives_is_accepted_certified_and_announced() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    await measure(uow, inspection, "SN-1", {"DIAM": 10.2, "PRESS": 120})
    for serial in ("SN-2", "SN-3", "SN-4", "SN-5"):
        await measure(uow, inspection, serial)
    done = await complete(uow, inspection)
    assert (done.status, done.closed_reason, done.defective_units) == ("accepted", "verdict", 1)
    assert [n["code"] for n in done.nonconformities] == ["DIAM"]
    ((certificate, supplier_id),) = uow.certificates.issued
    assert done.certificate_id == certificate.id and supplier_id == done.supplier_id
    assert certificate.number.endswith("-000001") and certificate.issued_at.microsecond == 0
    assert uow.event_types() == ["kz.sdo.quality.lot_accepted.v1"]
    assert uow.events[0].data["certificate_id"] == str(certificate.id)
    assert uow.audit_actions()[-2:] == ["certificate.issued", "inspection.completed"]


async def test_a_critical_failure_rejects_the_lot_and_announces_its_nonconformities() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)  # Re 2: one defective alone would pass
    await measure(uow, inspection, "SN-4", {"DIAM": 10.0, "PRESS": 97.5})
    for serial in ("SN-1", "SN-2", "SN-3", "SN-5"):
        await measure(uow, inspection, serial)
    done = await complete(uow, inspection)
    assert (done.status, done.critical_failures, done.certificate_id) == ("rejected", 1, None)
    assert uow.event_types() == ["kz.sdo.quality.lot_rejected.v1"]
    (nonconformity,) = uow.events[0].data["nonconformities"]
    assert (nonconformity["code"], nonconformity["units"]) == ("PRESS", ["SN-4"])
    assert uow.certificates.issued == []


async def test_re_defective_units_reject_the_lot() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    await measure(uow, inspection, "SN-1", {"DIAM": 10.1, "PRESS": 120})
    await measure(uow, inspection, "SN-2", {"DIAM": 9.9, "PRESS": 120})
    for serial in ("SN-3", "SN-4", "SN-5"):
        await measure(uow, inspection, serial)
    done = await complete(uow, inspection)
    assert (done.status, done.defective_units, done.critical_failures) == ("rejected", 2, 0)


async def test_a_short_sample_cannot_be_completed_and_says_how_far_it_is() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    await measure(uow, inspection, "SN-1")
    with pytest.raises(SampleRefusal) as info:
        await complete(uow, inspection)
    assert info.value.details == {
        "current_status": "open",
        "allowed_actions": ["measure"],
        "units_measured": 1,
        "sample_size": 5,
    }
    assert inspection.status is InspectionStatus.OPEN and uow.events == []


async def test_a_closed_inspection_takes_no_measurement_and_no_second_verdict() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow, lot_size=2)  # the whole lot: 2 units
    for serial in ("A", "B"):
        await measure(uow, inspection, serial)
    await complete(uow, inspection)
    with pytest.raises(IllegalTransition) as measuring:
        await measure(uow, inspection, "C")
    with pytest.raises(IllegalTransition) as completing:
        await complete(uow, inspection)
    for refusal in (measuring.value, completing.value):
        assert (refusal.current_status, refusal.allowed_actions) == ("accepted", [])
    assert len(uow.certificates.issued) == 1


async def test_certificates_of_one_year_are_numbered_in_turn() -> None:
    uow = FakeQualityUnitOfWork()
    numbers = []
    for _ in range(2):
        inspection = await open_inspection(uow, lot_size=2)
        for serial in ("A", "B"):
            await measure(uow, inspection, serial)
        await complete(uow, inspection)
        numbers.append(uow.certificates.issued[-1][0].number)
    assert [int(n[-6:]) for n in numbers] == [1, 2]


# --- consumers --------------------------------------------------------------------------------


async def test_a_contracted_order_gets_one_plan_whatever_is_sent_again() -> None:
    uow = FakeQualityUnitOfWork()
    order_id, supplier_id = uuid4(), uuid4()
    await on_order_contracted(EVENT, contracted(order_id, supplier_id, aql=1.0), uow)
    await on_order_contracted(EVENT, contracted(order_id, supplier_id, aql=10), uow)
    plan = uow.plans.by_order[order_id]
    assert (plan.rules.aql, plan.rules.codes, plan.version) == (Decimal("1.0"), ("DIAM", "PRESS"), 1)
    assert uow.audit_actions() == ["plan.created"]


async def test_a_contract_with_an_aql_off_the_tables_is_refused() -> None:
    uow = FakeQualityUnitOfWork()
    with pytest.raises(SamplingError) as info:
        await on_order_contracted(EVENT, contracted(uuid4(), uuid4(), aql=0.3), uow)
    assert info.value.field == "aql" and uow.plans.by_order == {}


async def test_a_submitted_lot_opens_an_inspection_sized_from_the_tables_once() -> None:
    uow = FakeQualityUnitOfWork()
    order_id, supplier_id = uuid4(), uuid4()
    await on_order_contracted(EVENT, contracted(order_id, supplier_id), uow)
    for _ in range(2):
        await on_order_submitted_for_inspection(EVENT, submitted(order_id, supplier_id, lot_size=50), uow)
    (inspection,) = uow.inspections.of_order(order_id)
    assert (inspection.code_letter, inspection.sample_size, inspection.accept, inspection.reject) == ("D", 8, 2, 3)
    assert (inspection.status, inspection.supplier_id, inspection.round) == ("open", supplier_id, 1)
    assert uow.audit_actions() == ["plan.created", "inspection.opened"]


async def test_a_submission_that_overtakes_its_contract_waits_for_the_plan() -> None:
    uow = FakeQualityUnitOfWork()
    order_id = uuid4()
    with pytest.raises(PlanNotYetReceived):
        await on_order_submitted_for_inspection(EVENT, submitted(order_id, uuid4(), lot_size=50), uow)


async def test_a_cancelled_order_closes_its_open_inspection_without_a_verdict() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    await measure(uow, inspection, "SN-1")
    for _ in range(2):  # a repeated cancellation changes nothing more
        await on_order_cancelled(EVENT, cancelled(inspection.order_id), uow)
    assert (inspection.status, inspection.closed_reason, inspection.nonconformities) == (
        "rejected",
        "order_cancelled",
        [],
    )
    assert inspection.closed_at is not None and uow.events == []
    plan = uow.plans.by_order[inspection.order_id]
    assert (plan.cancel_reason, plan.version) == ("requirement withdrawn", 2)
    assert uow.audit_actions()[-2:] == ["plan.cancelled", "inspection.closed"]


async def test_a_submission_delivered_after_the_cancellation_opens_nothing() -> None:
    uow = FakeQualityUnitOfWork()
    inspection = await open_inspection(uow)
    await on_order_cancelled(EVENT, cancelled(inspection.order_id), uow)
    late = submitted(inspection.order_id, inspection.supplier_id, lot_size=10, round_=2)
    await on_order_submitted_for_inspection(EVENT, late, uow)
    assert len(uow.inspections.of_order(inspection.order_id)) == 1


async def test_a_cancellation_before_the_contract_is_a_no_op_and_after_it_waits_for_the_plan() -> None:
    uow = FakeQualityUnitOfWork()
    await on_order_cancelled(EVENT, cancelled(uuid4(), from_status="published"), uow)
    assert uow.audit == []
    with pytest.raises(PlanNotYetReceived):
        await on_order_cancelled(EVENT, cancelled(uuid4(), from_status="contracted"), uow)
