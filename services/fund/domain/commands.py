"""The commands of contract section 9, as the handlers receive them.

Plain frozen dataclasses: the API builds them from a request, an event consumer or a test builds
them directly. Amounts are ``Decimal`` in KZT (the API has already refused another currency);
``actor`` is who asks; ``expected`` is the version the caller last saw (``If-Match``), or None.
Days (``on``, ``start_date``) are on the ministry's calendar; None lets the handler use today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from services.fund.domain.category import ProjectCategory
from services.fund.domain.project import MilestonePlan
from shared.principal import Principal
from shared.versioning import Expected


@dataclass(frozen=True)
class SubmitProject:
    title: str
    enterprise_id: UUID
    category: ProjectCategory
    defense_need: str
    order_ids: tuple[UUID, ...]
    budget: Decimal
    local_content_target: Decimal
    milestones: tuple[MilestonePlan, ...]
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class EndorseProject:
    project_id: UUID
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class ApproveProject:
    project_id: UUID
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class RejectProject:
    project_id: UUID
    reason: str
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class CloseProject:
    project_id: UUID
    reason: str
    actor: Principal
    expected: Expected | None = None


@dataclass(frozen=True)
class CompleteMilestone:
    project_id: UUID
    n: int
    evidence: str
    actor: Principal
    expected: Expected | None = None
    on: date | None = None


@dataclass(frozen=True)
class GrantLoan:
    project_id: UUID
    principal: Decimal
    annual_rate: Decimal
    term_months: int
    grace_months: int
    actor: Principal
    expected: Expected | None = None
    start_date: date | None = None


@dataclass(frozen=True)
class RecordRepayment:
    loan_id: UUID
    amount: Decimal
    actor: Principal
    expected: Expected | None = None
    on: date | None = None


@dataclass(frozen=True)
class NoteEnterpriseStatus:
    """The registry announced an enterprise's status (``kz.sdo.supplier.status_changed.v1``)."""

    enterprise_id: UUID
    old_status: str | None
    new_status: str
    reason: str | None
    announced_at: datetime
    event_id: UUID


@dataclass(frozen=True)
class CheckLoans:
    """The background check: set each open loan's status from its ledger on ``on`` (the ministry's today).

    ``after`` and ``limit`` take the open loans a batch at a time, in id order.
    """

    on: date
    after: UUID | None = None
    limit: int = 100
