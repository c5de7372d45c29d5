"""One async function per command: load, let the aggregate behave, save, announce; no commit, no HTTP.

Each takes the service's unit of work (``ports.SuppliersUnitOfWork``) and a command from
``domain/commands.py``, and returns a domain result or raises a domain error.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import structlog

from services.suppliers.domain.commands import (
    AddCertification,
    AddLicense,
    ApplyAmendment,
    ChangeStatus,
    CountContract,
    CountDelivery,
    CountDiscontinuation,
    CountDisposition,
    CountLot,
    CountShortDelivery,
    DecideAward,
    LapseSuspensions,
    NoteCancellation,
    NoteResumption,
    RegisterSupplier,
    RevokeCertification,
    RevokeLicense,
    UpdateSupplier,
)
from services.suppliers.domain.contacts import Contact
from services.suppliers.domain.diversification import contract_value
from services.suppliers.domain.eligibility import AwardDecision, decide_award
from services.suppliers.domain.scorecard import Disposition, LotResult, delivered_lots
from services.suppliers.domain.status import SupplierAction
from services.suppliers.domain.supplier import SUSPENSION_EXPIRED, Certification, License, Supplier
from services.suppliers.ports import SuppliersUnitOfWork
from shared import clock
from shared.errors import NotFound
from shared.events.payloads import Payload, SupplierAwardConfirmed, SupplierAwardDeclined, SupplierStatusChanged
from shared.events.types import EventType
from shared.versioning import Expected, check_version

log = structlog.get_logger("sdo.suppliers.handlers")

RESOURCE = "supplier"


async def register_supplier(uow: SuppliersUnitOfWork, cmd: RegisterSupplier) -> Supplier:
    same = await uow.suppliers.registered_with(
        bin=cmd.bin, country=cmd.country, registration_number=cmd.registration_number
    )
    if same is not None:
        raise same.duplicate(bin=cmd.bin, country=cmd.country, registration_number=cmd.registration_number)
    supplier = Supplier.register(
        uuid4(),
        name=cmd.name,
        country=cmd.country,
        bin=cmd.bin,
        registration_number=cmd.registration_number,
        categories=cmd.categories,
        local_content_share=cmd.local_content_share,
        security_clearance=cmd.security_clearance,
        contacts=cmd.contacts,
        at=clock.now(),
    )
    await uow.suppliers.add(supplier)
    await _announce_status(uow, supplier)
    uow.record("supplier_registered", RESOURCE, supplier.id, _details(cmd))
    return supplier


async def update_supplier(uow: SuppliersUnitOfWork, cmd: UpdateSupplier) -> Supplier:
    """Change the record's editable fields; what changed is versioned, kept in its history and audited."""
    supplier = await _for_change(uow, cmd.supplier_id, cmd.expected)
    changes = supplier.update(cmd.values, at=clock.now())
    if changes:
        await _keep_edits(uow, supplier)
        await uow.suppliers.save(supplier)
        uow.record("supplier_updated", RESOURCE, supplier.id, {"changes": changes})
    return supplier


async def add_license(uow: SuppliersUnitOfWork, cmd: AddLicense) -> License:
    supplier = await _for_change(uow, cmd.supplier_id, cmd.expected)
    added = supplier.add_license(
        uuid4(),
        category=cmd.category,
        number=cmd.number,
        valid_from=cmd.valid_from,
        valid_until=cmd.valid_until,
        at=clock.now(),
    )
    await _keep_edits(uow, supplier)
    await uow.suppliers.save(supplier)
    uow.record("license_added", RESOURCE, supplier.id, _details(cmd, license_id=str(added.id)))
    return added


async def add_certification(uow: SuppliersUnitOfWork, cmd: AddCertification) -> Certification:
    supplier = await _for_change(uow, cmd.supplier_id, cmd.expected)
    added = supplier.add_certification(
        uuid4(), standard=cmd.standard, number=cmd.number, valid_until=cmd.valid_until, at=clock.now()
    )
    await _keep_edits(uow, supplier)
    await uow.suppliers.save(supplier)
    uow.record("certification_added", RESOURCE, supplier.id, _details(cmd, certification_id=str(added.id)))
    return added


async def revoke_license(uow: SuppliersUnitOfWork, cmd: RevokeLicense) -> License:
    """A revoked license is kept, with its reason, and never counts as valid again."""
    supplier = await _for_change(uow, cmd.supplier_id, cmd.expected)
    revoked = supplier.revoke_license(cmd.license_id, cmd.reason, at=clock.now())
    await _keep_edits(uow, supplier)
    await uow.suppliers.save(supplier)
    details = {"license_id": str(revoked.id), "number": revoked.number, "reason": revoked.revocation_reason}
    uow.record("license_revoked", RESOURCE, supplier.id, details)
    return revoked


async def revoke_certification(uow: SuppliersUnitOfWork, cmd: RevokeCertification) -> Certification:
    supplier = await _for_change(uow, cmd.supplier_id, cmd.expected)
    revoked = supplier.revoke_certification(cmd.certification_id, cmd.reason, at=clock.now())
    await _keep_edits(uow, supplier)
    await uow.suppliers.save(supplier)
    details = {
        "certification_id": str(revoked.id),
        "standard": revoked.standard,
        "number": revoked.number,
        "reason": revoked.revocation_reason,
    }
    uow.record("certification_revoked", RESOURCE, supplier.id, details)
    return revoked


async def change_status(uow: SuppliersUnitOfWork, cmd: ChangeStatus) -> Supplier:
    """verify, suspend, reinstate or exclude, by the transition table; a refusal names the current status."""
    supplier = await _for_change(uow, cmd.supplier_id, cmd.expected)
    before, now, today, roles = supplier.status, clock.now(), clock.today(cmd.timezone), cmd.actor.effective_roles
    match cmd.action:
        case SupplierAction.VERIFY:
            supplier.verify(today, reason=cmd.reason, at=now, roles=roles)
        case SupplierAction.SUSPEND:
            supplier.suspend(cmd.reason or "", at=now, roles=roles, until=cmd.until, today=today)
        case SupplierAction.REINSTATE:
            supplier.reinstate(cmd.reason, at=now, roles=roles)
        case SupplierAction.EXCLUDE:
            supplier.exclude(cmd.reason or "", at=now, roles=roles)
    await _announce_status(uow, supplier)
    await uow.suppliers.save(supplier)
    details: dict[str, Any] = {"from_status": before.value, "to_status": supplier.status.value, "reason": cmd.reason}
    if cmd.until is not None:
        details["until"] = cmd.until.isoformat()
    uow.record(cmd.action.value, RESOURCE, supplier.id, details)
    return supplier


async def lapse_suspensions(uow: SuppliersUnitOfWork, cmd: LapseSuspensions) -> list[Supplier]:
    """Reinstate the suppliers whose suspension ends today or earlier (reason ``suspension_expired``)."""
    today, now, reinstated = clock.today(cmd.timezone), clock.now(), []
    for supplier_id in await uow.suppliers.lapsed_suspensions(today, cmd.limit):
        supplier = await uow.suppliers.get_for_change(supplier_id)
        if supplier is None or not supplier.lapse_suspension(today, at=now):
            continue  # changed since it was found
        await _announce_status(uow, supplier)
        await uow.suppliers.save(supplier)
        details = {"from_status": "suspended", "to_status": supplier.status.value, "reason": SUSPENSION_EXPIRED}
        uow.record("suspension_expired", RESOURCE, supplier.id, details)
        reinstated.append(supplier)
    return reinstated


def _details(cmd: RegisterSupplier | AddLicense | AddCertification, **ids: str) -> dict[str, Any]:
    """What the caller asked, as JSON values, for the audit entry (which names the actor itself)."""
    asked = {f.name: getattr(cmd, f.name) for f in fields(cmd) if f.name not in ("supplier_id", "actor", "expected")}
    return {**ids, **{name: _json(value) for name, value in asked.items()}}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, Contact):
        return value.as_dict()
    return [_json(item) for item in value] if isinstance(value, tuple | list) else value


async def _keep_edits(uow: SuppliersUnitOfWork, supplier: Supplier) -> None:
    """Every change of the record besides its status goes into its history."""
    for edit in supplier.edits:
        await uow.suppliers.add_edit(supplier.id, edit, actor=uow.actor)
    supplier.edits.clear()


async def _for_change(uow: SuppliersUnitOfWork, supplier_id: UUID, expected: Expected | None) -> Supplier:
    supplier = await uow.suppliers.get_for_change(supplier_id)
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.")
    check_version(expected, supplier.version)
    return supplier


async def _announce_status(uow: SuppliersUnitOfWork, supplier: Supplier) -> None:
    """Every status change, creation included, is published and kept with its reason and its event."""
    for change in supplier.changes:
        payload = SupplierStatusChanged(
            supplier_id=supplier.id,
            old_status=change.from_status.value if change.from_status else None,
            new_status=change.to_status.value,
            reason=change.reason,
        )
        event = uow.emit(EventType.SUPPLIER_STATUS_CHANGED, supplier.id, payload)
        await uow.suppliers.add_status_change(supplier.id, change, actor=uow.actor, event_id=event.id)
    supplier.changes.clear()


# Facts other services tell: the award decision and the scorecard.


async def decide(uow: SuppliersUnitOfWork, cmd: DecideAward) -> AwardDecision:
    """Judge the supplier at the order's delivery deadline; answer confirmed or declined."""
    supplier = await uow.suppliers.get(cmd.supplier_id)
    facts = supplier.facts() if supplier is not None else None
    # Licenses are judged at the deadline, the status today: a suspension that has lapsed counts as
    # lapsed even before the background task reinstates the supplier.
    requirement = replace(cmd.requirement, status_on=clock.today(cmd.timezone))
    decision = decide_award(cmd.order_id, cmd.supplier_id, facts, requirement, cmd.restricted_countries)
    answer = uow.emit(*_award_answer(decision))
    await uow.ledger.add_award_decision(
        decision, request_event_id=cmd.request_event_id, event_id=answer.id, at=clock.now()
    )
    details = {
        "supplier_id": str(cmd.supplier_id),
        "reasons": decision.eligibility.reasons,
        "request_event_id": str(cmd.request_event_id),
    }
    uow.record("award_confirmed" if decision.confirmed else "award_declined", "order", cmd.order_id, details)
    return decision


def _award_answer(decision: AwardDecision) -> tuple[EventType, UUID, Payload]:
    """The event type, subject (the order) and data of the answer to an award request."""
    if decision.supplier_country is not None and decision.local_content_share is not None:
        confirmed = SupplierAwardConfirmed(
            order_id=decision.order_id,
            supplier_id=decision.supplier_id,
            supplier_country=decision.supplier_country,
            local_content_share=decision.local_content_share,
        )
        return EventType.SUPPLIER_AWARD_CONFIRMED, decision.order_id, confirmed
    declined = SupplierAwardDeclined(
        order_id=decision.order_id,
        supplier_id=decision.supplier_id,
        reasons=decision.eligibility.reasons,
        missing_certifications=decision.eligibility.missing_certifications,
    )
    return EventType.SUPPLIER_AWARD_DECLINED, decision.order_id, declined


async def count_contract(uow: SuppliersUnitOfWork, cmd: CountContract) -> None:
    """Count the award and keep its value for diversification; facts seen before the contract count now."""
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.contracted_supplier(cmd.order_id) is not None:
        return
    supplier = await uow.suppliers.get_for_change(cmd.supplier_id)
    if supplier is None:
        log.warning("contract_for_unknown_supplier", order_id=str(cmd.order_id), supplier_id=str(cmd.supplier_id))
        return
    now = clock.now()
    # Amendments and concessions told before the contract still price it.
    amended = await uow.ledger.latest_amended_price(cmd.order_id)
    value = contract_value(
        cmd.value_kzt,
        amended_price_kzt=amended[1] if amended else None,
        reductions_kzt=await uow.ledger.concession_reductions(cmd.order_id),
    )
    # The supplier's country is taken now: a later move of its seat does not rewrite past shares.
    await uow.ledger.add_contract(
        cmd.order_id,
        supplier_id=supplier.id,
        category=cmd.category.strip().lower(),
        country=supplier.country,
        value_kzt=value,
        price_amendment=amended[0] if amended else 0,
        at=now,
    )
    supplier.count_award(now, waiting=await uow.ledger.take_waiting(cmd.order_id, supplier.id))
    await uow.suppliers.save(supplier)
    details = {"order_id": str(cmd.order_id), "contract_price_kzt": str(cmd.value_kzt), "value_kzt": str(value)}
    uow.record("scorecard_award_counted", "supplier", supplier.id, details)


async def _supplier_of(uow: SuppliersUnitOfWork, order_id: UUID, named: UUID | None) -> Supplier | None:
    """The supplier a fact about an order counts for: the one it names, else the order's contracted one."""
    supplier_id = named or await uow.ledger.contracted_supplier(order_id)
    return await uow.suppliers.get_for_change(supplier_id) if supplier_id else None


async def count_lot(uow: SuppliersUnitOfWork, cmd: CountLot) -> None:
    """A verdict counts once per inspection; one that names no supplier counts for the order's contract.

    A lot accepted under concession failed its inspection: it counts as not accepted, so its verdict
    counts the same whichever of its rejection and its concession is told first (the concession
    itself is counted from its disposition).
    """
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.has_lot(cmd.inspection_id):
        return
    supplier = await _supplier_of(uow, cmd.order_id, cmd.supplier_id)
    accepted = cmd.accepted and not cmd.concession
    now = clock.now()
    lot = LotResult(
        cmd.inspection_id,
        cmd.order_id,
        supplier.id if supplier else cmd.supplier_id,
        accepted,
        counted=supplier is not None,
        recorded_at=now,
    )
    await uow.ledger.add_lot(lot)
    if supplier is not None:
        supplier.count_lot(accepted=accepted, at=now)
        await uow.suppliers.save(supplier)
        details = {"order_id": str(cmd.order_id), "inspection_id": str(cmd.inspection_id), "accepted": accepted}
        if cmd.concession:
            details["concession"] = True
        uow.record("scorecard_lot_counted", "supplier", supplier.id, details)


async def count_delivery(uow: SuppliersUnitOfWork, cmd: CountDelivery) -> None:
    """A delivered order counts its lots, and those delivered by their due dates; once per order."""
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.has_delivery(cmd.order_id):
        return
    now = clock.now()
    lots, on_time_lots = delivered_lots(cmd.lots, cmd.lots_on_time, on_time=cmd.on_time)
    await uow.ledger.add_delivery(
        cmd.order_id, supplier_id=cmd.supplier_id, on_time=cmd.on_time, lots=lots, lots_on_time=on_time_lots, at=now
    )
    supplier = await uow.suppliers.get_for_change(cmd.supplier_id)
    if supplier is not None:
        supplier.count_delivery(lots=lots, on_time_lots=on_time_lots, at=now)
        await uow.suppliers.save(supplier)
        details = {"order_id": str(cmd.order_id), "on_time": cmd.on_time, "lots": lots, "lots_on_time": on_time_lots}
        uow.record("scorecard_delivery_counted", "supplier", supplier.id, details)


async def count_short_delivery(uow: SuppliersUnitOfWork, cmd: CountShortDelivery) -> None:
    """A shipment received short counts once, keyed by order and shipment."""
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.has_short_delivery(cmd.order_id, cmd.shipment_no):
        return
    now = clock.now()
    await uow.ledger.add_short_delivery(
        cmd.order_id, cmd.shipment_no, supplier_id=cmd.supplier_id, shipped=cmd.shipped, received=cmd.received, at=now
    )
    supplier = await uow.suppliers.get_for_change(cmd.supplier_id)
    if supplier is not None:
        supplier.count_short_delivery(now)
        await uow.suppliers.save(supplier)
        details = {
            "order_id": str(cmd.order_id),
            "shipment_no": cmd.shipment_no,
            "shipped": cmd.shipped,
            "received": cmd.received,
        }
        uow.record("scorecard_short_delivery_counted", "supplier", supplier.id, details)


async def count_disposition(uow: SuppliersUnitOfWork, cmd: CountDisposition) -> None:
    """Every disposition is kept once per report; ``use_as_is`` counts a concession, and its price
    reduction lowers the contract's value as it lowers the contract's price."""
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.has_disposition(cmd.nonconformance_id):
        return
    now = clock.now()
    disposition = Disposition(
        cmd.nonconformance_id,
        cmd.order_id,
        cmd.inspection_id,
        cmd.supplier_id,
        cmd.disposition,
        cmd.price_reduction_kzt,
        counted=True,
        recorded_at=now,
    )
    supplier = await _supplier_of(uow, cmd.order_id, cmd.supplier_id) if disposition.concession else None
    if disposition.concession:
        disposition = replace(
            disposition, supplier_id=supplier.id if supplier else cmd.supplier_id, counted=supplier is not None
        )
        if cmd.price_reduction_kzt:
            await uow.ledger.reduce_value(cmd.order_id, cmd.price_reduction_kzt)
    await uow.ledger.add_disposition(disposition)
    if supplier is not None:
        supplier.count_concession(now)
        await uow.suppliers.save(supplier)
        details = {
            "order_id": str(cmd.order_id),
            "nonconformance_id": str(cmd.nonconformance_id),
            "price_reduction_kzt": None if cmd.price_reduction_kzt is None else str(cmd.price_reduction_kzt),
        }
        uow.record("scorecard_concession_counted", "supplier", supplier.id, details)


async def count_discontinuation(uow: SuppliersUnitOfWork, cmd: CountDiscontinuation) -> None:
    """A discontinuation counts once until the order's inspections resume; a later one counts again."""
    await uow.ledger.lock(cmd.order_id)
    supplier = await _supplier_of(uow, cmd.order_id, cmd.supplier_id)
    now = clock.now()
    counted = await uow.ledger.discontinue(
        cmd.order_id,
        supplier_id=supplier.id if supplier else cmd.supplier_id,
        lots_not_accepted=cmd.lots_not_accepted,
        counted=supplier is not None,
        at=now,
    )
    if counted and supplier is not None:
        supplier.count_discontinuation(now)
        await uow.suppliers.save(supplier)
        details = {"order_id": str(cmd.order_id), "lots_not_accepted": cmd.lots_not_accepted}
        uow.record("scorecard_discontinuation_counted", "supplier", supplier.id, details)


async def note_resumption(uow: SuppliersUnitOfWork, cmd: NoteResumption) -> None:
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.resume(cmd.order_id, clock.now()):
        uow.record("inspection_resumed", "order", cmd.order_id, {"reason": cmd.reason})


async def apply_amendment(uow: SuppliersUnitOfWork, cmd: ApplyAmendment) -> None:
    """An amended price replaces the contract's value, once per amendment and never by an older one."""
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.has_amendment(cmd.order_id, cmd.amendment_number):
        return
    await uow.ledger.add_amendment(
        cmd.order_id, cmd.amendment_number, contract_price_kzt=cmd.contract_price_kzt, at=clock.now()
    )
    if cmd.contract_price_kzt is None:
        return
    # The orders service states the price in force, concessions before the amendment included.
    value = contract_value(cmd.contract_price_kzt)
    if await uow.ledger.reprice(cmd.order_id, value, cmd.amendment_number):
        details = {"amendment_number": cmd.amendment_number, "contract_price_kzt": str(cmd.contract_price_kzt)}
        uow.record("contract_repriced", "order", cmd.order_id, details)


async def note_cancellation(uow: SuppliersUnitOfWork, cmd: NoteCancellation) -> None:
    """A cancelled contract leaves the diversification figures (the scorecard keeps the award it counted)."""
    await uow.ledger.lock(cmd.order_id)
    if await uow.ledger.note_cancelled(cmd.order_id, clock.now()):
        details = {"order_id": str(cmd.order_id), "reason": cmd.reason}
        uow.record("contract_cancelled", "order", cmd.order_id, details)
