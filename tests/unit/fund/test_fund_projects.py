"""Projects: submission, endorsement, approval, rejection, closing, tranches and loans."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.fund.domain.category import ProjectCategory
from services.fund.domain.errors import (
    ActionNotPermitted,
    EnterpriseNotActive,
    EnterpriseUnknown,
    MilestoneNotFound,
    PrincipalAboveAvailable,
    ProjectNotApproved,
    ProjectNotEndorsed,
    TrancheAlreadyDisbursed,
    TrancheExceedsBudget,
)
from services.fund.domain.lifecycle import LoanStatus, ProjectStatus
from services.fund.domain.project import MilestonePlan, Project
from shared.errors import IllegalTransition, InvalidInput, NotFound, Refused
from shared.principal import Principal

D = Decimal
OFFICER = Principal("fund-officer", frozenset({"fund_officer"}))
MOD = Principal("mod-officer", frozenset({"mod_officer"}))
INTEGRATION = Principal("ministry-system", frozenset({"integration"}))
SUPPLIER = Principal("enterprise", frozenset({"supplier"}), supplier_id=uuid4())
TODAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
ENTERPRISE = UUID("5a0c4a6e-0d0e-4f6e-9d5a-2f0f6d9b1c11")


def plans(*amounts: str) -> list[MilestonePlan]:
    return [MilestonePlan(f"stage {n}", date(2025, 3 + n, 1), D(amount)) for n, amount in enumerate(amounts, start=1)]


def submission(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "Overhaul line for T-72 engines",
        "enterprise_id": ENTERPRISE,
        "category": "repair",
        "defense_need": "Restores the repair capacity of the armoured units' engines.",
        "order_ids": [],
        "budget": D("300000000.00"),
        "local_content_target": D("60"),
        "milestones": plans("100000000.00", "150000000.00", "50000000.00"),
        "on": TODAY,
    }
    fields.update(overrides)
    return fields


def submitted(**overrides: Any) -> Project:
    return Project.submit(OFFICER, **submission(**overrides))


def endorsed(**overrides: Any) -> Project:
    project = submitted(**overrides)
    project.endorse(MOD, NOW)
    return project


def approved(**overrides: Any) -> Project:
    project = endorsed(**overrides)
    project.approve(OFFICER, "active", NOW)
    return project


def fields_of(caught: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e["field"] for e in caught.value.errors]


# --- submission ---------------------------------------------------------------------------------


def test_a_submitted_project_numbers_its_milestones_and_starts_at_version_1() -> None:
    order = uuid4()
    project = submitted(order_ids=[order], title="  Overhaul line  ")

    assert project.status is ProjectStatus.SUBMITTED
    assert project.version == 1
    assert project.title == "Overhaul line"
    assert project.category is ProjectCategory.REPAIR
    assert project.order_ids == (order,)
    assert [(m.n, m.amount, m.disbursed) for m in project.milestones] == [
        (1, D("100000000.00"), False),
        (2, D("150000000.00"), False),
        (3, D("50000000.00"), False),
    ]
    assert (project.submitted_by, project.submitted_on) == ("fund-officer", TODAY)
    assert project.lent == project.disbursed == D("0")


def test_milestones_that_do_not_sum_to_the_budget_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        submitted(milestones=plans("100000000.00", "150000000.00", "49999999.99"))

    assert caught.value.errors == [
        {
            "field": "milestones",
            "message": "amounts sum to 299999999.99 KZT; they must sum to the budget, 300000000.00 KZT",
        }
    ]


def test_milestones_summing_exactly_to_the_budget_to_the_tiyn_are_accepted() -> None:
    project = submitted(budget=D("1000.01"), milestones=plans("333.33", "333.33", "333.35"))

    assert sum(m.amount for m in project.milestones) == project.budget


def test_a_project_needs_at_least_one_milestone() -> None:
    with pytest.raises(InvalidInput) as caught:
        submitted(milestones=[])

    assert fields_of(caught) == ["milestones"]


def test_a_milestone_due_before_the_submission_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        submitted(milestones=[MilestonePlan("late", date(2025, 2, 28), D("300000000.00"))])

    assert fields_of(caught) == ["milestones[0].due_date"]


def test_a_milestone_due_before_the_previous_one_is_refused() -> None:
    milestones = [
        MilestonePlan("design", date(2025, 6, 1), D("100000000.00")),
        MilestonePlan("build", date(2025, 5, 1), D("200000000.00")),
    ]

    with pytest.raises(InvalidInput) as caught:
        submitted(milestones=milestones)

    assert caught.value.errors == [
        {"field": "milestones[1].due_date", "message": "must not be before the previous milestone's, 2025-06-01"}
    ]


def test_milestones_due_on_the_same_day_are_accepted() -> None:
    day = date(2025, 6, 1)
    project = submitted(
        milestones=[MilestonePlan("a", day, D("100000000.00")), MilestonePlan("b", day, D("200000000.00"))]
    )

    assert [m.due_date for m in project.milestones] == [day, day]


def test_a_milestone_more_than_twenty_years_ahead_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        submitted(milestones=[MilestonePlan("far", date(2045, 3, 2), D("300000000.00"))])

    assert fields_of(caught) == ["milestones[0].due_date"]


def test_every_bad_field_of_a_submission_is_named_in_one_refusal() -> None:
    dup = uuid4()
    bad = [
        MilestonePlan("", date(2025, 4, 1), D("0")),
        MilestonePlan("ok", date(2025, 5, 1), D("1.001")),
    ]

    with pytest.raises(InvalidInput) as caught:
        submitted(
            title=" ",
            defense_need="",
            enterprise_id="not-a-uuid",
            category="procurement",
            order_ids=[dup, dup, "x"],
            budget=D("-1"),
            local_content_target=D("101"),
            milestones=bad,
        )

    assert fields_of(caught) == [
        "title",
        "defense_need",
        "enterprise_id",
        "category",
        "order_ids[1]",
        "order_ids[2]",
        "budget",
        "local_content_target",
        "milestones[0].name",
        "milestones[0].amount",
        "milestones[1].amount",
    ]


@pytest.mark.parametrize(("value", "ok"), [(D("0"), True), (D("100"), True), (D("55.5"), True), (D("-0.01"), False)])
def test_the_local_content_target_is_a_percentage_from_0_to_100(value: Decimal, ok: bool) -> None:
    if ok:
        assert submitted(local_content_target=value).local_content_target == value
    else:
        with pytest.raises(InvalidInput):
            submitted(local_content_target=value)


def test_a_budget_in_another_currency_cannot_be_said_and_a_float_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        submitted(budget=300000000.0)

    assert fields_of(caught) == ["budget"]


@pytest.mark.parametrize("actor", [MOD, SUPPLIER, Principal("a", frozenset({"auditor"}))])
def test_only_the_fund_submits_projects(actor: Principal) -> None:
    with pytest.raises(ActionNotPermitted):
        Project.submit(actor, **submission())


def test_a_ministry_system_may_submit_a_project() -> None:
    project = Project.submit(INTEGRATION, **submission())

    assert project.submitted_by == "ministry-system"


# --- endorsement --------------------------------------------------------------------------------


def test_the_ministry_of_defense_endorses_and_the_fund_records_who_and_when() -> None:
    project = submitted()

    project.endorse(MOD, NOW)

    assert project.status is ProjectStatus.ENDORSED
    assert (project.endorsed_by, project.endorsed_at) == ("mod-officer", NOW)
    assert project.version == 2


@pytest.mark.parametrize("actor", [OFFICER, INTEGRATION, SUPPLIER])
def test_nobody_but_the_ministry_of_defense_endorses_not_even_integration(actor: Principal) -> None:
    project = submitted()

    with pytest.raises(ActionNotPermitted) as caught:
        project.endorse(actor, NOW)

    assert caught.value.allowed_roles == ["mod_officer"]
    assert caught.value.code == "action_not_permitted"
    assert project.status is ProjectStatus.SUBMITTED
    assert project.version == 1


def test_a_project_is_endorsed_once() -> None:
    project = endorsed()

    with pytest.raises(IllegalTransition) as caught:
        project.endorse(MOD, NOW)

    assert caught.value.current_status == "endorsed"
    assert caught.value.allowed_actions == []  # the MoD may do nothing more with it


# --- approval -----------------------------------------------------------------------------------


def test_an_endorsed_project_of_an_active_enterprise_is_approved() -> None:
    project = endorsed()

    project.approve(OFFICER, "active", NOW)

    assert project.status is ProjectStatus.APPROVED
    assert (project.approved_by, project.approved_at) == ("fund-officer", NOW)
    assert project.version == 3


def test_a_project_not_yet_endorsed_is_not_approved_and_the_refusal_says_why() -> None:
    project = submitted()

    with pytest.raises(ProjectNotEndorsed) as caught:
        project.approve(OFFICER, "active", NOW)

    assert caught.value.code == "project_not_endorsed"
    assert caught.value.current_status == "submitted"
    assert caught.value.allowed_actions == ["reject"]
    assert project.status is ProjectStatus.SUBMITTED


def test_a_project_of_an_enterprise_the_fund_has_not_heard_of_is_not_approved() -> None:
    project = endorsed()

    with pytest.raises(EnterpriseUnknown) as caught:
        project.approve(OFFICER, None, NOW)

    assert isinstance(caught.value, Refused)
    assert caught.value.code == "enterprise_unknown"
    assert caught.value.details == {"enterprise_id": str(ENTERPRISE)}
    assert project.status is ProjectStatus.ENDORSED
    assert project.version == 2


@pytest.mark.parametrize("status", ["pending", "suspended", "excluded"])
def test_a_project_of_an_enterprise_that_is_not_active_is_not_approved(status: str) -> None:
    project = endorsed()

    with pytest.raises(EnterpriseNotActive) as caught:
        project.approve(INTEGRATION, status, NOW)

    assert caught.value.code == "enterprise_not_active"
    assert caught.value.details == {"enterprise_id": str(ENTERPRISE), "enterprise_status": status}


def test_a_rejected_project_cannot_be_approved() -> None:
    project = submitted()
    project.reject(OFFICER, "not a defense need", NOW)

    with pytest.raises(IllegalTransition) as caught:
        project.approve(OFFICER, "active", NOW)

    assert type(caught.value) is IllegalTransition
    assert caught.value.current_status == "rejected"


def test_the_ministry_of_defense_does_not_approve_for_the_fund() -> None:
    with pytest.raises(ActionNotPermitted):
        endorsed().approve(MOD, "active", NOW)


# --- rejection and closing ----------------------------------------------------------------------


@pytest.mark.parametrize("make", [submitted, endorsed])
def test_a_submitted_or_endorsed_project_may_be_rejected_with_a_reason(make: Any) -> None:
    project: Project = make()

    project.reject(OFFICER, "  duplicates project 12  ", NOW)

    assert project.status is ProjectStatus.REJECTED
    assert (project.end_reason, project.ended_by, project.ended_at) == ("duplicates project 12", "fund-officer", NOW)


def test_an_approved_project_cannot_be_rejected_only_closed() -> None:
    project = approved()

    with pytest.raises(IllegalTransition) as caught:
        project.reject(OFFICER, "changed our mind", NOW)

    assert caught.value.allowed_actions == ["close", "complete-milestone", "grant-loan"]


def test_a_rejection_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as caught:
        submitted().reject(OFFICER, "   ", NOW)

    assert fields_of(caught) == ["reason"]


def test_an_illegal_move_is_refused_before_its_reason_is_judged() -> None:
    with pytest.raises(IllegalTransition):
        submitted().close(OFFICER, "", NOW)


def test_an_approved_project_is_closed_with_a_reason_and_stays_closed() -> None:
    project = approved()

    project.close(OFFICER, "all stages delivered", NOW)

    assert project.status is ProjectStatus.CLOSED
    assert project.end_reason == "all stages delivered"
    assert project.allowed_actions() == []


# --- milestones and tranches --------------------------------------------------------------------


def test_a_completed_milestone_disburses_its_tranche() -> None:
    project = approved()

    tranche = project.complete_milestone(OFFICER, 2, "acceptance act No. 17", date(2025, 5, 20))

    assert (tranche.project_id, tranche.enterprise_id, tranche.category) == (project.id, ENTERPRISE, "repair")
    assert (tranche.milestone, tranche.name, tranche.amount) == (2, "stage 2", D("150000000.00"))
    assert (tranche.disbursed_on, tranche.evidence) == (date(2025, 5, 20), "acceptance act No. 17")
    assert (tranche.disbursed_total, tranche.budget) == (D("150000000.00"), D("300000000.00"))
    milestone = project.milestone(2)
    assert (milestone.completed_on, milestone.evidence, milestone.disbursed) == (
        date(2025, 5, 20),
        "acceptance act No. 17",
        True,
    )
    assert project.disbursed == D("150000000.00")
    assert project.version == 4


def test_a_milestones_tranche_is_disbursed_once() -> None:
    project = approved()
    project.complete_milestone(OFFICER, 1, "act 1", date(2025, 4, 1))

    with pytest.raises(TrancheAlreadyDisbursed) as caught:
        project.complete_milestone(OFFICER, 1, "act 1 again", date(2025, 4, 2))

    assert caught.value.details == {"milestone": 1, "completed_on": "2025-04-01"}
    assert project.disbursed == D("100000000.00")
    assert project.milestone(1).evidence == "act 1"


def test_completing_every_milestone_disburses_exactly_the_budget() -> None:
    project = approved()

    tranches = [project.complete_milestone(OFFICER, n, f"act {n}", date(2025, 6, 1)) for n in (3, 1, 2)]

    assert sum(t.amount for t in tranches) == project.budget
    assert tranches[-1].disbursed_total == project.budget


@pytest.mark.parametrize("make", [submitted, endorsed])
def test_no_tranche_is_disbursed_before_approval(make: Any) -> None:
    project: Project = make()

    with pytest.raises(ProjectNotApproved) as caught:
        project.complete_milestone(OFFICER, 1, "act", date(2025, 4, 1))

    assert caught.value.code == "project_not_approved"
    assert project.milestone(1).disbursed is False


def test_no_tranche_is_disbursed_once_the_project_is_closed() -> None:
    project = approved()
    project.close(OFFICER, "stopped", NOW)

    with pytest.raises(ProjectNotApproved) as caught:
        project.complete_milestone(OFFICER, 1, "act", date(2025, 4, 1))

    assert caught.value.current_status == "closed"


def test_a_tranche_that_would_exceed_the_budget_is_refused() -> None:
    project = approved()
    project.milestones[0].amount = D("300000000.00")  # as if the stored figures disagreed with the rule
    project.complete_milestone(OFFICER, 2, "act 2", date(2025, 5, 1))

    with pytest.raises(TrancheExceedsBudget) as caught:
        project.complete_milestone(OFFICER, 1, "act 1", date(2025, 5, 2))

    assert caught.value.details["disbursed"] == "150000000.00"
    assert project.milestone(1).disbursed is False


def test_an_unknown_milestone_is_not_found() -> None:
    with pytest.raises(MilestoneNotFound) as caught:
        approved().complete_milestone(OFFICER, 4, "act", date(2025, 4, 1))

    assert isinstance(caught.value, NotFound)
    assert caught.value.details == {"milestone": 4}


def test_a_milestone_is_completed_with_evidence() -> None:
    with pytest.raises(InvalidInput) as caught:
        approved().complete_milestone(OFFICER, 1, "", date(2025, 4, 1))

    assert fields_of(caught) == ["evidence"]


def test_the_ministry_of_defense_does_not_complete_milestones() -> None:
    with pytest.raises(ActionNotPermitted):
        approved().complete_milestone(MOD, 1, "act", date(2025, 4, 1))


# --- loans --------------------------------------------------------------------------------------


def lend(project: Project, principal: str, **terms: Any) -> Any:
    return project.grant_loan(
        OFFICER,
        principal=D(principal),
        annual_rate=terms.get("annual_rate", D("2.5")),
        term_months=terms.get("term_months", 60),
        grace_months=terms.get("grace_months", 6),
        start=date(2025, 4, 1),
        at=NOW,
        **{k: v for k, v in terms.items() if k == "max_rate"},
    )


def test_an_approved_project_lends_within_its_budget() -> None:
    project = approved()

    loan = lend(project, "120000000.00")

    assert (loan.project_id, loan.enterprise_id, loan.category) == (project.id, ENTERPRISE, "repair")
    assert (loan.principal, loan.annual_rate, loan.term_months, loan.grace_months) == (
        D("120000000.00"),
        D("2.5"),
        60,
        6,
    )
    assert (loan.status, loan.granted_by, loan.start_date) == (LoanStatus.ACTIVE, "fund-officer", date(2025, 4, 1))
    assert project.lent == D("120000000.00")
    assert project.available_to_lend == D("180000000.00")
    assert project.version == 4


def test_loans_may_take_up_the_whole_budget_but_not_a_tiyn_more() -> None:
    project = approved()
    lend(project, "200000000.00")
    lend(project, "100000000.00")

    with pytest.raises(PrincipalAboveAvailable) as caught:
        lend(project, "0.01")

    assert caught.value.field == "principal"
    assert caught.value.details == {"available": "0.00"}
    assert project.lent == project.budget


def test_a_loan_above_the_budget_not_yet_lent_is_refused() -> None:
    project = approved()
    lend(project, "250000000.00")

    with pytest.raises(PrincipalAboveAvailable) as caught:
        lend(project, "50000000.01")

    assert caught.value.errors[0]["message"] == (
        "50000000.01 KZT is more than the 50000000.00 KZT of the budget not yet lent"
    )
    assert project.lent == D("250000000.00")
    assert project.version == 4


@pytest.mark.parametrize("make", [submitted, endorsed])
def test_no_loan_before_approval(make: Any) -> None:
    with pytest.raises(ProjectNotApproved):
        lend(make(), "1000.00")


def test_a_rate_above_the_funds_maximum_is_refused_and_the_maximum_is_the_callers() -> None:
    project = approved()

    with pytest.raises(InvalidInput) as caught:
        lend(project, "1000.00", annual_rate=D("5.5"))
    assert fields_of(caught) == ["annual_rate"]

    loan = lend(project, "1000.00", annual_rate=D("5.5"), max_rate=D("6"))
    assert loan.annual_rate == D("5.5")
    assert project.lent == D("1000.00")


def test_a_closed_project_grants_no_more_loans_but_its_loans_run_on() -> None:
    project = approved()
    loan = lend(project, "1000000.00")
    project.close(OFFICER, "stages done", NOW)

    with pytest.raises(ProjectNotApproved):
        lend(project, "1000.00")
    assert loan.repay(OFFICER, D("1000.00"), date(2025, 5, 1)).status is LoanStatus.ACTIVE
