"""Keeping the register: corrections, revocations and suspensions that end. On the fake unit of work."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from services.suppliers import handlers
from services.suppliers.domain.commands import (
    ChangeStatus,
    DecideAward,
    LapseSuspensions,
    RegisterSupplier,
    RevokeCertification,
    RevokeLicense,
    UpdateSupplier,
)
from services.suppliers.domain.contacts import MAX_CONTACTS, Contact
from services.suppliers.domain.eligibility import assess
from services.suppliers.domain.errors import AlreadyRevoked, HeldNotFound, NoValidLicense, SupplierExcluded
from services.suppliers.domain.facts import AwardRequirement
from services.suppliers.domain.status import SupplierAction, SupplierStatus
from services.suppliers.domain.supplier import EditKind, Supplier
from shared import clock
from shared.errors import IllegalTransition, InvalidInput, StaleVersion
from shared.events.types import EventType
from shared.versioning import Expected
from tests.unit.suppliers.arrange import NOW, OFFICER, TODAY, a_supplier, licensed
from tests.unit.suppliers.fakes import FakeSuppliersUnitOfWork

S, A = SupplierStatus, SupplierAction
QUALITY = Contact("Aigul Nurlanova", "quality manager", "a.nurlanova@kazeng.kz", None)


def update(supplier: Supplier, expected: Expected | None = None, **values: Any) -> UpdateSupplier:
    return UpdateSupplier(supplier.id, values, OFFICER, expected)


# Corrections of the record.


async def test_a_correction_changes_the_fields_given_once_versioned_kept_and_audited(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.ACTIVE)

    changed = await handlers.update_supplier(
        uow,
        update(
            supplier,
            Expected(frozenset({1})),
            local_content_share=Decimal("64.5"),
            categories=["production", "repair"],
            contacts=[QUALITY],
            security_clearance=True,  # as it was: not a change
        ),
    )

    stored = uow.suppliers.stored[supplier.id]
    assert stored == changed
    assert (stored.local_content_share, stored.categories, stored.contacts) == (
        Decimal("64.50"),
        ["repair", "production"],
        [QUALITY],
    )
    assert (stored.version, stored.updated_at, stored.name) == (2, NOW, "KazEng")
    changes = {
        "local_content_share": {"before": 60.0, "after": 64.5},
        "categories": {"before": ["repair"], "after": ["repair", "production"]},
        "contacts": {"before": [], "after": [QUALITY.as_dict()]},
    }
    [entry] = uow.suppliers.edits
    assert (entry.edit.kind, entry.edit.status, entry.edit.changes, entry.actor) == (
        EditKind.UPDATED,
        S.ACTIVE,
        changes,
        "mic-officer",
    )
    assert uow.audit_actions() == ["supplier_updated"]
    assert uow.audit[0].details == {"changes": changes}
    assert uow.events == []  # the status did not change


async def test_a_correction_that_changes_nothing_keeps_the_version_and_writes_nothing(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.ACTIVE)

    same = await handlers.update_supplier(uow, update(supplier, name="KazEng", local_content_share=Decimal("60.00")))

    assert same.version == 1
    assert uow.suppliers.edits == [] and uow.audit == []


async def test_a_correction_against_a_stale_version_changes_nothing(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE, version=3)

    with pytest.raises(StaleVersion):
        await handlers.update_supplier(uow, update(supplier, Expected(frozenset({2})), name="Other"))
    assert uow.suppliers.stored[supplier.id].name == "KazEng"


async def test_an_excluded_suppliers_record_is_frozen(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.EXCLUDED)

    with pytest.raises(SupplierExcluded) as caught:
        await handlers.update_supplier(uow, update(supplier, name="Renamed"))
    assert caught.value.details == {"current_status": "excluded", "allowed_actions": []}
    assert uow.suppliers.stored[supplier.id].name == "KazEng"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"country": "TR"}, "country"),
        ({"status": "active"}, "status"),
        ({"contacts": [Contact("No way to reach")]}, "contacts[0]"),
        ({"contacts": [QUALITY, QUALITY]}, "contacts"),
        ({"contacts": [Contact(f"C{n}", email=f"c{n}@kz.kz") for n in range(MAX_CONTACTS + 1)]}, "contacts"),
    ],
)
async def test_a_correction_the_rules_refuse_names_the_field_and_changes_nothing(
    uow: FakeSuppliersUnitOfWork, values: dict[str, Any], field: str
) -> None:
    supplier = a_supplier(uow, S.ACTIVE)

    with pytest.raises(InvalidInput) as caught:
        await handlers.update_supplier(uow, update(supplier, **values))
    assert caught.value.errors[0]["field"] == field
    assert uow.suppliers.stored[supplier.id].version == 1


async def test_contacts_given_at_registration_are_kept(uow: FakeSuppliersUnitOfWork) -> None:
    cmd = RegisterSupplier(
        "KazEng", "KZ", "950101400012", None, ("repair",), Decimal(60), True, OFFICER, contacts=(QUALITY,)
    )

    supplier = await handlers.register_supplier(uow, cmd)

    assert uow.suppliers.stored[supplier.id].contacts == [QUALITY]
    assert uow.audit[0].details["contacts"] == [QUALITY.as_dict()]


# Revocations.


async def test_a_revoked_license_is_kept_with_its_reason_and_never_counts_as_valid(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.PENDING)
    licensed(uow, supplier)
    license_id = uow.suppliers.stored[supplier.id].licenses[0].id

    revoked = await handlers.revoke_license(
        uow, RevokeLicense(supplier.id, license_id, "withdrawn by the authority", OFFICER)
    )

    stored = uow.suppliers.stored[supplier.id]
    assert stored.licenses == [revoked]
    assert (revoked.revoked_at, revoked.revocation_reason, revoked.version) == (NOW, "withdrawn by the authority", 2)
    assert stored.version == 3  # licensed (2), revoked (3)
    assert not stored.has_valid_license(TODAY)
    [entry] = uow.suppliers.edits
    assert (entry.edit.kind, entry.edit.reason, entry.edit.item["id"]) == (
        EditKind.LICENSE_REVOKED,
        "withdrawn by the authority",
        str(license_id),
    )
    assert uow.audit_actions() == ["license_revoked"]
    with pytest.raises(NoValidLicense):
        await handlers.change_status(uow, ChangeStatus(supplier.id, A.VERIFY, OFFICER))


async def test_a_license_is_revoked_once(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    licensed(uow, supplier)
    license_id = uow.suppliers.stored[supplier.id].licenses[0].id
    await handlers.revoke_license(uow, RevokeLicense(supplier.id, license_id, "first", OFFICER))

    with pytest.raises(AlreadyRevoked) as caught:
        await handlers.revoke_license(uow, RevokeLicense(supplier.id, license_id, "second", OFFICER))

    assert caught.value.code == "already-revoked"
    assert caught.value.details == {"revoked_at": NOW.isoformat()}
    assert uow.suppliers.stored[supplier.id].licenses[0].revocation_reason == "first"


async def test_a_revoked_certificate_no_longer_meets_an_orders_requirement(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    licensed(uow, supplier)
    cert = supplier.add_certification(
        uuid4(), standard="AQAP-2110", number="QA-1", valid_until=TODAY + timedelta(days=365), at=NOW
    )
    uow.suppliers.put(supplier)
    requirement = AwardRequirement("repair", TODAY + timedelta(days=30), ("AQAP-2110",), Decimal(0))
    assert assess(uow.suppliers.stored[supplier.id].facts(), requirement, ()).eligible

    await handlers.revoke_certification(uow, RevokeCertification(supplier.id, cert.id, "audit failed", OFFICER))

    verdict = assess(uow.suppliers.stored[supplier.id].facts(), requirement, ())
    assert (verdict.reasons, verdict.missing_certifications) == (["missing_certification"], ["AQAP-2110"])
    with pytest.raises(AlreadyRevoked):
        await handlers.revoke_certification(uow, RevokeCertification(supplier.id, cert.id, "again", OFFICER))


async def test_revoking_what_the_supplier_does_not_hold_is_not_found(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    licensed(uow, supplier)
    other = a_supplier(uow, S.ACTIVE)
    licensed(uow, other)
    others_license = uow.suppliers.stored[other.id].licenses[0].id

    with pytest.raises(HeldNotFound):
        await handlers.revoke_license(uow, RevokeLicense(supplier.id, others_license, "r", OFFICER))
    with pytest.raises(HeldNotFound):
        await handlers.revoke_certification(uow, RevokeCertification(supplier.id, uuid4(), "r", OFFICER))
    assert uow.audit == []


# Suspensions with an end.


def suspend(supplier: Supplier, until: date | None, reason: str = "late deliveries under review") -> ChangeStatus:
    return ChangeStatus(supplier.id, A.SUSPEND, OFFICER, reason, until=until, timezone="Asia/Almaty")


async def test_a_suspension_with_an_end_keeps_it_and_says_so_in_the_audit(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    until = TODAY + timedelta(days=30)

    suspended = await handlers.change_status(uow, suspend(supplier, until))

    assert (suspended.status, suspended.suspended_until) == (S.SUSPENDED, until)
    assert uow.audit[0].details["until"] == until.isoformat()
    assert uow.events[0].data["new_status"] == "suspended"


@pytest.mark.parametrize("days", [0, -1])
async def test_a_suspension_must_end_after_today_on_the_ministrys_calendar(
    uow: FakeSuppliersUnitOfWork, days: int
) -> None:
    supplier = a_supplier(uow, S.ACTIVE)

    with pytest.raises(InvalidInput) as caught:
        await handlers.change_status(uow, suspend(supplier, TODAY + timedelta(days=days)))

    assert caught.value.errors[0]["field"] == "until"
    assert TODAY.isoformat() in caught.value.errors[0]["message"]
    assert uow.suppliers.stored[supplier.id].status is S.ACTIVE
    assert uow.events == uow.audit == []


async def test_today_is_read_on_the_calendar_the_command_names(
    uow: FakeSuppliersUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str | None] = []

    def today(timezone: str | None = None) -> date:
        asked.append(timezone)
        return TODAY

    monkeypatch.setattr(clock, "today", today)
    supplier = a_supplier(uow, S.ACTIVE)

    await handlers.change_status(uow, suspend(supplier, TODAY + timedelta(days=1)))

    assert asked == ["Asia/Almaty"]


async def test_an_illegal_suspension_is_refused_by_the_table_before_its_end_is_looked_at(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    supplier = a_supplier(uow, S.PENDING)

    with pytest.raises(IllegalTransition):
        await handlers.change_status(uow, suspend(supplier, TODAY + timedelta(days=5)))


async def test_reinstating_by_hand_ends_the_window(uow: FakeSuppliersUnitOfWork) -> None:
    supplier = a_supplier(uow, S.ACTIVE)
    await handlers.change_status(uow, suspend(supplier, TODAY + timedelta(days=30)))

    reinstated = await handlers.change_status(uow, ChangeStatus(supplier.id, A.REINSTATE, OFFICER))

    assert (reinstated.status, reinstated.suspended_until) == (S.ACTIVE, None)


async def test_suspensions_that_end_today_or_earlier_lapse_and_are_announced_as_suspension_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uow = FakeSuppliersUnitOfWork(actor="system")
    monkeypatch.setattr(clock, "now", lambda: NOW)
    ends_today = a_supplier(uow, S.SUSPENDED, suspended_until=TODAY)
    ended_last_week = a_supplier(uow, S.SUSPENDED, suspended_until=TODAY - timedelta(days=7))
    ends_tomorrow = a_supplier(uow, S.SUSPENDED, suspended_until=TODAY + timedelta(days=1))
    open_ended = a_supplier(uow, S.SUSPENDED)
    monkeypatch.setattr(clock, "today", lambda timezone=None: TODAY)

    reinstated = await handlers.lapse_suspensions(uow, LapseSuspensions(timezone="Asia/Almaty"))

    assert [s.id for s in reinstated] == [ended_last_week.id, ends_today.id]
    stored = uow.suppliers.stored
    assert [stored[s.id].status for s in (ends_today, ended_last_week, ends_tomorrow, open_ended)] == [
        S.ACTIVE,
        S.ACTIVE,
        S.SUSPENDED,
        S.SUSPENDED,
    ]
    assert (stored[ends_today.id].status_reason, stored[ends_today.id].suspended_until) == ("suspension_expired", None)
    assert uow.event_types() == [EventType.SUPPLIER_STATUS_CHANGED] * 2
    assert uow.events[0].data == {
        "supplier_id": str(ended_last_week.id),
        "old_status": "suspended",
        "new_status": "active",
        "reason": "suspension_expired",
    }
    assert [(h.actor, h.change.reason) for h in uow.suppliers.history] == [("system", "suspension_expired")] * 2
    assert uow.audit_actions() == ["suspension_expired", "suspension_expired"]

    assert await handlers.lapse_suspensions(uow, LapseSuspensions()) == []  # nothing twice


async def test_a_lapsed_suspension_counts_as_active_for_eligibility_before_the_task_runs(
    uow: FakeSuppliersUnitOfWork,
) -> None:
    until = TODAY + timedelta(days=10)
    supplier = a_supplier(uow, S.SUSPENDED, suspended_until=until)
    licensed(uow, supplier, valid_until=TODAY + timedelta(days=365))
    facts = uow.suppliers.stored[supplier.id].facts()

    def reasons(on: date) -> list[str]:
        return assess(facts, AwardRequirement("repair", on), ()).reasons

    assert reasons(until - timedelta(days=1)) == ["not_active"]
    assert reasons(until) == []
    assert reasons(until + timedelta(days=100)) == []


async def test_an_award_is_judged_on_todays_status_not_at_the_deadline(uow: FakeSuppliersUnitOfWork) -> None:
    suspended_for_a_week = a_supplier(uow, S.SUSPENDED, suspended_until=TODAY + timedelta(days=7))
    licensed(uow, suspended_for_a_week)
    lapsed = a_supplier(uow, S.SUSPENDED, suspended_until=TODAY)
    licensed(uow, lapsed)
    requirement = AwardRequirement("repair", TODAY + timedelta(days=90))

    def award(supplier: Supplier) -> DecideAward:
        return DecideAward(uuid4(), uuid4(), supplier.id, requirement, frozenset(), timezone="Asia/Almaty")

    refused = await handlers.decide(uow, award(suspended_for_a_week))
    confirmed = await handlers.decide(uow, award(lapsed))

    assert refused.eligibility.reasons == ["not_active"]
    assert confirmed.confirmed
