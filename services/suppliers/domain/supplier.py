"""The supplier aggregate: its identity, licenses, certifications, status and scorecard counters.

A plain dataclass with behaviour; the repository maps it to and from rows. Nothing here reads
a clock: the time of a change (``at``) and the dates licenses and suspensions are judged on
(``on``, ``today``, on the ministry's calendar) are passed in.

Every change of the record is kept for its history: status changes in ``changes`` (announced as
``supplier.status_changed``), the others in ``edits`` (field changes, licenses and certifications
added or revoked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from services.suppliers.domain.contacts import Contact, contact_list
from services.suppliers.domain.errors import (
    AlreadyRevoked,
    DuplicateCertification,
    DuplicateLicense,
    DuplicateSupplier,
    HeldNotFound,
    NoValidLicense,
    SupplierExcluded,
)
from services.suppliers.domain.facts import (
    CertificationFacts,
    LicenseFacts,
    SupplierFacts,
    category_order,
)
from services.suppliers.domain.scorecard import ScorecardCounters, WaitingFacts
from services.suppliers.domain.status import ACTIONS_NEEDING_REASON, SUPPLIER, SupplierAction, SupplierStatus
from shared.errors import InvalidInput
from shared.principal import ALL_ROLES

Roles = Iterable[str] | None  # the caller's roles; None: list every action the table draws


@dataclass(frozen=True)
class License:
    """A license for one order category, valid from ``valid_from`` to ``valid_until`` inclusive."""

    id: UUID
    supplier_id: UUID
    category: str
    number: str
    valid_from: date
    valid_until: date
    created_at: datetime
    version: int = 1
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def facts(self) -> LicenseFacts:
        return LicenseFacts(self.category, self.valid_from, self.valid_until, self.number, self.revoked_at is not None)

    def entry(self) -> dict[str, Any]:
        """What the history says of it."""
        return {
            "kind": "license",
            "id": str(self.id),
            "category": self.category,
            "number": self.number,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
        }


@dataclass(frozen=True)
class Certification:
    """A certificate to a standard (``ISO 9001``, ``AQAP-2110``), valid until ``valid_until`` inclusive."""

    id: UUID
    supplier_id: UUID
    standard: str
    number: str
    valid_until: date
    created_at: datetime
    version: int = 1
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def facts(self) -> CertificationFacts:
        return CertificationFacts(self.standard, self.valid_until, self.number, self.revoked_at is not None)

    def entry(self) -> dict[str, Any]:
        return {
            "kind": "certification",
            "id": str(self.id),
            "standard": self.standard,
            "number": self.number,
            "valid_until": self.valid_until.isoformat(),
        }


@dataclass(frozen=True)
class StatusChange:
    """One move of the status, creation included (``from_status`` None), kept with its reason."""

    from_status: SupplierStatus | None
    to_status: SupplierStatus
    reason: str | None
    at: datetime


class EditKind(StrEnum):
    """The changes of a record other than its status, as its history names them."""

    UPDATED = "updated"
    LICENSE_ADDED = "license_added"
    LICENSE_REVOKED = "license_revoked"
    CERTIFICATION_ADDED = "certification_added"
    CERTIFICATION_REVOKED = "certification_revoked"


@dataclass(frozen=True)
class Edit:
    """One change of the record besides its status: ``changes`` maps each changed field to
    ``{"before", "after"}`` (JSON values); ``item`` is the license or certification concerned."""

    kind: EditKind
    status: SupplierStatus
    at: datetime
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    item: dict[str, Any] | None = None
    reason: str | None = None


# The fields `update` may change (contract section 8); identity and status are not among them.
EDITABLE = ("name", "categories", "local_content_share", "security_clearance", "contacts")

# The reason a lapsed suspension gives (contract section 8).
SUSPENSION_EXPIRED = "suspension_expired"


@dataclass
class Supplier:
    id: UUID
    name: str
    country: str
    bin: str | None
    registration_number: str | None
    categories: list[str]
    local_content_share: Decimal
    security_clearance: bool
    status: SupplierStatus
    created_at: datetime
    updated_at: datetime
    status_reason: str | None = None
    counters: ScorecardCounters = field(default_factory=ScorecardCounters)
    licenses: list[License] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    # Set while suspended with an end: the suspension lapses on this day (ministry calendar).
    suspended_until: date | None = None
    version: int = 1
    # Status changes made since the supplier was loaded: the handler announces and records them.
    changes: list[StatusChange] = field(default_factory=list, compare=False, repr=False)
    # The other changes made since it was loaded, for its history.
    edits: list[Edit] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.status = SupplierStatus(self.status)

    @classmethod
    def register(
        cls,
        id: UUID,
        *,
        name: str,
        country: str,
        bin: str | None,
        registration_number: str | None,
        categories: Iterable[str],
        local_content_share: Decimal,
        security_clearance: bool,
        at: datetime,
        contacts: Iterable[Contact] = (),
    ) -> Supplier:
        """A new supplier, ``pending`` until verified; its creation is its first status change."""
        supplier = cls(
            contacts=contact_list(contacts),
            id=id,
            name=name,
            country=country,
            bin=bin,
            registration_number=registration_number,
            categories=category_order(categories),
            local_content_share=local_content_share,
            security_clearance=security_clearance,
            status=SupplierStatus.PENDING,
            created_at=at,
            updated_at=at,
        )
        supplier.changes.append(StatusChange(None, SupplierStatus.PENDING, None, at))
        return supplier

    def duplicate(self, *, bin: str | None, country: str, registration_number: str | None) -> DuplicateSupplier:
        """The refusal of registering this supplier's identity again, naming what is shared."""
        by_bin = bin is not None and self.bin == bin
        what = f"BIN {bin}" if by_bin else f"registration number {registration_number} in {country}"
        return DuplicateSupplier(what, existing_id=str(self.id))

    # The register: licenses and certifications.

    def add_license(
        self, license_id: UUID, *, category: str, number: str, valid_from: date, valid_until: date, at: datetime
    ) -> License:
        self._refuse_if_excluded("add a license to")
        if any(held.number == number for held in self.licenses):
            raise DuplicateLicense(number)
        added = License(license_id, self.id, category, number, valid_from, valid_until, created_at=at)
        self.licenses.append(added)
        self._edited(Edit(EditKind.LICENSE_ADDED, self.status, at, item=added.entry()))
        return added

    def add_certification(
        self, certification_id: UUID, *, standard: str, number: str, valid_until: date, at: datetime
    ) -> Certification:
        self._refuse_if_excluded("add a certification to")
        if any(held.standard == standard and held.number == number for held in self.certifications):
            raise DuplicateCertification(standard, number)
        added = Certification(certification_id, self.id, standard, number, valid_until, created_at=at)
        self.certifications.append(added)
        self._edited(Edit(EditKind.CERTIFICATION_ADDED, self.status, at, item=added.entry()))
        return added

    def revoke_license(self, license_id: UUID, reason: str, *, at: datetime) -> License:
        """A revoked license never counts as valid again; its first revocation stands (409 after)."""
        index, held = _find(self.licenses, license_id, "license", self.id)
        if held.revoked_at is not None:
            raise AlreadyRevoked("license", license_id, held.revoked_at)
        revoked = replace(held, revoked_at=at, revocation_reason=_required(reason), version=held.version + 1)
        self.licenses[index] = revoked
        self._edited(Edit(EditKind.LICENSE_REVOKED, self.status, at, item=held.entry(), reason=reason))
        return revoked

    def revoke_certification(self, certification_id: UUID, reason: str, *, at: datetime) -> Certification:
        index, held = _find(self.certifications, certification_id, "certification", self.id)
        if held.revoked_at is not None:
            raise AlreadyRevoked("certification", certification_id, held.revoked_at)
        revoked = replace(held, revoked_at=at, revocation_reason=_required(reason), version=held.version + 1)
        self.certifications[index] = revoked
        self._edited(Edit(EditKind.CERTIFICATION_REVOKED, self.status, at, item=held.entry(), reason=reason))
        return revoked

    def has_valid_license(self, on: date) -> bool:
        return any(held.facts.is_valid_on(on) for held in self.licenses)

    # The record's own fields.

    def update(self, values: Mapping[str, Any], *, at: datetime) -> dict[str, dict[str, Any]]:
        """Change the editable fields given; only what really changes is kept, as ``{field: {before,
        after}}`` (empty: nothing changed, and the version stays). An excluded record is frozen."""
        unknown = set(values) - set(EDITABLE)
        if unknown:
            raise InvalidInput(sorted(unknown)[0], "this field cannot be changed")
        self._refuse_if_excluded("change")
        proposed = {name: _normalized(name, value) for name, value in values.items()}
        changes = {
            name: {"before": _json(getattr(self, name)), "after": _json(value)}
            for name, value in proposed.items()
            if value != getattr(self, name)
        }
        if changes:
            for name in changes:
                setattr(self, name, proposed[name])
            self._edited(Edit(EditKind.UPDATED, self.status, at, changes=changes))
        return changes

    # The status, by the table.

    def verify(self, on: date, *, reason: str | None = None, at: datetime, roles: Roles = None) -> None:
        """``pending`` -> ``active``; needs a license valid on ``on``.

        The table is asked first, so verifying an active supplier is a transition error, not a license error.
        """
        target = self._target(SupplierAction.VERIFY, roles)
        if not self.has_valid_license(on):
            raise NoValidLicense(
                on, current_status=self.status, allowed_actions=SUPPLIER.allowed_actions(self.status, roles)
            )
        self._become(target, reason, at)

    def suspend(
        self, reason: str, *, at: datetime, roles: Roles = None, until: date | None = None, today: date | None = None
    ) -> None:
        """``active`` -> ``suspended``; with ``until`` (a day after ``today``) the suspension lapses that day."""
        if until is not None and (today is None or until <= today):
            after = f" ({today.isoformat()})" if today else ""
            raise InvalidInput("until", f"the suspension must end after today{after} on the ministry's calendar")
        self._move(SupplierAction.SUSPEND, reason, at, roles)
        self.suspended_until = until

    def reinstate(self, reason: str | None = None, *, at: datetime, roles: Roles = None) -> None:
        self._move(SupplierAction.REINSTATE, reason, at, roles)

    def exclude(self, reason: str, *, at: datetime, roles: Roles = None) -> None:
        """Final: an excluded supplier takes no other action and no new license or certification."""
        self._move(SupplierAction.EXCLUDE, reason, at, roles)

    def suspension_lapsed(self, today: date) -> bool:
        return self.facts().status_on(today) is not self.status

    def lapse_suspension(self, today: date, *, at: datetime) -> bool:
        """Reinstate a suspension whose end has come, by the table, giving ``suspension_expired``."""
        if not self.suspension_lapsed(today):
            return False
        self._move(SupplierAction.REINSTATE, SUSPENSION_EXPIRED, at, None)
        return True

    @property
    def allowed_actions(self) -> list[str]:
        return SUPPLIER.allowed_actions(self.status)

    # The scorecard, kept from what other services tell.

    def count_award(self, at: datetime, *, waiting: WaitingFacts = WaitingFacts()) -> None:
        """A contract: one more order, and the facts of that order that were waiting for it."""
        counters = self.counters.with_award()
        for accepted in waiting.lots:
            counters = counters.with_lot(accepted=accepted)
        for _ in range(waiting.concessions):
            counters = counters.with_concession()
        for _ in range(waiting.discontinuations):
            counters = counters.with_discontinuation()
        self._count(counters, at)

    def count_lot(self, *, accepted: bool, at: datetime) -> None:
        self._count(self.counters.with_lot(accepted=accepted), at)

    def count_delivery(self, *, lots: int, on_time_lots: int, at: datetime) -> None:
        """An order delivered in ``lots`` lots, ``on_time_lots`` of them by their due dates."""
        self._count(self.counters.with_lots_delivered(lots, on_time_lots), at)

    def count_short_delivery(self, at: datetime) -> None:
        self._count(self.counters.with_short_delivery(), at)

    def count_concession(self, at: datetime) -> None:
        self._count(self.counters.with_concession(), at)

    def count_discontinuation(self, at: datetime) -> None:
        self._count(self.counters.with_discontinuation(), at)

    def facts(self) -> SupplierFacts:
        """The supplier as the eligibility rules see it."""
        return SupplierFacts(
            status=self.status,
            country=self.country,
            local_content_share=self.local_content_share,
            security_clearance=self.security_clearance,
            licenses=tuple(held.facts for held in self.licenses),
            certifications=tuple(held.facts for held in self.certifications),
            suspended_until=self.suspended_until,
        )

    def _refuse_if_excluded(self, what: str) -> None:
        if SUPPLIER.is_final(self.status):
            raise SupplierExcluded(what)

    def _target(self, action: SupplierAction, roles: Roles) -> SupplierStatus:
        return SUPPLIER.move(self.status, action, ALL_ROLES if roles is None else roles)

    def _move(self, action: SupplierAction, reason: str | None, at: datetime, roles: Roles) -> None:
        target = self._target(action, roles)
        if action in ACTIONS_NEEDING_REASON and not (reason and reason.strip()):
            raise InvalidInput("reason", f"a reason is required to {action.value} a supplier")
        self._become(target, reason, at)

    def _become(self, target: SupplierStatus, reason: str | None, at: datetime) -> None:
        self.changes.append(StatusChange(self.status, target, reason, at))
        self.status, self.status_reason = target, reason
        self.suspended_until = None  # a new status ends any suspension window
        self._touch(at)

    def _edited(self, edit: Edit) -> None:
        self.edits.append(edit)
        self._touch(edit.at)

    def _count(self, counters: ScorecardCounters, at: datetime) -> None:
        self.counters = counters
        self._touch(at)

    def _touch(self, at: datetime) -> None:
        self.version += 1
        self.updated_at = at


Held = TypeVar("Held", License, Certification)


def _find(held: list[Held], held_id: UUID, kind: str, supplier_id: UUID) -> tuple[int, Held]:
    for index, item in enumerate(held):
        if item.id == held_id:
            return index, item
    raise HeldNotFound(kind, held_id, supplier_id)


def _required(reason: str) -> str:
    if not (reason and reason.strip()):
        raise InvalidInput("reason", "a reason is required")
    return reason.strip()


def _normalized(name: str, value: Any) -> Any:
    """A proposed value as the aggregate keeps it."""
    if name == "categories":
        return category_order(value)
    if name == "contacts":
        return contact_list(value)
    if name == "local_content_share":
        return Decimal(value).quantize(Decimal("0.01"))
    return value


def _json(value: Any) -> Any:
    """A field's value as the history shows it (the body's shapes: numbers, lists, objects)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, Contact):
        return value.as_dict()
    return value
