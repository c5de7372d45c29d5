"""Overdue loans (the background check and repayments) and the fund's figures, on SQLite and PostgreSQL.

Time moves by moving the suite's one clock (``shared.clock.now``): the check and the handlers read
"today" from it on the ministry's calendar.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fund_fixtures import (
    AUDITOR,
    MOD,
    OFFICER,
    approved,
    enterprise,
    fund_app,
    kzt,
    loan_body,
    ok,
    submitted,
)

from shared import clock
from tests.support import eventually, running


class MovableClock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        real = clock.now
        monkeypatch.setattr(clock, "now", lambda: real() + self.offset)

    def advance(self, days: int) -> None:
        self.offset += timedelta(days=days)


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Iterator[MovableClock]:
    yield MovableClock(monkeypatch)


async def _lend(client: httpx.AsyncClient, project: dict[str, Any], principal: str, months: int) -> dict[str, Any]:
    body = loan_body(principal=kzt(principal), annual_rate=0, term_months=months, grace_months=0)
    return await ok(await client.post(f"/api/v1/projects/{project['id']}/loans", json=body, headers=OFFICER), 201)


async def _loan(client: httpx.AsyncClient, loan: dict[str, Any]) -> dict[str, Any]:
    return await ok(await client.get(f"/api/v1/loans/{loan['id']}", headers=AUDITOR))


async def test_the_check_marks_a_loan_overdue_after_a_due_date_and_paying_the_arrears_clears_it(
    app: FastAPI, client: httpx.AsyncClient, moved: MovableClock
) -> None:
    loan = await _lend(client, await approved(app, client), "900.00", 3)
    check = app.state.overdue_check

    assert await check.run_once() == 0
    moved.advance(40)  # the first installment fell due some 10 days ago
    assert await check.run_once() == 1
    late = await _loan(client, loan)
    assert (late["status"], late["version"]) == ("overdue", 2)
    schedule = await ok(await client.get(f"/api/v1/loans/{loan['id']}/schedule", headers=AUDITOR))
    assert [r["state"] for r in schedule["installments"]] == ["past_due", "open", "open"]
    assert schedule["arrears"] == kzt("300.00")
    assert await check.run_once() == 0

    partial = await client.post(
        f"/api/v1/loans/{loan['id']}/repayments", json={"amount": kzt("100.00")}, headers=OFFICER
    )
    assert (await ok(partial, 201))["loan_status"] == "overdue"
    cleared = await client.post(
        f"/api/v1/loans/{loan['id']}/repayments", json={"amount": kzt("200.00")}, headers=OFFICER
    )
    receipt = await ok(cleared, 201)
    assert (receipt["loan_status"], receipt["arrears"], receipt["remaining"]) == ("active", kzt("0.00"), kzt("600.00"))
    trail = (await ok(await client.get(f"/api/v1/audit?resource_id={loan['id']}", headers=AUDITOR)))["items"]
    assert [entry["action"] for entry in trail] == ["loan.grant", "loan.check", "loan.repay", "loan.repay"]
    assert trail[1]["actor"] == "system"


async def test_the_service_runs_the_check_by_itself(sqlite_url: str, memory_url: str, moved: MovableClock) -> None:
    app = fund_app(sqlite_url, memory_url, fund_overdue_check_seconds=0.05)
    async with running(app) as client:
        loan = await _lend(client, await approved(app, client), "900.00", 3)
        moved.advance(40)

        async def overdue() -> bool:
            return (await _loan(client, loan))["status"] == "overdue"

        await eventually(overdue, what="the loan marked overdue by the background check")
        assert app.state.overdue_check.runs >= 2


async def test_a_repayment_after_a_due_date_that_leaves_arrears_marks_the_loan_overdue_at_once(
    app: FastAPI, client: httpx.AsyncClient, moved: MovableClock
) -> None:
    loan = await _lend(client, await approved(app, client), "900.00", 3)
    moved.advance(40)

    receipt = await client.post(
        f"/api/v1/loans/{loan['id']}/repayments", json={"amount": kzt("50.00")}, headers=OFFICER
    )

    assert (await ok(receipt, 201))["loan_status"] == "overdue"
    assert (await _loan(client, loan))["status"] == "overdue"


async def test_the_figures_of_a_hand_worked_portfolio_by_category(
    database_url: str, memory_url: str, moved: MovableClock
) -> None:
    app = fund_app(database_url, memory_url)
    async with running(app) as client:
        # Repair: one approved project aiming at 60 % (target 55) with a tranche and a loan; one rejected.
        repair = await approved(app, client, local_content_target=60)
        await ok(
            await client.post(
                f"/api/v1/projects/{repair['id']}/milestones/1/complete", json={"evidence": "Act 1"}, headers=OFFICER
            )
        )
        repair_loan = await _lend(client, repair, "1000000.00", 4)
        turned_down = await submitted(client, await enterprise(app, client))
        await ok(
            await client.post(
                f"/api/v1/projects/{turned_down['id']}/reject", json={"reason": "no need"}, headers=OFFICER
            )
        )
        # Production: one approved project aiming at 50 % (target 70) with a loan left unpaid.
        production = await approved(app, client, category="production", local_content_target=50)
        await _lend(client, production, "500000.00", 2)
        # Modernization: one endorsed project, not approved.
        endorsed = await submitted(client, await enterprise(app, client), category="modernization")
        await ok(await client.post(f"/api/v1/projects/{endorsed['id']}/endorse", headers=MOD))

        moved.advance(40)  # each loan's first installment is past due
        await app.state.overdue_check.run_once()
        paid = {"amount": kzt("250000.00")}
        await ok(await client.post(f"/api/v1/loans/{repair_loan['id']}/repayments", json=paid, headers=OFFICER), 201)

        figures = await ok(await client.get("/api/v1/analytics/fund", headers=AUDITOR))
        assert figures["on"] == clock.today("Asia/Almaty").isoformat()
        by_category = {row["category"]: row for row in figures["categories"]}
        assert list(by_category) == ["repair", "modernization", "production"]
        assert by_category["repair"] == {
            "category": "repair",
            "projects": 2,
            "by_status": {"submitted": 0, "endorsed": 0, "approved": 1, "closed": 0, "rejected": 1},
            "approved_budget": kzt("300000000.00"),
            "disbursed": kzt("100000000.00"),
            "lent": kzt("1000000.00"),
            "outstanding": kzt("750000.00"),
            "overdue": kzt("0.00"),
            "overdue_loans": 0,
            "kpi_target": 55.0,
            "lent_meeting_target": kzt("1000000.00"),
            "local_content_share": 100.0,
        }
        assert by_category["modernization"]["by_status"]["endorsed"] == 1
        assert (
            by_category["modernization"]["approved_budget"],
            by_category["modernization"]["local_content_share"],
        ) == (
            kzt("0.00"),
            None,
        )
        production_row = by_category["production"]
        assert (production_row["lent"], production_row["outstanding"], production_row["overdue"]) == (
            kzt("500000.00"),
            kzt("500000.00"),
            kzt("250000.00"),
        )
        assert (
            production_row["overdue_loans"],
            production_row["kpi_target"],
            production_row["local_content_share"],
        ) == (
            1,
            70.0,
            0.0,
        )

    # The same portfolio judged against other targets (SDO_KPI_TARGETS).
    retargeted = fund_app(database_url, f"{memory_url}-retargeted", kpi_targets="repair=65,production=50")
    async with running(retargeted) as client:
        rows = (await ok(await client.get("/api/v1/analytics/fund", headers=AUDITOR)))["categories"]
        shares = {row["category"]: (row["kpi_target"], row["local_content_share"]) for row in rows}
        assert shares == {"repair": (65.0, 0.0), "modernization": (35.0, None), "production": (50.0, 100.0)}


def test_the_movable_clock_moves_the_ministrys_day(monkeypatch: pytest.MonkeyPatch) -> None:
    moved = MovableClock(monkeypatch)
    before = clock.today("Asia/Almaty")
    moved.advance(3)
    assert clock.today("Asia/Almaty") == before + timedelta(days=3)
    assert clock.now() > datetime.now(UTC) + timedelta(days=2)
