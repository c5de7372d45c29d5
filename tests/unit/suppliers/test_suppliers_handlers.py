"""The rules of each suppliers command and event, on the fake unit of work: no app, no database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.suppliers import consumers, handlers
from services.suppliers.domain.commands import (
    AddCertification,
    AddLicense,
    ChangeStatus,
    CountContract,
    CountDelivery,
    CountLot,
    DecideAward,
    NoteCancellation,
    RegisterSupplier,
)
from services.suppliers.domain.errors import (
    DuplicateCertification,
    DuplicateLicense,
    DuplicateSupplier,
    NoValidLicense,
    SupplierExcluded,
)
from services.suppliers.domain.facts import AwardRequirement
from services.suppliers.domain.status import SupplierAction, SupplierStatus
from services.suppliers.domain.supplier import Supplier
from shared.errors import IllegalTransition, NotFound, StaleVersion
from shared.events.envelope import CloudEvent
from shared.events.payloads import OrderAwardRequested
from shared.events.types import EventType
from shared.versioning import Expected
from tests.unit.suppliers.arrange import NOW, OFFICER, TODAY, a_supplier, licensed
from tests.unit.suppliers.fakes import FakeSuppliersUnitOfWork

S, A = SupplierStatus, SupplierAction


def registration(**overrides: Any) -> RegisterSupplier:
    fields: dict[str, Any] = {
        "name": "Kazakhstan Engineering JSC",
        "country": "KZ",
        "bin": "950101400012",
        "registration_number": None,
        "categories": ("modernization", "repair"),
        "local_content_share": Decimal("72.5"),
        "security_clearance": True,
        "actor": OFFICER,
    }
    return RegisterSupplier(**{**fields, **overrides})


def status_change(supplier: Supplier, action: SupplierAction, reason: str | None = None, **kw: Any) -> ChangeStatus:
    return ChangeStatus(supplier.id, action, OFFICER, reason, **kw)


# Registration.


async def test_a_registered_supplier_starts_pending_and_its_creation_is_announced_kept_and_audited(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = await handlers.register_supplier(uow, registration())

    assert (supplier.status, supplier.version, supplier.created_at) == (S.PENDING, 1, NOW)
    assert supplier.categories == ["repair", "modernization"]
    assert uow.suppliers.stored[supplier.id] == supplier
    assert uow.event_types() == [EventType.SUPPLIER_STATUS_CHANGED]
    assert uow.events[0].data == {
        "supplier_id": str(supplier.id),
        "old_status": None,
        "new_status": "pending",
        "reason": None,
    }
    [entry] = uow.suppliers.history
    assert (entry.change.from_status, entry.change.to_status, entry.event_id) == (None, S.PENDING, uow.events[0].id)
    assert uow.audit_actions() == ["supplier_registered"]
    assert uow.audit[0].details["local_content_share"] == "72.5"


async def test_a_second_supplier_with_the_same_bin_is_refused_naming_the_first(uow: FakeSuppliersUnitOfWork) -> None:
    first = await handlers.register_supplier(uow, registration())

    with pytest.raises(DuplicateSupplier) as caught:
        await handlers.register_supplier(uow, registration(name="Other"))

    assert caught.value.code == "duplicate-supplier"
    assert caught.value.details == {"existing_id": str(first.id)}
    assert "BIN 950101400012" in caught.value.message
    assert len(uow.suppliers.stored) == 1


async def test_the_same_registration_number_is_one_supplier_per_country(uow: FakeSuppliersUnitOfWork) -> None:
    foreign = registration(country="TR", bin=None, registration_number="TR-1")
    await handlers.register_supplier(uow, foreign)

    with pytest.raises(DuplicateSupplier, match="registration number TR-1 in TR"):
        await handlers.register_supplier(uow, foreign)
    await handlers.register_supplier(uow, registration(country="DE", bin=None, registration_number="TR-1"))
    assert len(uow.suppliers.stored) == 2


async def test_a_registration_that_loses_a_race_for_its_identity_is_a_duplicate(
    uow: FakeSuppliersUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    await handlers.register_supplier(uow, registration())

    async def not_seen_yet(**_: Any) -> None:
        return None

    monkeypatch.setattr(uow.suppliers, "registered_with", not_seen_yet)
    with pytest.raises(DuplicateSupplier):
        await handlers.register_supplier(uow, registration())


# Licenses and certifications.


async def test_a_license_is_added_to_the_record_and_changes_its_version(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow)
    cmd = AddLicense(
        supplier.id, "repair", "MIC-42", date(2026, 1, 1), date(2027, 1, 1), OFFICER, Expected(frozenset({1}))
    )

    added = await handlers.add_license(uow, cmd)

    stored = uow.suppliers.stored[supplier.id]
    assert stored.licenses == [added]
    assert (added.number, added.supplier_id, added.created_at) == ("MIC-42", supplier.id, NOW)
    assert (stored.version, stored.updated_at) == (2, NOW)
    assert uow.audit_actions() == ["license_added"]
    assert uow.audit[0].details["license_id"] == str(added.id)
    assert uow.events == []


async def test_a_license_number_is_held_once(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow)
    cmd = AddLicense(supplier.id, "repair", "MIC-42", date(2026, 1, 1), date(2027, 1, 1), OFFICER)
    await handlers.add_license(uow, cmd)

    with pytest.raises(DuplicateLicense, match="MIC-42"):
        await handlers.add_license(uow, cmd)
    assert len(uow.suppliers.stored[supplier.id].licenses) == 1


async def test_a_certificate_is_held_once_per_standard_and_number(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow)
    aqap = AddCertification(supplier.id, "AQAP-2110", "QA-7781", date(2027, 6, 30), OFFICER)
    await handlers.add_certification(uow, aqap)
    await handlers.add_certification(
        uow, AddCertification(supplier.id, "ISO 9001", "QA-7781", date(2027, 6, 30), OFFICER)
    )

    with pytest.raises(DuplicateCertification) as caught:
        await handlers.add_certification(uow, aqap)
    assert caught.value.code == "duplicate-certification"
    assert [c.standard for c in uow.suppliers.stored[supplier.id].certifications] == ["AQAP-2110", "ISO 9001"]
    assert uow.audit_actions() == ["certification_added", "certification_added"]


async def test_an_excluded_supplier_takes_no_license_or_certificate_because_exclusion_is_final(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.EXCLUDED)
    commands = [
        handlers.add_license(uow, AddLicense(supplier.id, "repair", "L", date(2026, 1, 1), date(2027, 1, 1), OFFICER)),
        handlers.add_certification(uow, AddCertification(supplier.id, "ISO 9001", "C", date(2027, 1, 1), OFFICER)),
    ]
    for command in commands:
        with pytest.raises(SupplierExcluded) as caught:
            await command
        assert caught.value.code == "supplier-excluded"
        assert caught.value.details == {"current_status": "excluded", "allowed_actions": []}
    assert uow.suppliers.stored[supplier.id].version == 1
    assert uow.audit == []


async def test_a_change_against_a_stale_version_changes_nothing(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE, version=2)

    with pytest.raises(StaleVersion) as caught:
        await handlers.change_status(uow, status_change(supplier, A.SUSPEND, "r", expected=Expected(frozenset({1}))))
    assert caught.value.current_version == 2
    with pytest.raises(StaleVersion):
        cmd = AddLicense(
            supplier.id, "repair", "L", date(2026, 1, 1), date(2027, 1, 1), OFFICER, Expected(frozenset({1}))
        )
        await handlers.add_license(uow, cmd)
    assert uow.suppliers.stored[supplier.id].status is S.ACTIVE
    assert uow.events == uow.audit == []


async def test_a_change_of_a_supplier_not_in_the_register_is_not_found(uow: FakeSuppliersUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await handlers.change_status(uow, ChangeStatus(uuid4(), A.VERIFY, OFFICER))
    with pytest.raises(NotFound):
        await handlers.add_certification(uow, AddCertification(uuid4(), "ISO 9001", "C", date(2027, 1, 1), OFFICER))


# The status.


async def test_a_supplier_cannot_be_verified_without_a_license_valid_today(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow)
    licensed(uow, supplier, valid_until=TODAY - timedelta(days=1))

    with pytest.raises(NoValidLicense) as caught:
        await handlers.change_status(uow, status_change(supplier, A.VERIFY))

    assert caught.value.details == {"current_status": "pending", "allowed_actions": ["verify", "exclude"]}
    assert TODAY.isoformat() in caught.value.message
    assert uow.suppliers.stored[supplier.id].status is S.PENDING
    assert uow.events == uow.suppliers.history == []


async def test_a_supplier_with_a_license_valid_today_is_verified_announced_and_audited(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow)
    licensed(uow, supplier, valid_until=TODAY)

    verified = await handlers.change_status(uow, status_change(supplier, A.VERIFY, "documents checked"))

    assert (verified.status, verified.status_reason, verified.allowed_actions) == (
        S.ACTIVE,
        "documents checked",
        ["suspend", "exclude"],
    )
    assert uow.suppliers.stored[supplier.id].status is S.ACTIVE
    assert uow.events[0].data["old_status"] == "pending" and uow.events[0].data["new_status"] == "active"
    assert [(h.change.to_status, h.actor, h.event_id) for h in uow.suppliers.history] == [
        (S.ACTIVE, "mic-officer", uow.events[0].id)
    ]
    assert uow.audit_actions() == ["verify"]
    assert uow.audit[0].details == {"from_status": "pending", "to_status": "active", "reason": "documents checked"}


async def test_suspension_and_reinstatement_keep_their_reasons_in_the_history(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)

    await handlers.change_status(uow, status_change(supplier, A.SUSPEND, "audit pending"))
    reinstated = await handlers.change_status(uow, status_change(supplier, A.REINSTATE))

    assert (reinstated.status, reinstated.status_reason, reinstated.version) == (S.ACTIVE, None, 3)
    assert [(h.change.from_status, h.change.to_status, h.change.reason) for h in uow.suppliers.history] == [
        (S.ACTIVE, S.SUSPENDED, "audit pending"),
        (S.SUSPENDED, S.ACTIVE, None),
    ]
    assert uow.audit_actions() == ["suspend", "reinstate"]


async def test_an_excluded_supplier_is_final_and_every_action_is_refused_naming_none(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.SUSPENDED)
    excluded = await handlers.change_status(uow, status_change(supplier, A.EXCLUDE, "false documents"))
    assert excluded.allowed_actions == []

    for action in SupplierAction:
        with pytest.raises(IllegalTransition) as caught:
            await handlers.change_status(uow, status_change(supplier, action, "again"))
        assert (caught.value.current_status, caught.value.allowed_actions) == ("excluded", [])
    assert uow.audit_actions() == ["exclude"]


async def test_an_action_the_table_does_not_draw_is_refused_with_what_is_allowed(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)

    with pytest.raises(IllegalTransition) as caught:
        await handlers.change_status(uow, status_change(supplier, A.VERIFY))

    assert caught.value.code == "illegal-transition"
    assert caught.value.details == {"current_status": "active", "allowed_actions": ["suspend", "exclude"]}


# The award decision.


def award_request(supplier_id: UUID, **requirement: Any) -> DecideAward:
    fields: dict[str, Any] = {
        "category": "repair",
        "on": TODAY + timedelta(days=90),
        "min_local_content": Decimal(50),
        "requires_security_clearance": True,
    }
    return DecideAward(
        uuid4(), uuid4(), supplier_id, AwardRequirement(**{**fields, **requirement}), frozenset({"RU", "BY"})
    )


async def test_an_eligible_supplier_is_confirmed_with_its_country_and_local_content(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.ACTIVE, local_content_share=Decimal("64.25"))
    licensed(uow, supplier)
    cmd = award_request(supplier.id)

    decision = await handlers.decide(uow, cmd)

    assert decision.confirmed
    assert uow.event_types() == [EventType.SUPPLIER_AWARD_CONFIRMED]
    assert uow.events[0].subject == str(cmd.order_id)
    assert uow.events[0].data == {
        "order_id": str(cmd.order_id),
        "supplier_id": str(supplier.id),
        "supplier_country": "KZ",
        "local_content_share": "64.25",
    }
    [kept] = uow.ledger.decisions
    assert (kept.request_event_id, kept.event_id) == (cmd.request_event_id, uow.events[0].id)
    assert uow.audit_actions() == ["award_confirmed"]


async def test_an_ineligible_supplier_is_declined_with_every_reason_at_the_delivery_deadline(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.ACTIVE, country="BY", local_content_share=Decimal(10), security_clearance=False)
    licensed(uow, supplier)
    supplier.add_certification(uuid4(), standard="ISO 9001", number="C", valid_until=TODAY + timedelta(days=30), at=NOW)
    uow.suppliers.put(supplier)

    await handlers.decide(uow, award_request(supplier.id, required_certifications=("ISO 9001",)))

    assert uow.event_types() == [EventType.SUPPLIER_AWARD_DECLINED]
    assert uow.events[0].data["reasons"] == [
        "missing_certification",
        "local_content_below_minimum",
        "country_restricted",
        "no_security_clearance",
    ]
    assert uow.events[0].data["missing_certifications"] == ["ISO 9001"]
    assert uow.audit_actions() == ["award_declined"]


async def test_a_supplier_not_in_the_register_is_declined_as_not_active(uow: FakeSuppliersUnitOfWork) -> None:
    decision = await handlers.decide(uow, award_request(uuid4()))

    assert not decision.confirmed
    assert uow.events[0].data["reasons"] == ["not_active"]


async def test_the_award_request_event_is_decided_with_the_restricted_countries_read_then(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    licensed(uow, supplier)
    restricted = {"now": frozenset[str]()}
    on_award_requested = consumers.subscriptions(lambda: restricted["now"])[EventType.ORDER_AWARD_REQUESTED]
    order_id = uuid4()
    data = {
        "order_id": str(order_id),
        "number": "SDO-2026-000001",
        "status": "award_pending",
        "version": 3,
        "supplier_id": str(supplier.id),
        "category": "repair",
        "min_local_content": "50",
        "requires_security_clearance": True,
        "delivery_deadline": (TODAY + timedelta(days=90)).isoformat(),
        "contract_price_kzt": "1500000.00",
    }
    event = CloudEvent(source="sdo/orders", type=EventType.ORDER_AWARD_REQUESTED, subject=str(order_id), data=data)
    await on_award_requested(event, OrderAwardRequested.model_validate(data), uow)
    restricted["now"] = frozenset({"KZ"})
    await on_award_requested(event, OrderAwardRequested.model_validate(data), uow)

    assert uow.event_types() == [EventType.SUPPLIER_AWARD_CONFIRMED, EventType.SUPPLIER_AWARD_DECLINED]
    assert uow.events[1].data["reasons"] == ["country_restricted"]
    assert [d.request_event_id for d in uow.ledger.decisions] == [event.id, event.id]


# The scorecard.


async def test_a_contract_counts_one_award_once_and_keeps_the_suppliers_country_then(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    order_id = uuid4()
    cmd = CountContract(order_id, supplier.id, " Repair ", Decimal("1000000.00"))

    await handlers.count_contract(uow, cmd)
    await handlers.count_contract(uow, cmd)

    stored = uow.suppliers.stored[supplier.id]
    assert (stored.counters.orders_awarded, stored.version) == (1, 2)
    contract = uow.ledger.contracts[order_id]
    assert (contract.category, contract.country, contract.value_kzt) == ("repair", "KZ", Decimal("1000000.00"))
    assert uow.ledger.locked == [order_id, order_id]
    assert uow.audit_actions() == ["scorecard_award_counted"]


async def test_a_contract_for_a_supplier_not_in_the_register_is_left_alone(uow: FakeSuppliersUnitOfWork) -> None:
    await handlers.count_contract(uow, CountContract(uuid4(), uuid4(), "repair", Decimal(1)))

    assert uow.ledger.contracts == {}
    assert uow.audit == []


async def test_a_verdict_before_the_contract_waits_and_counts_with_it(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    order_id = uuid4()

    await handlers.count_lot(uow, CountLot(order_id, uuid4(), None, accepted=True))
    assert uow.suppliers.stored[supplier.id].counters.lots_inspected == 0
    await handlers.count_contract(uow, CountContract(order_id, supplier.id, "repair", Decimal(1)))

    stored = uow.suppliers.stored[supplier.id]
    assert (stored.counters.orders_awarded, stored.counters.lots_inspected, stored.counters.lots_accepted) == (1, 1, 1)
    assert stored.version == 2  # one change of the record for the contract and what waited for it
    assert all(lot.counted and lot.supplier_id == supplier.id for lot in uow.ledger.lots.values())


async def test_a_verdict_without_a_supplier_counts_for_the_contracted_one_and_only_once(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    order_id, inspection_id = uuid4(), uuid4()
    await handlers.count_contract(uow, CountContract(order_id, supplier.id, "repair", Decimal(1)))

    await handlers.count_lot(uow, CountLot(order_id, inspection_id, None, accepted=False))
    await handlers.count_lot(uow, CountLot(order_id, inspection_id, None, accepted=False))

    counters = uow.suppliers.stored[supplier.id].counters
    assert (counters.lots_inspected, counters.lots_accepted) == (1, 0)
    assert uow.audit_actions() == ["scorecard_award_counted", "scorecard_lot_counted"]


async def test_a_delivery_counts_once_and_says_whether_it_was_on_time(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    order_id = uuid4()

    await handlers.count_delivery(uow, CountDelivery(order_id, supplier.id, on_time=False))
    await handlers.count_delivery(uow, CountDelivery(order_id, supplier.id, on_time=True))

    counters = uow.suppliers.stored[supplier.id].counters
    assert (counters.deliveries, counters.on_time_deliveries) == (1, 0)
    assert uow.audit_actions() == ["scorecard_delivery_counted"]


async def test_a_cancellation_is_noted_once_and_leaves_the_scorecard_as_it_was(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    order_id = uuid4()
    await handlers.count_contract(uow, CountContract(order_id, supplier.id, "repair", Decimal(1)))

    await handlers.note_cancellation(uow, NoteCancellation(order_id, "requirement withdrawn"))
    await handlers.note_cancellation(uow, NoteCancellation(order_id, "requirement withdrawn"))

    assert uow.ledger.cancelled == {order_id}
    assert uow.suppliers.stored[supplier.id].counters.orders_awarded == 1
    assert uow.audit_actions() == ["scorecard_award_counted", "contract_cancelled"]
