"""Every bad input answers a clear 4xx problem+json naming what is wrong, and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fund_fixtures import (
    AUDITOR,
    MOD,
    OFFICER,
    approved,
    enterprise,
    fund_app,
    granted,
    kzt,
    loan_body,
    ok,
    project_body,
)

from tests.support import COLLECTED_ON, assert_problem, running

TODAY = COLLECTED_ON  # the fund judges dates on the ministry's calendar


def _fields(response: httpx.Response) -> list[str]:
    body = assert_problem(response, 422)
    return [e["field"] for e in body["errors"]]


def _milestones(*amounts: str, due: date | None = None) -> list[dict[str, Any]]:
    day = due or TODAY + timedelta(days=30)
    return [{"name": f"stage {n}", "due_date": day.isoformat(), "amount": kzt(a)} for n, a in enumerate(amounts, 1)]


async def test_a_bad_submission_names_each_field_and_stores_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    enterprise_id = await enterprise(app, client)
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"title": ""}, ["title"]),
        ({"title": "   "}, ["title"]),
        ({"category": "procurement"}, ["category"]),
        ({"enterprise_id": "not-a-uuid"}, ["enterprise_id"]),
        ({"budget": {"amount": "300000000.00", "currency": "USD"}}, ["budget.currency"]),
        ({"budget": {"amount": 300000000, "currency": "KZT"}}, ["budget.amount"]),
        ({"budget": {"amount": "3.001", "currency": "KZT"}}, ["budget.amount"]),
        ({"budget": kzt("0.00"), "milestones": _milestones("0.00")}, ["budget", "milestones[0].amount"]),
        ({"local_content_target": 101}, ["local_content_target"]),
        ({"local_content_target": 55.555}, ["local_content_target"]),
        ({"milestones": []}, ["milestones"]),
        ({"milestones": _milestones("100000000.00", "100000000.00")}, ["milestones"]),
        ({"milestones": _milestones("300000000.00", due=TODAY - timedelta(days=1))}, ["milestones[0].due_date"]),
        ({"order_ids": ["6f1c7a52-2a39-4d3e-9a3c-1d4d7f5b2c10"] * 2}, ["order_ids[1]"]),
        ({"collateral": "none"}, ["collateral"]),
    ]
    for overrides, fields in cases:
        body = {**project_body(enterprise_id), **overrides}
        response = await client.post("/api/v1/projects", json=body, headers=OFFICER)
        assert _fields(response) == fields, (overrides, response.text)

    not_json = await client.post(
        "/api/v1/projects", content=b"{not json", headers={**OFFICER, "Content-Type": "application/json"}
    )
    assert not_json.status_code in (400, 422), not_json.text
    assert not_json.headers["content-type"].startswith("application/problem+json")
    missing = await client.post("/api/v1/projects", headers=OFFICER)
    assert_problem(missing, 422)
    assert (await ok(await client.get("/api/v1/projects", headers=AUDITOR)))["items"] == []


async def test_bad_commands_on_a_project_are_refused_and_leave_it_as_it_was(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    project = await approved(app, client)
    url = f"/api/v1/projects/{project['id']}"

    assert _fields(await client.post(f"{url}/close", headers=OFFICER)) == ["reason"]
    assert _fields(await client.post(f"{url}/close", json={"reason": "   "}, headers=OFFICER)) == ["reason"]
    assert _fields(await client.post(f"{url}/close", json={"why": "done"}, headers=OFFICER)) == ["reason", "why"]
    assert _fields(await client.post(f"{url}/milestones/1/complete", headers=OFFICER)) == ["evidence"]
    assert _fields(await client.post(f"{url}/milestones/0/complete", json={"evidence": "x"}, headers=OFFICER)) == ["n"]
    missing = assert_problem(
        await client.post(f"{url}/milestones/9/complete", json={"evidence": "x"}, headers=OFFICER), 404
    )
    assert missing["type"] == "urn:sdo:problem:milestone_not_found"
    rejected = assert_problem(await client.post(f"{url}/reject", json={"reason": "late"}, headers=OFFICER), 409)
    assert (rejected["current_status"], rejected["allowed_actions"]) == (
        "approved",
        ["close", "complete-milestone", "grant-loan"],
    )
    assert_problem(await client.post("/api/v1/projects/not-a-uuid/endorse", headers=MOD), 422)
    assert_problem(await client.post(f"/api/v1/projects/{project['enterprise_id']}/approve", headers=OFFICER), 404)
    assert _fields(await client.get("/api/v1/projects?cursor=forged", headers=AUDITOR)) == ["cursor"]
    assert _fields(await client.get("/api/v1/projects?status=funded", headers=AUDITOR)) == ["status"]
    assert _fields(await client.get("/api/v1/projects?limit=501", headers=AUDITOR)) == ["limit"]

    after = await ok(await client.get(url, headers=AUDITOR))
    assert (after["status"], after["version"], after["disbursed"]) == ("approved", project["version"], kzt("0.00"))


async def test_bad_loan_terms_name_each_field_and_lend_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    project = await approved(app, client)
    url = f"/api/v1/projects/{project['id']}/loans"
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"principal": kzt("300000000.01")}, ["principal"]),
        ({"annual_rate": 5.01}, ["annual_rate"]),
        ({"annual_rate": -1}, ["annual_rate"]),
        ({"annual_rate": 4.12345}, ["annual_rate"]),
        ({"term_months": 0}, ["term_months"]),
        ({"term_months": 241}, ["term_months"]),
        ({"term_months": 12, "grace_months": 12}, ["grace_months"]),
        ({"term_months": "12"}, ["term_months"]),
        ({"principal": {"amount": "100.00", "currency": "EUR"}}, ["principal.currency"]),
        ({"start_date": (TODAY - timedelta(days=1)).isoformat()}, ["start_date"]),
        ({"start_date": (TODAY + timedelta(days=400)).isoformat()}, ["start_date"]),
    ]
    for overrides, fields in cases:
        response = await client.post(url, json=loan_body(**overrides), headers=OFFICER)
        assert _fields(response) == fields, (overrides, response.text)
    above = assert_problem(await client.post(url, json=loan_body(principal=kzt("300000000.01")), headers=OFFICER), 422)
    assert (above["errors"][0]["field"], above["available"]) == ("principal", "300000000.00")

    assert (await ok(await client.get(f"/api/v1/loans?project_id={project['id']}", headers=AUDITOR)))["items"] == []
    after = await ok(await client.get(f"/api/v1/projects/{project['id']}", headers=AUDITOR))
    assert (after["lent"], after["version"]) == (kzt("0.00"), project["version"])


async def test_the_rate_cap_is_sdo_fund_max_rate(database_url: str, memory_url: str) -> None:
    app = fund_app(database_url, memory_url, fund_max_rate="3")
    async with running(app) as client:
        project = await approved(app, client)
        url = f"/api/v1/projects/{project['id']}/loans"
        refused = assert_problem(await client.post(url, json=loan_body(annual_rate=3.5), headers=OFFICER), 422)
        assert "3%" in refused["errors"][0]["message"]
        assert (await ok(await client.post(url, json=loan_body(annual_rate=3), headers=OFFICER), 201))[
            "annual_rate"
        ] == 3


async def test_bad_repayments_are_refused_and_record_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    loan = await granted(app, client, principal=kzt("1200.00"), annual_rate=0, term_months=3, grace_months=0)
    url = f"/api/v1/loans/{loan['id']}/repayments"

    above = assert_problem(await client.post(url, json={"amount": kzt("1200.01")}, headers=OFFICER), 422)
    assert (above["errors"][0]["field"], above["remaining"]) == ("amount", "1200.00")
    assert _fields(await client.post(url, json={"amount": kzt("0.00")}, headers=OFFICER)) == ["amount"]
    future = {"amount": kzt("10.00"), "on": (TODAY + timedelta(days=1)).isoformat()}
    assert _fields(await client.post(url, json=future, headers=OFFICER)) == ["on"]
    before_start = {"amount": kzt("10.00"), "on": (TODAY - timedelta(days=1)).isoformat()}
    assert assert_problem(await client.post(url, json=before_start, headers=OFFICER), 409)["type"] == (
        "urn:sdo:problem:repayment_out_of_order"
    )
    assert _fields(await client.post(url, json={}, headers=OFFICER)) == ["amount"]
    assert_problem(
        await client.post(
            f"/api/v1/loans/{loan['project_id']}/repayments", json={"amount": kzt("1.00")}, headers=OFFICER
        ),
        404,
    )

    after = await ok(await client.get(f"/api/v1/loans/{loan['id']}", headers=AUDITOR))
    assert (after["repayments"], after["version"], after["remaining"]) == (0, 1, kzt("1200.00"))
