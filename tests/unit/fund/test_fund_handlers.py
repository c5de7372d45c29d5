"""The rules of each fund command and consumed event, on the fake unit of work: no app, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.fund import consumers, handlers
from services.fund.domain.category import ProjectCategory
from services.fund.domain.commands import (
    ApproveProject,
    CheckLoans,
    CloseProject,
    CompleteMilestone,
    EndorseProject,
    GrantLoan,
    RecordRepayment,
    RejectProject,
    SubmitProject,
)
from services.fund.domain.enterprise import Enterprise
from services.fund.domain.errors import (
    ActionNotPermitted,
    EnterpriseExcluded,
    EnterpriseNotActive,
    EnterpriseUnknown,
    LoanStartOutOfRange,
    PrincipalAboveAvailable,
    ProjectNotApproved,
    ProjectNotEndorsed,
    RepaymentInTheFuture,
    TrancheAlreadyDisbursed,
)
from services.fund.domain.lifecycle import LoanStatus, ProjectStatus
from services.fund.domain.loan import Loan
from services.fund.domain.project import MilestonePlan, Project
from services.fund.ports import Policy
from shared import clock
from shared.errors import InvalidInput, NotFound, StaleVersion
from shared.events.envelope import CloudEvent
from shared.events.payloads import SupplierStatusChanged
from shared.events.types import EventType
from shared.principal import Principal, Role
from shared.versioning import Expected
from tests.unit.fund.fakes import FakeFundUnitOfWork

D = Decimal
# 20:30 UTC on 1 March is already 2 March in Almaty (UTC+5): the fund's days are the ministry's.
NOW = datetime(2026, 3, 1, 20, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
OFFICER = Principal("fund-officer", frozenset({Role.FUND_OFFICER}))
MOD = Principal("mod-officer", frozenset({Role.MOD_OFFICER}))
INTEGRATION = Principal("ministry-system", frozenset({Role.INTEGRATION}))
S = ProjectStatus


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only "now" is fixed: "today" is computed from it on the calendar the policy names.
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def uow() -> FakeFundUnitOfWork:
    return FakeFundUnitOfWork()


def an_enterprise(uow: FakeFundUnitOfWork, status: str = "active") -> UUID:
    enterprise_id = uuid4()
    uow.enterprises.put(Enterprise(enterprise_id, status, NOW - timedelta(days=30), uuid4()))
    return enterprise_id


def submission(enterprise_id: UUID, **overrides: Any) -> SubmitProject:
    fields: dict[str, Any] = {
        "title": "Overhaul line for T-72 engines",
        "enterprise_id": enterprise_id,
        "category": ProjectCategory.REPAIR,
        "defense_need": "Restores the repair capacity of the armoured units' engines.",
        "order_ids": (),
        "budget": D("300000000.00"),
        "local_content_target": D("60"),
        "milestones": (
            MilestonePlan("Tooling installed", date(2026, 6, 1), D("100000000.00")),
            MilestonePlan("First engine overhauled", date(2026, 12, 1), D("200000000.00")),
        ),
        "actor": OFFICER,
    }
    return SubmitProject(**{**fields, **overrides})


async def a_project(uow: FakeFundUnitOfWork, status: ProjectStatus = S.SUBMITTED, **overrides: Any) -> Project:
    """Arrange: a project of an active enterprise, moved on to ``status`` through the handlers."""
    project = await handlers.submit_project(uow, submission(an_enterprise(uow), **overrides))
    if status in (S.ENDORSED, S.APPROVED, S.CLOSED):
        project = await handlers.endorse_project(uow, EndorseProject(project.id, MOD))
    if status in (S.APPROVED, S.CLOSED):
        project = await handlers.approve_project(uow, ApproveProject(project.id, OFFICER))
    if status is S.CLOSED:
        project = await handlers.close_project(uow, CloseProject(project.id, "work completed", OFFICER))
    if status is S.REJECTED:
        project = await handlers.reject_project(uow, RejectProject(project.id, "not needed", OFFICER))
    uow.events.clear()
    uow.audit.clear()
    return project


def grant(project: Project, **overrides: Any) -> GrantLoan:
    fields: dict[str, Any] = {
        "project_id": project.id,
        "principal": D("1200.00"),
        "annual_rate": D("3"),
        "term_months": 3,
        "grace_months": 0,
        "actor": OFFICER,
    }
    return GrantLoan(**{**fields, **overrides})


async def a_loan(uow: FakeFundUnitOfWork, **overrides: Any) -> Loan:
    """Arrange: a loan of a project submitted at the start of the year (so a loan may start in January)."""
    project = await a_project(uow, S.APPROVED)
    uow.projects.stored[project.id].submitted_on = date(2026, 1, 1)
    loan = await handlers.grant_loan(uow, grant(project, **overrides))
    uow.audit.clear()
    return loan


# Submission.


async def test_a_submitted_project_is_kept_with_its_milestones_history_and_audit_on_the_ministrys_day(
    uow: FakeFundUnitOfWork,
) -> None:
    project = await handlers.submit_project(uow, submission(an_enterprise(uow)))

    stored = uow.projects.stored[project.id]
    assert (stored.status, stored.version, stored.submitted_on, stored.submitted_at) == (S.SUBMITTED, 1, TODAY, NOW)
    assert [(m.n, m.amount) for m in stored.milestones] == [(1, D("100000000.00")), (2, D("200000000.00"))]
    assert uow.projects.actions(project.id) == ["submit"]
    assert uow.projects.history[project.id][0].from_status is None
    assert uow.audit_actions() == ["project.submit"]
    assert uow.audit[0].details["budget_kzt"] == "300000000.00"
    assert uow.events == []


async def test_a_project_for_an_enterprise_the_fund_never_heard_of_is_refused(uow: FakeFundUnitOfWork) -> None:
    with pytest.raises(EnterpriseUnknown) as caught:
        await handlers.submit_project(uow, submission(uuid4()))

    assert caught.value.code == "enterprise_unknown"
    assert uow.projects.stored == {}
    assert uow.audit == []


async def test_a_project_for_an_excluded_enterprise_is_refused(uow: FakeFundUnitOfWork) -> None:
    with pytest.raises(EnterpriseExcluded):
        await handlers.submit_project(uow, submission(an_enterprise(uow, "excluded")))

    assert uow.projects.stored == {}


async def test_a_pending_enterprise_may_submit_a_project(uow: FakeFundUnitOfWork) -> None:
    project = await handlers.submit_project(uow, submission(an_enterprise(uow, "pending")))

    assert project.status is S.SUBMITTED


async def test_milestones_that_miss_the_budget_are_refused_before_the_enterprise_is_judged(
    uow: FakeFundUnitOfWork,
) -> None:
    plans = (MilestonePlan("Tooling installed", date(2026, 6, 1), D("1.00")),)

    with pytest.raises(InvalidInput) as caught:
        await handlers.submit_project(uow, submission(uuid4(), milestones=plans))

    assert [e["field"] for e in caught.value.errors] == ["milestones"]
    assert uow.projects.stored == {}


async def test_a_milestone_due_before_the_ministrys_today_is_refused(uow: FakeFundUnitOfWork) -> None:
    # 1 March is still today in UTC, but already yesterday in Almaty.
    plans = (
        MilestonePlan("Tooling installed", date(2026, 3, 1), D("100000000.00")),
        MilestonePlan("First engine overhauled", date(2026, 12, 1), D("200000000.00")),
    )

    with pytest.raises(InvalidInput) as caught:
        await handlers.submit_project(uow, submission(an_enterprise(uow), milestones=plans))

    assert [e["field"] for e in caught.value.errors] == ["milestones[0].due_date"]


# Endorsement, approval, rejection, closing.


async def test_only_the_ministry_of_defense_endorses_not_even_integration(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow)

    for actor in (OFFICER, INTEGRATION):
        with pytest.raises(ActionNotPermitted) as caught:
            await handlers.endorse_project(uow, EndorseProject(project.id, actor))
        assert caught.value.details["allowed_roles"] == ["mod_officer"]

    assert uow.projects.stored[project.id].status is S.SUBMITTED
    assert uow.audit == []


async def test_the_endorsement_names_who_endorsed_and_when(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow)

    endorsed = await handlers.endorse_project(uow, EndorseProject(project.id, MOD, Expected(frozenset({1}))))

    assert (endorsed.status, endorsed.version, endorsed.endorsed_by, endorsed.endorsed_at) == (
        S.ENDORSED,
        2,
        "mod-officer",
        NOW,
    )
    assert uow.projects.stored[project.id] == endorsed
    assert uow.projects.actions(project.id) == ["submit", "endorse"]
    assert uow.audit_actions() == ["project.endorse"]
    assert uow.events == []


async def test_a_stale_if_match_is_refused_and_nothing_changes(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow)

    with pytest.raises(StaleVersion):
        await handlers.endorse_project(uow, EndorseProject(project.id, MOD, Expected(frozenset({7}), raw='"7"')))

    assert uow.projects.stored[project.id].status is S.SUBMITTED


async def test_an_unknown_project_is_not_found(uow: FakeFundUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await handlers.approve_project(uow, ApproveProject(uuid4(), OFFICER))


async def test_approval_of_an_endorsed_project_of_an_active_enterprise_tells_the_orders_service(
    uow: FakeFundUnitOfWork,
) -> None:
    order_id = uuid4()
    project = await a_project(uow, S.ENDORSED, order_ids=(order_id,))

    approved = await handlers.approve_project(uow, ApproveProject(project.id, INTEGRATION))

    assert (approved.status, approved.approved_by) == (S.APPROVED, "ministry-system")
    assert uow.event_types() == [EventType.FUND_PROJECT_APPROVED]
    assert uow.events[0].subject == str(project.id)
    assert uow.events[0].data == {
        "project_id": str(project.id),
        "enterprise_id": str(project.enterprise_id),
        "category": "repair",
        "status": "approved",
        "budget_kzt": "300000000.00",
        "order_ids": [str(order_id)],
    }
    assert uow.projects.history[project.id][-1].event_id == uow.events[0].id


async def test_approval_before_the_endorsement_is_refused_as_not_endorsed(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow)

    with pytest.raises(ProjectNotEndorsed) as caught:
        await handlers.approve_project(uow, ApproveProject(project.id, OFFICER))

    assert caught.value.current_status == "submitted"
    assert uow.events == []


@pytest.mark.parametrize("status", ["pending", "suspended", "excluded"])
async def test_approval_of_an_enterprise_that_is_not_active_names_its_status(
    uow: FakeFundUnitOfWork, status: str
) -> None:
    project = await a_project(uow, S.ENDORSED)
    uow.enterprises.put(Enterprise(project.enterprise_id, status, NOW, uuid4()))

    with pytest.raises(EnterpriseNotActive) as caught:
        await handlers.approve_project(uow, ApproveProject(project.id, OFFICER))

    assert caught.value.details["enterprise_status"] == status
    assert uow.projects.stored[project.id].status is S.ENDORSED
    assert uow.events == []


async def test_approval_of_an_enterprise_the_fund_no_longer_knows_is_refused(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow, S.ENDORSED)
    del uow.enterprises.stored[project.enterprise_id]

    with pytest.raises(EnterpriseUnknown):
        await handlers.approve_project(uow, ApproveProject(project.id, OFFICER))


async def test_a_rejection_keeps_its_reason_and_is_final(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow, S.ENDORSED)

    rejected = await handlers.reject_project(uow, RejectProject(project.id, "  duplicates project 12 ", OFFICER))

    assert (rejected.status, rejected.end_reason, rejected.ended_by) == (
        S.REJECTED,
        "duplicates project 12",
        "fund-officer",
    )
    assert uow.projects.history[project.id][-1].reason == "duplicates project 12"
    assert uow.audit[0].details == {
        "from_status": "endorsed",
        "to_status": "rejected",
        "reason": "duplicates project 12",
    }
    assert uow.events == []


async def test_closing_an_approved_project_tells_the_orders_service(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow, S.APPROVED)

    closed = await handlers.close_project(uow, CloseProject(project.id, "work completed", OFFICER))

    assert closed.status is S.CLOSED
    assert uow.event_types() == [EventType.FUND_PROJECT_CLOSED]
    assert uow.events[0].data["status"] == "closed"


async def test_closing_without_a_reason_is_refused_naming_the_field(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow, S.APPROVED)

    with pytest.raises(InvalidInput) as caught:
        await handlers.close_project(uow, CloseProject(project.id, "   ", OFFICER))

    assert caught.value.field == "reason"
    assert uow.projects.stored[project.id].status is S.APPROVED
    assert uow.events == []


# Milestones and tranches.


async def test_a_completed_milestone_disburses_its_tranche_once(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow, S.APPROVED)

    done = await handlers.complete_milestone(uow, CompleteMilestone(project.id, 1, "Acceptance act 14", OFFICER))
    with pytest.raises(TrancheAlreadyDisbursed):
        await handlers.complete_milestone(uow, CompleteMilestone(project.id, 1, "again", OFFICER))

    assert done.disbursed == D("100000000.00")
    assert (done.milestones[0].completed_on, done.milestones[0].evidence) == (TODAY, "Acceptance act 14")
    assert uow.event_types() == [EventType.FUND_TRANCHE_DISBURSED]
    assert uow.events[0].data == {
        "project_id": str(project.id),
        "enterprise_id": str(project.enterprise_id),
        "category": "repair",
        "status": "approved",
        "budget_kzt": "300000000.00",
        "order_ids": [],
        "milestone": 1,
        "amount_kzt": "100000000.00",
        "disbursed_kzt": "100000000.00",
    }
    assert uow.projects.stored[project.id].disbursed == D("100000000.00")
    assert uow.projects.actions(project.id)[-1] == "complete-milestone"
    assert uow.audit_actions() == ["project.complete-milestone"]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ENDORSED, S.CLOSED, S.REJECTED])
async def test_no_tranche_is_disbursed_unless_the_project_is_approved(
    uow: FakeFundUnitOfWork, status: ProjectStatus
) -> None:
    project = await a_project(uow, status)

    with pytest.raises(ProjectNotApproved):
        await handlers.complete_milestone(uow, CompleteMilestone(project.id, 1, "Acceptance act 14", OFFICER))

    assert uow.events == []


async def test_a_milestone_the_project_does_not_have_is_not_found(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow, S.APPROVED)

    with pytest.raises(NotFound):
        await handlers.complete_milestone(uow, CompleteMilestone(project.id, 3, "Acceptance act 14", OFFICER))


# Loans.


async def test_a_loan_within_the_budget_is_granted_from_the_ministrys_today_and_counted_as_lent(
    uow: FakeFundUnitOfWork,
) -> None:
    project = await a_project(uow, S.APPROVED)

    loan = await handlers.grant_loan(uow, grant(project, principal=D("100000000.00"), grace_months=1))

    assert (loan.status, loan.start_date, loan.granted_at, loan.version) == (LoanStatus.ACTIVE, TODAY, NOW, 1)
    assert uow.loans.stored[loan.id] == loan
    stored = uow.projects.stored[project.id]
    assert (stored.lent, stored.available_to_lend, stored.version) == (D("100000000.00"), D("200000000.00"), 4)
    assert uow.projects.actions(project.id)[-1] == "grant-loan"
    assert uow.audit_actions() == ["loan.grant"]
    assert uow.audit[0].details["principal_kzt"] == "100000000.00"
    assert uow.events == []


async def test_a_loan_above_the_budget_not_yet_lent_is_refused_naming_what_is_left(uow: FakeFundUnitOfWork) -> None:
    project = await a_project(uow, S.APPROVED)
    await handlers.grant_loan(uow, grant(project, principal=D("250000000.00")))

    with pytest.raises(PrincipalAboveAvailable) as caught:
        await handlers.grant_loan(uow, grant(project, principal=D("50000000.01")))

    assert caught.value.details == {"available": "50000000.00"}
    assert len(uow.loans.stored) == 1


async def test_the_rate_cap_is_the_policys(uow: FakeFundUnitOfWork) -> None:
    uow.policy = Policy(max_rate=D("2.5"), timezone="Asia/Almaty")
    project = await a_project(uow, S.APPROVED)

    with pytest.raises(InvalidInput) as caught:
        await handlers.grant_loan(uow, grant(project, annual_rate=D("2.51")))
    loan = await handlers.grant_loan(uow, grant(project, annual_rate=D("2.5")))

    assert caught.value.field == "annual_rate"
    assert loan.annual_rate == D("2.5")


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ENDORSED, S.CLOSED, S.REJECTED])
async def test_no_loan_is_granted_unless_the_project_is_approved(
    uow: FakeFundUnitOfWork, status: ProjectStatus
) -> None:
    project = await a_project(uow, status)

    with pytest.raises(ProjectNotApproved):
        await handlers.grant_loan(uow, grant(project))

    assert uow.loans.stored == {}


async def test_a_loan_may_start_from_an_earlier_agreement_but_not_before_the_submission(
    uow: FakeFundUnitOfWork,
) -> None:
    project = await a_project(uow, S.APPROVED)
    uow.projects.stored[project.id].submitted_on = date(2026, 1, 10)

    earlier = await handlers.grant_loan(uow, grant(project, start_date=date(2026, 1, 10)))
    with pytest.raises(LoanStartOutOfRange):
        await handlers.grant_loan(uow, grant(project, start_date=date(2026, 1, 9)))
    with pytest.raises(LoanStartOutOfRange):
        await handlers.grant_loan(uow, grant(project, start_date=TODAY + timedelta(days=367)))

    assert earlier.start_date == date(2026, 1, 10)
    assert len(uow.loans.stored) == 1


async def test_a_repayment_pays_the_oldest_installment_and_is_audited(uow: FakeFundUnitOfWork) -> None:
    loan = await a_loan(uow)
    first_payment = loan.installments[0].payment

    stored, receipt = await handlers.record_repayment(uow, RecordRepayment(loan.id, first_payment, OFFICER))

    assert (receipt.seq, receipt.on, receipt.status, receipt.arrears) == (1, TODAY, LoanStatus.ACTIVE, D("0.00"))
    assert [a.month for a in receipt.allocations] == [1]
    assert uow.loans.stored[loan.id].repayments[0].recorded_by == "fund-officer"
    assert (stored.version, uow.loans.stored[loan.id].version) == (2, 2)
    assert uow.audit_actions() == ["loan.repay"]
    assert uow.audit[0].details["remaining_kzt"] == str(loan.total_due - first_payment)


async def test_a_repayment_dated_after_the_ministrys_today_is_refused(uow: FakeFundUnitOfWork) -> None:
    loan = await a_loan(uow)

    with pytest.raises(RepaymentInTheFuture):
        await handlers.record_repayment(
            uow, RecordRepayment(loan.id, D("10.00"), OFFICER, on=TODAY + timedelta(days=1))
        )

    assert uow.loans.stored[loan.id].repayments == []


async def test_a_payment_past_due_that_leaves_arrears_marks_the_loan_overdue(uow: FakeFundUnitOfWork) -> None:
    loan = await a_loan(uow, start_date=date(2026, 1, 10))  # first installment due 10 February

    _, receipt = await handlers.record_repayment(uow, RecordRepayment(loan.id, D("100.00"), OFFICER))

    assert receipt.status is LoanStatus.OVERDUE
    assert uow.loans.stored[loan.id].status is LoanStatus.OVERDUE


async def test_a_payment_recorded_after_its_value_date_leaves_the_loan_as_it_stands_today(
    uow: FakeFundUnitOfWork,
) -> None:
    # Both installments due 10 February and 10 March; paid in full on 9 February, recorded 2 March.
    loan = await a_loan(uow, start_date=date(2026, 1, 10))
    first = loan.installments[0].payment

    stored, receipt = await handlers.record_repayment(
        uow, RecordRepayment(loan.id, first, OFFICER, on=date(2026, 2, 9))
    )

    assert (receipt.on, receipt.status, stored.status) == (date(2026, 2, 9), LoanStatus.ACTIVE, LoanStatus.ACTIVE)


async def test_a_stale_if_match_on_a_loan_is_refused(uow: FakeFundUnitOfWork) -> None:
    loan = await a_loan(uow)

    with pytest.raises(StaleVersion):
        await handlers.record_repayment(uow, RecordRepayment(loan.id, D("1.00"), OFFICER, Expected(frozenset({2}))))
    with pytest.raises(NotFound):
        await handlers.record_repayment(uow, RecordRepayment(uuid4(), D("1.00"), OFFICER))


# The background check.


async def test_the_check_marks_loans_with_an_installment_past_due_overdue_once(uow: FakeFundUnitOfWork) -> None:
    late = await a_loan(uow, start_date=date(2026, 1, 10))
    current = await a_loan(uow)

    first = await handlers.check_loans(uow, CheckLoans(TODAY))
    second = await handlers.check_loans(uow, CheckLoans(TODAY))

    assert first.changed == [late.id]
    assert (first.looked_at, second.changed) == (2, [])
    assert uow.loans.stored[late.id].status is LoanStatus.OVERDUE
    assert uow.loans.stored[late.id].version == 2
    assert uow.loans.stored[current.id].status is LoanStatus.ACTIVE
    assert uow.audit_actions() == ["loan.check"]
    assert uow.audit[0].details == {
        "from_status": "active",
        "to_status": "overdue",
        "on": "2026-03-02",
        "arrears_kzt": str(late.installments[0].payment),
    }


async def test_the_check_sets_a_loan_whose_arrears_were_paid_active_again(uow: FakeFundUnitOfWork) -> None:
    loan = await a_loan(uow, start_date=date(2026, 1, 10))
    await handlers.check_loans(uow, CheckLoans(date(2026, 2, 11)))
    assert uow.loans.stored[loan.id].status is LoanStatus.OVERDUE

    await handlers.record_repayment(uow, RecordRepayment(loan.id, loan.installments[0].payment, OFFICER))

    assert uow.loans.stored[loan.id].status is LoanStatus.ACTIVE


async def test_the_check_walks_the_open_loans_a_batch_at_a_time(uow: FakeFundUnitOfWork) -> None:
    loans = [await a_loan(uow, start_date=date(2026, 1, 10)) for _ in range(3)]

    first = await handlers.check_loans(uow, CheckLoans(TODAY, limit=2))
    rest = await handlers.check_loans(uow, CheckLoans(TODAY, after=first.last_id, limit=2))

    assert (first.looked_at, rest.looked_at) == (2, 1)
    assert sorted(first.changed + rest.changed) == sorted(loan.id for loan in loans)


# What the registry tells.


def status_changed(
    enterprise_id: UUID, old: str | None, new: str, at: datetime
) -> tuple[CloudEvent, SupplierStatusChanged]:
    payload = SupplierStatusChanged(supplier_id=enterprise_id, old_status=old, new_status=new, reason=None)
    event = CloudEvent(
        source="sdo/suppliers",
        type=EventType.SUPPLIER_STATUS_CHANGED,
        subject=str(enterprise_id),
        data=payload.model_dump(mode="json"),
        time=at,
    )
    return event, payload


async def test_a_registration_makes_the_enterprise_known_as_pending(uow: FakeFundUnitOfWork) -> None:
    enterprise_id = uuid4()
    event, payload = status_changed(enterprise_id, None, "pending", NOW)

    await consumers.on_supplier_status_changed(event, payload, uow)

    known = uow.enterprises.stored[enterprise_id]
    assert (known.status, known.as_of, known.event_id, known.version) == ("pending", NOW, event.id, 1)
    assert uow.audit_actions() == ["enterprise.status_noted"]


async def test_a_later_announcement_replaces_the_status_and_an_older_one_arriving_late_changes_nothing(
    uow: FakeFundUnitOfWork,
) -> None:
    enterprise_id = uuid4()
    registered = status_changed(enterprise_id, None, "pending", NOW - timedelta(minutes=2))
    verified = status_changed(enterprise_id, "pending", "active", NOW - timedelta(minutes=1))

    await consumers.on_supplier_status_changed(*verified, uow)
    await consumers.on_supplier_status_changed(*registered, uow)

    known = uow.enterprises.stored[enterprise_id]
    assert (known.status, known.event_id) == ("active", verified[0].id)
    assert uow.audit_actions() == ["enterprise.status_noted"]


async def test_approval_follows_the_registry_once_it_announces_the_enterprise_active(uow: FakeFundUnitOfWork) -> None:
    enterprise_id = uuid4()
    await consumers.on_supplier_status_changed(*status_changed(enterprise_id, None, "pending", NOW), uow)
    project = await handlers.submit_project(uow, submission(enterprise_id))
    await handlers.endorse_project(uow, EndorseProject(project.id, MOD))
    with pytest.raises(EnterpriseNotActive):
        await handlers.approve_project(uow, ApproveProject(project.id, OFFICER))

    later = NOW + timedelta(seconds=1)
    await consumers.on_supplier_status_changed(*status_changed(enterprise_id, "pending", "active", later), uow)
    approved = await handlers.approve_project(uow, ApproveProject(project.id, OFFICER))

    assert approved.status is S.APPROVED
