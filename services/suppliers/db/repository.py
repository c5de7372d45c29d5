"""The ports on SQL: suppliers loaded as aggregates and saved back, and the ledger of other services' orders.

Rows and aggregates are mapped here, explicitly, in both directions. Nothing here commits: the
kernel's unit of work owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Select, and_, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.suppliers.db.tables import (
    AwardDecisionRow,
    AwardRow,
    CancelledOrderRow,
    CertificationRow,
    ContractAmendmentRow,
    DeliveryRow,
    DiscontinuationRow,
    DispositionRow,
    LicenseRow,
    LotResultRow,
    ShortDeliveryRow,
    StatusChangeRow,
    SupplierCategoryRow,
    SupplierRow,
)
from services.suppliers.domain.contacts import Contact
from services.suppliers.domain.eligibility import AwardDecision
from services.suppliers.domain.errors import DuplicateSupplier
from services.suppliers.domain.facts import category_order
from services.suppliers.domain.scorecard import CONCESSION, Disposition, LotResult, ScorecardCounters, WaitingFacts
from services.suppliers.domain.status import SupplierStatus
from services.suppliers.domain.supplier import Certification, Edit, License, StatusChange, Supplier

_CENT = Decimal("0.01")


def percent_to_hundredths(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hundredths_to_percent(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(_CENT)


def kzt_to_tiyn(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tiyn_to_kzt(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(_CENT)


# Rows to the domain and back. Columns named as the aggregate's fields are copied as they are;
# the others are converted here: the local content share (hundredths), the status, the counters.

_AS_IS = (
    "id name country bin registration_number security_clearance status_reason suspended_until "
    "created_at updated_at version"
).split()
_COUNTERS = tuple(f.name for f in fields(ScorecardCounters))


def counters_of(row: SupplierRow) -> ScorecardCounters:
    return ScorecardCounters(**{name: getattr(row, name) for name in _COUNTERS})


def license_of(row: LicenseRow) -> License:
    return License(**{f.name: getattr(row, f.name) for f in fields(License)})


def certification_of(row: CertificationRow) -> Certification:
    return Certification(**{f.name: getattr(row, f.name) for f in fields(Certification)})


@dataclass
class Details:
    """What a supplier holds besides its own row."""

    categories: list[str] = field(default_factory=list)
    licenses: list[License] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)


def supplier_of(row: SupplierRow, details: Details) -> Supplier:
    return Supplier(
        **{name: getattr(row, name) for name in _AS_IS},
        local_content_share=hundredths_to_percent(row.local_content_hundredths),
        status=SupplierStatus(row.status),
        counters=counters_of(row),
        categories=details.categories,
        licenses=details.licenses,
        certifications=details.certifications,
        contacts=[Contact(**contact) for contact in row.contacts or []],
    )


def _columns(supplier: Supplier) -> dict[str, Any]:
    """The supplier row's columns, as the aggregate now has them."""
    return {
        **{name: getattr(supplier, name) for name in _AS_IS},
        "local_content_hundredths": percent_to_hundredths(supplier.local_content_share),
        "status": supplier.status.value,
        "contacts": [contact.as_dict() for contact in supplier.contacts],
        **asdict(supplier.counters),
    }


async def details_of(session: AsyncSession, supplier_ids: Sequence[UUID]) -> dict[UUID, Details]:
    """Categories, licenses and certifications of many suppliers in three queries."""
    details = {sid: Details() for sid in supplier_ids}
    if not supplier_ids:
        return details
    categories = await session.execute(
        select(col(SupplierCategoryRow.supplier_id), col(SupplierCategoryRow.category)).where(
            col(SupplierCategoryRow.supplier_id).in_(supplier_ids)
        )
    )
    for supplier_id, category in categories:
        details[supplier_id].categories.append(category)
    licenses = await session.execute(
        select(LicenseRow)
        .where(col(LicenseRow.supplier_id).in_(supplier_ids))
        .order_by(col(LicenseRow.valid_until), col(LicenseRow.id))
    )
    for lic in licenses.scalars():
        details[lic.supplier_id].licenses.append(license_of(lic))
    certifications = await session.execute(
        select(CertificationRow)
        .where(col(CertificationRow.supplier_id).in_(supplier_ids))
        .order_by(col(CertificationRow.valid_until), col(CertificationRow.id))
    )
    for cert in certifications.scalars():
        details[cert.supplier_id].certifications.append(certification_of(cert))
    for item in details.values():
        item.categories = category_order(item.categories)
    return details


async def suppliers_of(session: AsyncSession, rows: Sequence[SupplierRow]) -> list[Supplier]:
    details = await details_of(session, [row.id for row in rows])
    return [supplier_of(row, details[row.id]) for row in rows]


class SqlSupplierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # The rows behind the suppliers handed out, so `save` writes back to what it loaded, and the
        # version of each license and certification stored, so `save` writes only what changed.
        self._rows: dict[UUID, SupplierRow] = {}
        self._stored: dict[UUID, dict[UUID, int]] = {}

    async def get(self, supplier_id: UUID) -> Supplier | None:
        return await self._load(select(SupplierRow).where(col(SupplierRow.id) == supplier_id))

    async def get_for_change(self, supplier_id: UUID) -> Supplier | None:
        # PostgreSQL: concurrent changes of one supplier queue up here; SQLite is one writer anyway.
        return await self._load(select(SupplierRow).where(col(SupplierRow.id) == supplier_id).with_for_update())

    async def registered_with(
        self, *, bin: str | None, country: str, registration_number: str | None
    ) -> Supplier | None:
        same = []
        if bin is not None:
            same.append(col(SupplierRow.bin) == bin)
        if registration_number is not None:
            same.append(
                and_(col(SupplierRow.country) == country, col(SupplierRow.registration_number) == registration_number)
            )
        if not same:
            return None
        return await self._load(select(SupplierRow).where(or_(*same)).limit(1))

    async def add(self, supplier: Supplier) -> None:
        row = SupplierRow(**_columns(supplier))
        self.session.add(row)
        try:
            # Flushed now so a concurrent registration of the same identity (PostgreSQL) is a 409, not a 500.
            await self.session.flush()
        except IntegrityError as exc:
            raise DuplicateSupplier() from exc
        self.session.add_all(SupplierCategoryRow(supplier_id=supplier.id, category=c) for c in supplier.categories)
        self._track(supplier, row)
        await self._add_held(supplier)

    async def save(self, supplier: Supplier) -> None:
        row = self._rows[supplier.id]
        for name, value in _columns(supplier).items():
            setattr(row, name, value)
        await self._add_held(supplier)

    async def add_status_change(self, supplier_id: UUID, change: StatusChange, *, actor: str, event_id: UUID) -> None:
        self.session.add(
            StatusChangeRow(
                supplier_id=supplier_id,
                kind="status_changed" if change.from_status else "registered",
                from_status=change.from_status.value if change.from_status else None,
                to_status=change.to_status.value,
                reason=change.reason,
                actor=actor,
                at=change.at,
                event_id=event_id,
            )
        )

    async def add_edit(self, supplier_id: UUID, edit: Edit, *, actor: str) -> None:
        self.session.add(
            StatusChangeRow(
                supplier_id=supplier_id,
                kind=edit.kind.value,
                from_status=edit.status.value,
                to_status=edit.status.value,
                reason=edit.reason,
                changes=edit.changes or None,
                item=edit.item,
                actor=actor,
                at=edit.at,
            )
        )

    async def lapsed_suspensions(self, today: date, limit: int) -> list[UUID]:
        query = (
            select(col(SupplierRow.id))
            .where(
                col(SupplierRow.status) == SupplierStatus.SUSPENDED.value,
                col(SupplierRow.suspended_until) <= today,
            )
            .order_by(col(SupplierRow.suspended_until), col(SupplierRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.execute(query)).scalars())

    async def _load(self, query: Select[SupplierRow]) -> Supplier | None:
        row = (await self.session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        supplier = supplier_of(row, (await details_of(self.session, [row.id]))[row.id])
        self._track(supplier, row)
        return supplier

    def _track(self, supplier: Supplier, row: SupplierRow) -> None:
        self._rows[supplier.id] = row
        self._stored[supplier.id] = {
            **{h.id: h.version for h in supplier.licenses},
            **{h.id: h.version for h in supplier.certifications},
        }

    async def _add_held(self, supplier: Supplier) -> None:
        """Insert the licenses and certifications added since the supplier was loaded; update those changed."""
        stored = self._stored[supplier.id]
        held: list[tuple[type[LicenseRow] | type[CertificationRow], License | Certification]] = [
            *((LicenseRow, item) for item in supplier.licenses),
            *((CertificationRow, item) for item in supplier.certifications),
        ]
        for table, item in held:
            if item.id not in stored:
                self.session.add(table(**asdict(item)))
            elif stored[item.id] != item.version:
                row = await self.session.get(table, item.id)
                assert row is not None, f"{table.__name__} {item.id} vanished"
                for name, value in asdict(item).items():
                    setattr(row, name, value)
            stored[item.id] = item.version


# Namespace of the per-order advisory locks (two-key form, apart from the kernel's one-key locks).
_ORDER_LOCKS = 0x5D0_0002


class SqlOrderLedger:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, order_id: UUID) -> None:
        """A verdict without a supplier id looks for the contract while the contract looks for verdicts
        that came before it; run side by side (RabbitMQ delivers concurrently) each could miss the
        other. PostgreSQL only: on SQLite every writer already holds the database lock.
        """
        bind = self.session.bind
        if bind is not None and bind.dialect.name == "postgresql":
            key = int.from_bytes(order_id.bytes[:4], "big", signed=True)
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _ORDER_LOCKS, "key": key}
            )

    async def contracted_supplier(self, order_id: UUID) -> UUID | None:
        award = await self.session.get(AwardRow, order_id)
        return award.supplier_id if award else None

    async def add_contract(
        self,
        order_id: UUID,
        *,
        supplier_id: UUID,
        category: str,
        country: str,
        value_kzt: Decimal,
        price_amendment: int,
        at: datetime,
    ) -> None:
        self.session.add(
            AwardRow(
                order_id=order_id,
                supplier_id=supplier_id,
                category=category,
                country=country,
                value_tiyn=kzt_to_tiyn(value_kzt),
                price_amendment=price_amendment,
                contracted_at=at,
            )
        )

    async def reprice(self, order_id: UUID, value_kzt: Decimal, amendment_number: int) -> bool:
        award = await self.session.get(AwardRow, order_id)
        if award is None or award.price_amendment >= amendment_number:
            return False
        award.value_tiyn, award.price_amendment = kzt_to_tiyn(value_kzt), amendment_number
        return True

    async def reduce_value(self, order_id: UUID, by_kzt: Decimal) -> bool:
        award = await self.session.get(AwardRow, order_id)
        if award is None:
            return False
        award.value_tiyn = max(award.value_tiyn - kzt_to_tiyn(by_kzt), 0)
        return True

    async def has_lot(self, inspection_id: UUID) -> bool:
        return await self.session.get(LotResultRow, inspection_id) is not None

    async def add_lot(self, lot: LotResult) -> None:
        self.session.add(LotResultRow(**asdict(lot)))

    async def take_waiting(self, order_id: UUID, supplier_id: UUID) -> WaitingFacts:
        lots = and_(col(LotResultRow.order_id) == order_id, col(LotResultRow.counted).is_(False))
        accepted = tuple((await self.session.execute(select(col(LotResultRow.accepted)).where(lots))).scalars())
        concessions = and_(
            col(DispositionRow.order_id) == order_id,
            col(DispositionRow.disposition) == CONCESSION,
            col(DispositionRow.counted).is_(False),
        )
        waiting_concessions = await self._count(DispositionRow, concessions)
        stops = and_(col(DiscontinuationRow.order_id) == order_id, col(DiscontinuationRow.counted).is_(False))
        waiting_stops = await self._count(DiscontinuationRow, stops)
        for table, waiting, found in (
            (LotResultRow, lots, accepted),
            (DispositionRow, concessions, waiting_concessions),
            (DiscontinuationRow, stops, waiting_stops),
        ):
            if found:
                await self.session.execute(update(table).where(waiting).values(supplier_id=supplier_id, counted=True))
        return WaitingFacts(lots=accepted, concessions=waiting_concessions, discontinuations=waiting_stops)

    async def _count(self, table: Any, where: Any) -> int:
        return int((await self.session.execute(select(func.count()).select_from(table).where(where))).scalar_one())

    async def has_delivery(self, order_id: UUID) -> bool:
        return await self.session.get(DeliveryRow, order_id) is not None

    async def add_delivery(
        self, order_id: UUID, *, supplier_id: UUID, on_time: bool, lots: int, lots_on_time: int, at: datetime
    ) -> None:
        self.session.add(
            DeliveryRow(
                order_id=order_id,
                supplier_id=supplier_id,
                on_time=on_time,
                lots=lots,
                lots_on_time=lots_on_time,
                recorded_at=at,
            )
        )

    async def has_short_delivery(self, order_id: UUID, shipment_no: int) -> bool:
        return await self.session.get(ShortDeliveryRow, (order_id, shipment_no)) is not None

    async def add_short_delivery(
        self, order_id: UUID, shipment_no: int, *, supplier_id: UUID, shipped: int, received: int, at: datetime
    ) -> None:
        self.session.add(
            ShortDeliveryRow(
                order_id=order_id,
                shipment_no=shipment_no,
                supplier_id=supplier_id,
                shipped=shipped,
                received=received,
                recorded_at=at,
            )
        )

    async def has_disposition(self, nonconformance_id: UUID) -> bool:
        return await self.session.get(DispositionRow, nonconformance_id) is not None

    async def add_disposition(self, disposition: Disposition) -> None:
        reduction = disposition.price_reduction_kzt
        self.session.add(
            DispositionRow(
                nonconformance_id=disposition.nonconformance_id,
                order_id=disposition.order_id,
                inspection_id=disposition.inspection_id,
                supplier_id=disposition.supplier_id,
                disposition=disposition.disposition,
                price_reduction_tiyn=None if reduction is None else kzt_to_tiyn(reduction),
                counted=disposition.counted,
                recorded_at=disposition.recorded_at,
            )
        )

    async def concession_reductions(self, order_id: UUID) -> Decimal:
        total = select(func.sum(DispositionRow.price_reduction_tiyn)).where(
            col(DispositionRow.order_id) == order_id, col(DispositionRow.disposition) == CONCESSION
        )
        return tiyn_to_kzt(int((await self.session.execute(total)).scalar_one() or 0))

    async def _last_discontinuation(self, order_id: UUID) -> DiscontinuationRow | None:
        query = (
            select(DiscontinuationRow)
            .where(col(DiscontinuationRow.order_id) == order_id)
            .order_by(col(DiscontinuationRow.id).desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def discontinue(
        self, order_id: UUID, *, supplier_id: UUID | None, lots_not_accepted: int, counted: bool, at: datetime
    ) -> bool:
        last = await self._last_discontinuation(order_id)
        if last is not None and last.resumed_at is None:
            return False  # still discontinued: the same fact told again
        self.session.add(
            DiscontinuationRow(
                order_id=order_id,
                supplier_id=supplier_id,
                lots_not_accepted=lots_not_accepted,
                counted=counted,
                discontinued_at=at,
            )
        )
        return True

    async def resume(self, order_id: UUID, at: datetime) -> bool:
        last = await self._last_discontinuation(order_id)
        if last is None or last.resumed_at is not None:
            return False
        last.resumed_at = at
        return True

    async def has_amendment(self, order_id: UUID, amendment_number: int) -> bool:
        return await self.session.get(ContractAmendmentRow, (order_id, amendment_number)) is not None

    async def add_amendment(
        self, order_id: UUID, amendment_number: int, *, contract_price_kzt: Decimal | None, at: datetime
    ) -> None:
        price = None if contract_price_kzt is None else kzt_to_tiyn(contract_price_kzt)
        self.session.add(
            ContractAmendmentRow(
                order_id=order_id, amendment_number=amendment_number, contract_price_tiyn=price, recorded_at=at
            )
        )

    async def latest_amended_price(self, order_id: UUID) -> tuple[int, Decimal] | None:
        query = (
            select(col(ContractAmendmentRow.amendment_number), col(ContractAmendmentRow.contract_price_tiyn))
            .where(
                col(ContractAmendmentRow.order_id) == order_id,
                col(ContractAmendmentRow.contract_price_tiyn).is_not(None),
            )
            .order_by(col(ContractAmendmentRow.amendment_number).desc())
            .limit(1)
        )
        found = (await self.session.execute(query)).first()
        if found is None or found[1] is None:
            return None
        return found[0], tiyn_to_kzt(found[1])

    async def note_cancelled(self, order_id: UUID, at: datetime) -> bool:
        if await self.session.get(CancelledOrderRow, order_id) is not None:
            return False
        self.session.add(CancelledOrderRow(order_id=order_id, cancelled_at=at))
        return True

    async def add_award_decision(
        self, decision: AwardDecision, *, request_event_id: UUID, event_id: UUID, at: datetime
    ) -> None:
        self.session.add(
            AwardDecisionRow(
                id=uuid4(),
                request_event_id=request_event_id,
                order_id=decision.order_id,
                supplier_id=decision.supplier_id,
                category=decision.category,
                eligible=decision.confirmed,
                reasons=decision.eligibility.reasons,
                decided_at=at,
                event_id=event_id,
            )
        )
