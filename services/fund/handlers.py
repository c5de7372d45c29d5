"""One async function per command: load, let the aggregate behave, save, announce; no commit, no HTTP.

Each takes the fund's unit of work (``ports.FundUnitOfWork``) and a command from
``domain/commands.py``, and returns a domain result or raises a domain error. Days are the
ministry's (``uow.policy.today()``, ``SDO_TIMEZONE``); moments are UTC (``shared.clock``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import structlog

from services.fund.domain.commands import (
    ApproveProject,
    CheckLoans,
    CloseProject,
    CompleteMilestone,
    EndorseProject,
    GrantLoan,
    NoteEnterpriseStatus,
    RecordRepayment,
    RejectProject,
    SubmitProject,
)
from services.fund.domain.enterprise import Enterprise, check_may_apply
from services.fund.domain.errors import RepaymentInTheFuture
from services.fund.domain.lifecycle import ProjectAction, ProjectStatus
from services.fund.domain.loan import Loan, RepaymentReceipt
from services.fund.domain.project import HistoryEntry, Project, Tranche
from services.fund.ports import FundUnitOfWork
from shared import clock
from shared.errors import NotFound
from shared.events.envelope import CloudEvent
from shared.events.payloads import FundProjectEvent, FundTrancheDisbursed
from shared.events.types import EventType
from shared.versioning import Expected, check_version

log = structlog.get_logger("sdo.fund.handlers")

PROJECT = "project"
LOAN = "loan"
ENTERPRISE = "enterprise"
_A = ProjectAction


# Projects.


async def submit_project(uow: FundUnitOfWork, cmd: SubmitProject) -> Project:
    """A new project in ``submitted``, for an enterprise the registry has told the fund of."""
    project = Project.submit(
        cmd.actor,
        title=cmd.title,
        enterprise_id=cmd.enterprise_id,
        category=cmd.category,
        defense_need=cmd.defense_need,
        order_ids=cmd.order_ids,
        budget=cmd.budget,
        local_content_target=cmd.local_content_target,
        milestones=cmd.milestones,
        on=uow.policy.today(),
        at=clock.now(),
    )
    check_may_apply(project.enterprise_id, await uow.enterprises.get(project.enterprise_id))
    await uow.projects.add(project)
    await _history(uow, project, _A.SUBMIT, None)
    uow.record(f"{PROJECT}.{_A.SUBMIT}", PROJECT, project.id, _submission(project))
    return project


async def endorse_project(uow: FundUnitOfWork, cmd: EndorseProject) -> Project:
    """The Ministry of Defense confirms the defense need (``mod_officer`` only: the domain reads the token)."""
    project = await _for_change(uow, cmd.project_id, cmd.expected)
    before = project.status
    project.endorse(cmd.actor, clock.now())
    return await _moved(uow, project, _A.ENDORSE, before)


async def approve_project(uow: FundUnitOfWork, cmd: ApproveProject) -> Project:
    """An endorsed project of an active enterprise; ``fund.project_approved`` tells the orders service."""
    project = await _for_change(uow, cmd.project_id, cmd.expected)
    enterprise = await uow.enterprises.get(project.enterprise_id)
    before = project.status
    project.approve(cmd.actor, enterprise.status if enterprise else None, clock.now())
    event = uow.emit(EventType.FUND_PROJECT_APPROVED, project.id, project_event(project))
    return await _moved(uow, project, _A.APPROVE, before, event=event)


async def reject_project(uow: FundUnitOfWork, cmd: RejectProject) -> Project:
    project = await _for_change(uow, cmd.project_id, cmd.expected)
    before = project.status
    project.reject(cmd.actor, cmd.reason, clock.now())
    return await _moved(uow, project, _A.REJECT, before, reason=project.end_reason)


async def close_project(uow: FundUnitOfWork, cmd: CloseProject) -> Project:
    """No more tranches or loans; loans granted run on. ``fund.project_closed`` tells the orders service."""
    project = await _for_change(uow, cmd.project_id, cmd.expected)
    before = project.status
    project.close(cmd.actor, cmd.reason, clock.now())
    event = uow.emit(EventType.FUND_PROJECT_CLOSED, project.id, project_event(project))
    return await _moved(uow, project, _A.CLOSE, before, reason=project.end_reason, event=event)


async def complete_milestone(uow: FundUnitOfWork, cmd: CompleteMilestone) -> Project:
    """Milestone ``n`` done with its evidence: its tranche is disbursed, once (``fund.tranche_disbursed``)."""
    project = await _for_change(uow, cmd.project_id, cmd.expected)
    tranche = project.complete_milestone(cmd.actor, cmd.n, cmd.evidence, cmd.on or uow.policy.today())
    event = uow.emit(EventType.FUND_TRANCHE_DISBURSED, project.id, tranche_event(project, tranche))
    reason = f"milestone {tranche.milestone} ({tranche.name}): tranche of {tranche.amount} KZT"
    await _save(uow, project, _A.COMPLETE_MILESTONE, project.status, reason=reason, event=event)
    details = {
        "milestone": tranche.milestone,
        "amount_kzt": str(tranche.amount),
        "disbursed_kzt": str(tranche.disbursed_total),
        "evidence": tranche.evidence,
        "completed_on": tranche.disbursed_on.isoformat(),
    }
    uow.record(f"{PROJECT}.{_A.COMPLETE_MILESTONE}", PROJECT, project.id, details)
    return project


# Loans.


async def grant_loan(uow: FundUnitOfWork, cmd: GrantLoan) -> Loan:
    """A loan to the project's enterprise within the budget not yet lent, at most ``SDO_FUND_MAX_RATE``."""
    project = await _for_change(uow, cmd.project_id, cmd.expected)
    today = uow.policy.today()
    loan = project.grant_loan(
        cmd.actor,
        principal=cmd.principal,
        annual_rate=cmd.annual_rate,
        term_months=cmd.term_months,
        grace_months=cmd.grace_months,
        start=cmd.start_date or today,
        at=clock.now(),
        max_rate=uow.policy.max_rate,
        today=today,
    )
    loan.updated_at = loan.granted_at
    await uow.loans.add(loan)
    reason = f"loan {loan.id} of {loan.principal} KZT"
    await _save(uow, project, _A.GRANT_LOAN, project.status, reason=reason)
    details = {
        "loan_id": str(loan.id),
        "project_id": str(project.id),
        "principal_kzt": str(loan.principal),
        "annual_rate": str(loan.annual_rate),
        "term_months": loan.term_months,
        "grace_months": loan.grace_months,
        "start_date": loan.start_date.isoformat(),
        "lent_kzt": str(project.lent),
    }
    uow.record(f"{LOAN}.grant", LOAN, loan.id, details)
    return loan


async def record_repayment(uow: FundUnitOfWork, cmd: RecordRepayment) -> tuple[Loan, RepaymentReceipt]:
    """Money received on the loan; a payment after a due date with arrears left marks the loan ``overdue``."""
    loan = await uow.loans.get_for_change(cmd.loan_id)
    if loan is None:
        raise _no_loan(cmd.loan_id)
    check_version(cmd.expected, loan.version)
    today = uow.policy.today()
    on = cmd.on or today
    if on > today:
        raise RepaymentInTheFuture(on, today)
    before = loan.status
    receipt = loan.repay(cmd.actor, cmd.amount, on, clock.now())
    if on < today:
        # Paid earlier than it is recorded: the loan stands as the ledger says today.
        loan.refresh_status(today)
    loan.updated_at = clock.now()
    await uow.loans.save(loan)
    details = {
        "seq": receipt.seq,
        "on": on.isoformat(),
        "amount_kzt": str(receipt.amount),
        "from_status": before.value,
        "to_status": loan.status.value,
        "remaining_kzt": str(receipt.remaining),
    }
    uow.record(f"{LOAN}.repay", LOAN, loan.id, details)
    return loan, receipt


@dataclass(frozen=True)
class LoansChecked:
    """One batch of the background check: how many loans it looked at, the last id, those that changed."""

    looked_at: int
    last_id: UUID | None
    changed: list[UUID] = field(default_factory=list)


async def check_loans(uow: FundUnitOfWork, cmd: CheckLoans) -> LoansChecked:
    """The background check: each open loan takes the status its ledger gives on ``cmd.on``.

    The caller asks for the next batch after ``last_id``; loans whose status changed are saved and audited.
    """
    loans = await uow.loans.open_for_change(cmd.after, cmd.limit)
    changed = []
    for loan in loans:
        before = loan.status
        if loan.refresh_status(cmd.on):
            loan.updated_at = clock.now()
            await uow.loans.save(loan)
            details = {
                "from_status": before.value,
                "to_status": loan.status.value,
                "on": cmd.on.isoformat(),
                "arrears_kzt": str(loan.arrears_on(cmd.on)),
            }
            uow.record(f"{LOAN}.check", LOAN, loan.id, details)
            changed.append(loan.id)
    return LoansChecked(len(loans), loans[-1].id if loans else None, changed)


# Facts the registry tells.


async def note_enterprise_status(uow: FundUnitOfWork, cmd: NoteEnterpriseStatus) -> Enterprise | None:
    """Keep the enterprise's latest announced status; a late announcement of an older one changes nothing."""
    known = await uow.enterprises.get_for_change(cmd.enterprise_id)
    if known is None:
        known = Enterprise.first_heard(cmd.enterprise_id, cmd.new_status, cmd.announced_at, cmd.event_id, cmd.reason)
        await uow.enterprises.add(known)
    elif known.learn(cmd.new_status, cmd.announced_at, cmd.event_id, cmd.reason):
        await uow.enterprises.save(known)
    else:
        log.info(
            "stale_enterprise_status_ignored",
            enterprise_id=str(cmd.enterprise_id),
            announced=cmd.new_status,
            kept=known.status,
        )
        return None
    details = {
        "old_status": cmd.old_status,
        "new_status": cmd.new_status,
        "reason": cmd.reason,
        "event_id": str(cmd.event_id),
    }
    uow.record(f"{ENTERPRISE}.status_noted", ENTERPRISE, cmd.enterprise_id, details)
    return known


# The events, in one place.


def project_event(project: Project) -> FundProjectEvent:
    return FundProjectEvent(
        project_id=project.id,
        enterprise_id=project.enterprise_id,
        category=project.category.value,
        status=project.status.value,
        budget_kzt=project.budget,
        order_ids=list(project.order_ids),
    )


def tranche_event(project: Project, tranche: Tranche) -> FundTrancheDisbursed:
    return FundTrancheDisbursed(
        **project_event(project).model_dump(),
        milestone=tranche.milestone,
        amount_kzt=tranche.amount,
        disbursed_kzt=tranche.disbursed_total,
    )


# Helpers.


def _no_project(project_id: UUID) -> NotFound:
    return NotFound(f"No project {project_id}.")


def _no_loan(loan_id: UUID) -> NotFound:
    return NotFound(f"No loan {loan_id}.")


async def _for_change(uow: FundUnitOfWork, project_id: UUID, expected: Expected | None) -> Project:
    project = await uow.projects.get_for_change(project_id)
    if project is None:
        raise _no_project(project_id)
    check_version(expected, project.version)
    return project


async def _moved(
    uow: FundUnitOfWork,
    project: Project,
    action: ProjectAction,
    before: ProjectStatus,
    *,
    reason: str | None = None,
    event: CloudEvent | None = None,
) -> Project:
    await _save(uow, project, action, before, reason=reason, event=event)
    details = {"from_status": before.value, "to_status": project.status.value, "reason": reason}
    uow.record(f"{PROJECT}.{action}", PROJECT, project.id, details)
    return project


async def _save(
    uow: FundUnitOfWork,
    project: Project,
    action: ProjectAction,
    before: ProjectStatus,
    *,
    reason: str | None = None,
    event: CloudEvent | None = None,
) -> None:
    project.updated_at = clock.now()
    await uow.projects.save(project)
    await _history(uow, project, action, before, reason=reason, event=event)


async def _history(
    uow: FundUnitOfWork,
    project: Project,
    action: ProjectAction,
    before: ProjectStatus | None,
    *,
    reason: str | None = None,
    event: CloudEvent | None = None,
) -> None:
    entry = HistoryEntry(
        action=action.value,
        from_status=before,
        to_status=project.status,
        at=project.updated_at or clock.now(),
        actor=uow.actor,
        reason=reason,
        event_id=event.id if event else None,
    )
    await uow.projects.add_history(project.id, entry)


def _submission(project: Project) -> dict[str, Any]:
    """What was submitted, as JSON values, for the audit entry (which names the actor itself)."""

    def value(item: Any) -> Any:
        return str(item) if isinstance(item, Decimal | date | UUID) else item

    return {
        "title": project.title,
        "enterprise_id": str(project.enterprise_id),
        "category": project.category.value,
        "budget_kzt": str(project.budget),
        "local_content_target": str(project.local_content_target),
        "order_ids": [str(o) for o in project.order_ids],
        "milestones": [
            {"n": m.n, "name": m.name, "due_date": value(m.due_date), "amount_kzt": value(m.amount)}
            for m in project.milestones
        ],
    }
