"""The fund's figures by category, on hand-worked portfolios."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.fund.domain.analytics import (
    CategoryFigures,
    LoanFigures,
    ProjectFigures,
    fund_figures,
    lending_share,
    parse_kpi_targets,
    portfolio_figures,
)
from services.fund.domain.category import ProjectCategory
from services.fund.domain.lifecycle import ProjectStatus
from services.fund.domain.project import MilestonePlan, Project
from shared.errors import InvalidInput
from shared.principal import Principal

D = Decimal
C = ProjectCategory
S = ProjectStatus


def project(category: C, status: S, budget: str, target: str, disbursed: str = "0") -> ProjectFigures:
    return ProjectFigures(uuid4(), category, status, D(budget), D(target), D(disbursed))


def loan(on: ProjectFigures, principal: str, outstanding: str, overdue: str = "0") -> LoanFigures:
    return LoanFigures(on.project_id, D(principal), D(outstanding), D(overdue))


def by_category(rows: list[CategoryFigures]) -> dict[str, CategoryFigures]:
    return {row.category.value: row for row in rows}


# Repair, KPI target 55 %:
#   P1 approved  budget 300,000,000  target 60 %  disbursed 100,000,000   loan 120,000,000 (outstanding 100,000,000)
#   P2 closed    budget 100,000,000  target 50 %                          loan  80,000,000 (outstanding  30,000,000,
#                                                                                           overdue 1,500,000.50)
#   P3 submitted budget  50,000,000  target 80 %     (not approved: no approved budget, no loans)
#   P4 rejected  budget  20,000,000  target 90 %
# -> projects 4; approved budget 300 + 100 = 400,000,000; lent 200,000,000; outstanding 130,000,000;
#    overdue 1,500,000.50 on 1 loan; lent to projects at or above 55 %: P1's 120,000,000 -> 60.00 %.
# Modernization, KPI target 35 %:
#   P5 approved  budget 90,000,000  target 35 %     loan 30,000,000 (outstanding 30,000,000)  -- at the target counts
#   P6 approved  budget 70,000,000  target 34.99 %  loan 60,000,000 (outstanding 45,000,000, overdue 2,000,000)
# -> approved budget 160,000,000; lent 90,000,000; 30 / 90 = 33.333... -> 33.33 %.
# Production: nothing -> zeros, and no share (null) since nothing is lent.
P1 = project(C.REPAIR, S.APPROVED, "300000000.00", "60", "100000000.00")
P2 = project(C.REPAIR, S.CLOSED, "100000000.00", "50")
P3 = project(C.REPAIR, S.SUBMITTED, "50000000.00", "80")
P4 = project(C.REPAIR, S.REJECTED, "20000000.00", "90")
P5 = project(C.MODERNIZATION, S.APPROVED, "90000000.00", "35")
P6 = project(C.MODERNIZATION, S.APPROVED, "70000000.00", "34.99")
PROJECTS = [P1, P2, P3, P4, P5, P6]
LOANS = [
    loan(P1, "120000000.00", "100000000.00"),
    loan(P2, "80000000.00", "30000000.00", "1500000.50"),
    loan(P5, "30000000.00", "30000000.00"),
    loan(P6, "60000000.00", "45000000.00", "2000000.00"),
]


def test_the_figures_of_a_hand_worked_portfolio_by_category() -> None:
    rows = fund_figures(PROJECTS, LOANS)

    assert [r.category for r in rows] == [C.REPAIR, C.MODERNIZATION, C.PRODUCTION]
    repair, modernization, production = rows
    assert repair == CategoryFigures(
        category=C.REPAIR,
        projects=4,
        by_status={"submitted": 1, "endorsed": 0, "approved": 1, "closed": 1, "rejected": 1},
        approved_budget=D("400000000.00"),
        disbursed=D("100000000.00"),
        lent=D("200000000.00"),
        outstanding=D("130000000.00"),
        overdue=D("1500000.50"),
        overdue_loans=1,
        kpi_target=D("55"),
        lent_meeting_target=D("120000000.00"),
        local_content_share=D("60.00"),
    )
    assert (modernization.projects, modernization.approved_budget, modernization.lent) == (
        2,
        D("160000000.00"),
        D("90000000.00"),
    )
    assert (modernization.outstanding, modernization.overdue, modernization.overdue_loans) == (
        D("75000000.00"),
        D("2000000.00"),
        1,
    )
    assert (modernization.lent_meeting_target, modernization.local_content_share) == (D("30000000.00"), D("33.33"))
    assert (production.projects, production.overdue_loans) == (0, 0)
    assert production.approved_budget == production.lent == production.outstanding == production.overdue == 0
    assert production.local_content_share is None
    assert production.kpi_target == D("70")


def test_a_project_at_exactly_the_kpi_target_counts_as_meeting_it() -> None:
    at = project(C.PRODUCTION, S.APPROVED, "1000.00", "70")
    below = project(C.PRODUCTION, S.APPROVED, "1000.00", "69.99")

    [*_, production] = fund_figures([at, below], [loan(at, "100.00", "100.00"), loan(below, "300.00", "300.00")])

    assert production.lent_meeting_target == D("100.00")
    assert production.local_content_share == D("25.00")


def test_targets_passed_in_replace_the_defaults_category_by_category() -> None:
    rows = by_category(fund_figures(PROJECTS, LOANS, {C.REPAIR: D("65")}))

    assert rows["repair"].kpi_target == D("65")
    assert rows["repair"].local_content_share == D("0.00")  # P1's 60 % is now below the target
    assert rows["modernization"].kpi_target == D("35")
    assert rows["modernization"].local_content_share == D("33.33")


def test_a_category_with_projects_but_no_loans_has_no_share() -> None:
    rows = by_category(fund_figures([P3, P4], []))

    assert rows["repair"].projects == 2
    assert rows["repair"].approved_budget == 0
    assert rows["repair"].local_content_share is None


def test_a_loan_whose_project_is_missing_is_a_mistake_of_the_caller() -> None:
    with pytest.raises(ValueError, match="not among the projects given"):
        fund_figures([P1], [loan(P5, "1.00", "1.00")])


@pytest.mark.parametrize(
    ("meeting", "lent", "share"),
    [("1", "3", "33.33"), ("2", "3", "66.67"), ("1", "8", "12.50"), ("1", "200000", "0.00"), ("1", "1", "100.00")],
)
def test_the_lending_share_is_a_percent_to_2_places_half_up(meeting: str, lent: str, share: str) -> None:
    assert lending_share(D(meeting), D(lent)) == D(share)


def test_the_lending_share_rounds_a_half_up() -> None:
    assert lending_share(D("1"), D("1600")) == D("0.06")  # 0.0625 -> 0.06
    assert lending_share(D("1"), D("800")) == D("0.13")  # 0.125 -> 0.13


def test_a_row_renders_money_as_kzt_objects_and_percentages_as_numbers() -> None:
    repair = fund_figures(PROJECTS, LOANS)[0]

    body = repair.to_dict()

    assert body["approved_budget"] == {"amount": "400000000.00", "currency": "KZT"}
    assert body["overdue"] == {"amount": "1500000.50", "currency": "KZT"}
    assert (body["projects"], body["kpi_target"], body["local_content_share"]) == (4, 55.0, 60.0)
    assert fund_figures([], [])[2].to_dict()["local_content_share"] is None


def test_the_figures_of_real_projects_and_loans_on_a_day() -> None:
    """One approved repair project (budget 1,000,000.00, target 70 %) that disbursed its first
    milestone (400,000.00) and lent 1,000.00 at 12 % over 3 months from 31 January 2025 (the
    hand-worked schedule: 340.02 due 28 February). On 1 March nothing is repaid: 1,000.00 is
    outstanding and 340.02 overdue. A second, submitted, modernization project only counts.
    """
    officer = Principal("officer", frozenset({"fund_officer"}))
    now = datetime(2025, 1, 31, tzinfo=UTC)
    enterprise = UUID(int=7)
    repair = Project.submit(
        officer,
        title="Engine overhaul",
        enterprise_id=enterprise,
        category="repair",
        defense_need="armour",
        order_ids=[],
        budget=D("1000000.00"),
        local_content_target=D("70"),
        milestones=[
            MilestonePlan("tooling", date(2025, 2, 1), D("400000.00")),
            MilestonePlan("line", date(2025, 6, 1), D("600000.00")),
        ],
        on=date(2025, 1, 20),
    )
    repair.endorse(Principal("mod", frozenset({"mod_officer"})), now)
    repair.approve(officer, "active", now)
    repair.complete_milestone(officer, 1, "act 1", date(2025, 2, 3))
    lent = repair.grant_loan(
        officer,
        principal=D("1000.00"),
        annual_rate=D("12"),
        term_months=3,
        grace_months=0,
        start=date(2025, 1, 31),
        at=now,
        max_rate=D("12"),
    )
    pending = Project.submit(
        officer,
        title="Radar upgrade",
        enterprise_id=enterprise,
        category="modernization",
        defense_need="air defense",
        order_ids=[],
        budget=D("5000.00"),
        local_content_target=D("10"),
        milestones=[MilestonePlan("all", date(2025, 3, 1), D("5000.00"))],
        on=date(2025, 1, 20),
    )

    rows = by_category(portfolio_figures([repair, pending], [lent], date(2025, 3, 1)))

    assert (rows["repair"].projects, rows["repair"].approved_budget, rows["repair"].disbursed) == (
        1,
        D("1000000.00"),
        D("400000.00"),
    )
    assert (rows["repair"].lent, rows["repair"].outstanding, rows["repair"].overdue) == (
        D("1000.00"),
        D("1000.00"),
        D("340.02"),
    )
    assert (rows["repair"].overdue_loans, rows["repair"].local_content_share) == (1, D("100.00"))
    assert (rows["modernization"].projects, rows["modernization"].by_status["submitted"]) == (1, 1)
    assert rows["modernization"].approved_budget == 0


# --- the targets setting ------------------------------------------------------------------------


def test_the_targets_setting_reads_the_orders_format_and_keeps_defaults_for_the_rest() -> None:
    assert parse_kpi_targets(None) == {C.REPAIR: D("55"), C.MODERNIZATION: D("35"), C.PRODUCTION: D("70")}
    assert parse_kpi_targets("repair=60, production=72.5,") == {
        C.REPAIR: D("60"),
        C.MODERNIZATION: D("35"),
        C.PRODUCTION: D("72.5"),
    }


@pytest.mark.parametrize(
    "text", ["repair", "procurement=10", "repair=55,repair=60", "repair=abc", "repair=101", "repair=-1"]
)
def test_a_bad_targets_setting_is_refused_naming_the_variable(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_kpi_targets(text)

    assert caught.value.field == "SDO_KPI_TARGETS"
