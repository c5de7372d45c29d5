"""The fund through its HTTP API, on SQLite and PostgreSQL: lifecycles, reads, roles, ETags, idempotency, audit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI
from fund_fixtures import (
    AUDITOR,
    INTEGRATION,
    MOD,
    OFFICER,
    announce,
    approved,
    enterprise,
    granted,
    known_as,
    kzt,
    loan_body,
    ok,
    project_body,
    submitted,
)

from shared.events.types import EventType
from tests.support import EventTap, assert_problem, auth, eventually


async def test_a_project_goes_from_submission_to_closing_with_its_history_events_and_audit(
    app: FastAPI, client: httpx.AsyncClient, tap: EventTap
) -> None:
    order_id = str(uuid4())
    enterprise_id = await enterprise(app, client)
    created = await client.post(
        "/api/v1/projects", json=project_body(enterprise_id, order_ids=[order_id]), headers=OFFICER
    )
    project = await ok(created, 201)
    url = f"/api/v1/projects/{project['id']}"
    assert created.headers["location"] == url
    assert created.headers["etag"] == '"1"'
    assert (project["status"], project["allowed_actions"]) == ("submitted", ["endorse", "reject"])
    assert project["budget"] == kzt("300000000.00")
    assert project["available_to_lend"] == kzt("300000000.00")
    assert [m["n"] for m in project["milestones"]] == [1, 2]

    endorsed = await ok(await client.post(f"{url}/endorse", headers=MOD))
    assert (endorsed["status"], endorsed["endorsed_by"], endorsed["version"]) == ("endorsed", "mod_officer-user", 2)
    approval = await client.post(f"{url}/approve", headers=OFFICER)
    assert approval.headers["etag"] == '"3"'
    tranche = await ok(await client.post(f"{url}/milestones/1/complete", json={"evidence": "Act 14"}, headers=OFFICER))
    assert tranche["disbursed"] == kzt("100000000.00")
    assert tranche["milestones"][0]["evidence"] == "Act 14"
    closed = await ok(await client.post(f"{url}/close", json={"reason": "work completed"}, headers=INTEGRATION))
    assert (closed["status"], closed["end_reason"], closed["allowed_actions"]) == ("closed", "work completed", [])

    history = (await ok(await client.get(f"{url}/history", headers=AUDITOR)))["items"]
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("submit", None, "submitted"),
        ("endorse", "submitted", "endorsed"),
        ("approve", "endorsed", "approved"),
        ("complete-milestone", "approved", "approved"),
        ("close", "approved", "closed"),
    ]
    events = await eventually(lambda: _fund_events(tap, 3), what="the fund's three events")
    assert [e["type"] for e in events] == [
        EventType.FUND_PROJECT_APPROVED,
        EventType.FUND_TRANCHE_DISBURSED,
        EventType.FUND_PROJECT_CLOSED,
    ]
    assert [h["event_id"] for h in history] == [None, None, events[0]["id"], events[1]["id"], events[2]["id"]]
    assert {e["source"] for e in events} == {"sdo/fund"}
    assert events[0]["subject"] == project["id"]
    assert events[0]["data"]["order_ids"] == [order_id]
    assert events[1]["data"]["amount_kzt"] == "100000000.00"

    trail = (await ok(await client.get(f"/api/v1/audit?resource_id={project['id']}", headers=AUDITOR)))["items"]
    assert [entry["action"] for entry in trail] == [
        "project.submit",
        "project.endorse",
        "project.approve",
        "project.complete-milestone",
        "project.close",
    ]
    verdict = await ok(await client.get("/api/v1/audit/verify", headers=AUDITOR))
    assert verdict["valid"] is True


async def _fund_events(tap: EventTap, count: int) -> list[dict[str, Any]]:
    found = [e for e in tap.events if e["type"].startswith("kz.sdo.fund.")]
    return found if len(found) >= count else []


async def test_projects_are_listed_oldest_first_with_filters_cursor_and_etags(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first_enterprise = await enterprise(app, client)
    first = await submitted(client, first_enterprise)
    second = await submitted(client, first_enterprise, category="production", local_content_target=75)
    third = await submitted(client, await enterprise(app, client))
    await ok(await client.post(f"/api/v1/projects/{second['id']}/endorse", headers=MOD))

    async def ids(query: str) -> list[str]:
        return [p["id"] for p in (await ok(await client.get(f"/api/v1/projects{query}", headers=AUDITOR)))["items"]]

    assert await ids("") == [first["id"], second["id"], third["id"]]
    assert await ids("?status=endorsed") == [second["id"]]
    assert await ids("?category=production") == [second["id"]]
    assert await ids(f"?enterprise_id={first_enterprise}") == [first["id"], second["id"]]
    page = await ok(await client.get("/api/v1/projects?limit=2", headers=AUDITOR))
    rest = await ok(await client.get(f"/api/v1/projects?limit=2&cursor={page['next_cursor']}", headers=AUDITOR))
    assert [p["id"] for p in page["items"] + rest["items"]] == [first["id"], second["id"], third["id"]]
    assert rest["next_cursor"] is None

    one = await client.get(f"/api/v1/projects/{first['id']}", headers=AUDITOR)
    assert one.headers["etag"] == '"1"'
    unchanged = await client.get(f"/api/v1/projects/{first['id']}", headers={**AUDITOR, "If-None-Match": '"1"'})
    assert unchanged.status_code == 304
    listing = await client.get("/api/v1/projects", headers=AUDITOR)
    again = await client.get("/api/v1/projects", headers={**AUDITOR, "If-None-Match": listing.headers["etag"]})
    assert again.status_code == 304


async def test_a_stale_if_match_answers_412_and_changes_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    project = await submitted(client, await enterprise(app, client))
    url = f"/api/v1/projects/{project['id']}"

    stale = await client.post(f"{url}/endorse", headers={**MOD, "If-Match": '"7"'})
    body = assert_problem(stale, 412)
    assert body["current_version"] == 1
    assert (await ok(await client.get(url, headers=AUDITOR)))["status"] == "submitted"
    endorsed = await client.post(f"{url}/endorse", headers={**MOD, "If-Match": '"1"'})
    assert (endorsed.status_code, endorsed.headers["etag"]) == (200, '"2"')

    loan = await granted(app, client)
    repay = await client.post(
        f"/api/v1/loans/{loan['id']}/repayments",
        json={"amount": kzt("10.00")},
        headers={**OFFICER, "If-Match": '"2"'},
    )
    assert_problem(repay, 412)
    assert (await ok(await client.get(f"/api/v1/loans/{loan['id']}", headers=AUDITOR)))["repayments"] == 0


async def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    enterprise_id = await enterprise(app, client)
    keyed = {**OFFICER, "Idempotency-Key": "project-2026-0001"}
    first = await client.post("/api/v1/projects", json=project_body(enterprise_id), headers=keyed)
    replay = await client.post("/api/v1/projects", json=project_body(enterprise_id), headers=keyed)
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["idempotent-replayed"] == "true"
    other = await client.post("/api/v1/projects", json=project_body(enterprise_id, title="Another"), headers=keyed)
    assert_problem(other, 422)
    assert len((await ok(await client.get("/api/v1/projects", headers=AUDITOR)))["items"]) == 1

    loan = await granted(app, client)
    url = f"/api/v1/loans/{loan['id']}/repayments"
    paid = {**OFFICER, "Idempotency-Key": "repayment-1"}
    once = await client.post(url, json={"amount": kzt("1000.00")}, headers=paid)
    twice = await client.post(url, json={"amount": kzt("1000.00")}, headers=paid)
    assert (once.status_code, twice.json()) == (201, once.json())
    assert twice.headers["location"] == f"{url}/1"
    assert (await ok(await client.get(url, headers=AUDITOR)))["items"][0]["seq"] == 1
    assert len((await ok(await client.get(url, headers=AUDITOR)))["items"]) == 1


async def test_only_the_mod_endorses_and_each_command_admits_the_roles_the_table_names(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    project = await submitted(client, await enterprise(app, client))
    url = f"/api/v1/projects/{project['id']}"

    by_integration = assert_problem(await client.post(f"{url}/endorse", headers=INTEGRATION), 403)
    # The route's rule counts the token's own roles: integration's implied mod_officer does not endorse.
    assert (by_integration["type"], by_integration["allowed_roles"]) == ("urn:sdo:problem:forbidden", ["mod_officer"])
    for role in ("fund_officer", "auditor", "mic_officer"):
        assert_problem(await client.post(f"{url}/endorse", headers=auth(role)), 403)
    for role in ("mod_officer", "auditor", "quality_inspector"):
        body = project_body(project["enterprise_id"])
        assert_problem(await client.post("/api/v1/projects", json=body, headers=auth(role)), 403)
    assert_problem(await client.post(f"{url}/reject", json={"reason": "no"}, headers=MOD), 403)
    unauthenticated = await client.post(f"{url}/endorse")
    assert_problem(unauthenticated, 401)
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")
    assert_problem(await client.get("/api/v1/analytics/fund", headers=auth("quality_inspector")), 403)
    assert (await ok(await client.get(url, headers=AUDITOR)))["version"] == 1


async def test_approval_is_refused_naming_the_reason_unless_endorsed_and_the_enterprise_active(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    enterprise_id = await enterprise(app, client)
    project = await submitted(client, enterprise_id)
    url = f"/api/v1/projects/{project['id']}"

    early = assert_problem(await client.post(f"{url}/approve", headers=OFFICER), 409)
    assert (early["type"], early["current_status"], early["allowed_actions"]) == (
        "urn:sdo:problem:project_not_endorsed",
        "submitted",
        ["reject"],
    )
    await ok(await client.post(f"{url}/endorse", headers=MOD))
    await announce(app, enterprise_id, "suspended", "active")
    await known_as(client, enterprise_id, "suspended")
    suspended = assert_problem(await client.post(f"{url}/approve", headers=OFFICER), 409)
    assert (suspended["type"], suspended["enterprise_status"]) == ("urn:sdo:problem:enterprise_not_active", "suspended")
    assert (await ok(await client.get(url, headers=AUDITOR)))["status"] == "endorsed"

    await announce(app, enterprise_id, "active", "suspended")
    await known_as(client, enterprise_id, "active")
    assert (await ok(await client.post(f"{url}/approve", headers=OFFICER)))["status"] == "approved"

    unknown = await client.post("/api/v1/projects", json=project_body(uuid4()), headers=OFFICER)
    assert assert_problem(unknown, 409)["type"] == "urn:sdo:problem:enterprise_unknown"


async def test_a_loan_has_its_annuity_schedule_and_repayments_until_repaid(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    project = await approved(app, client)
    created = await client.post(
        f"/api/v1/projects/{project['id']}/loans",
        json=loan_body(principal=kzt("1000000.00"), annual_rate=5, term_months=6, grace_months=2),
        headers=OFFICER,
    )
    loan = await ok(created, 201)
    assert created.headers["location"] == f"/api/v1/loans/{loan['id']}"
    assert (loan["status"], loan["level_payment"], loan["total_due"]) == (
        "active",
        kzt("252609.58"),
        kzt("1018771.67"),
    )
    lent = await ok(await client.get(f"/api/v1/projects/{project['id']}", headers=AUDITOR))
    assert (lent["lent"], lent["available_to_lend"]) == (kzt("1000000.00"), kzt("299000000.00"))

    schedule = await ok(await client.get(f"/api/v1/loans/{loan['id']}/schedule", headers=AUDITOR))
    rows = schedule["installments"]
    assert [r["grace"] for r in rows] == [True, True, False, False, False, False]
    assert [r["interest"]["amount"] for r in rows[:2]] == ["4166.67", "4166.67"]
    assert sum(Decimal(r["principal"]["amount"]) for r in rows) == Decimal("1000000.00")
    assert rows[-1]["balance"] == kzt("0.00")
    assert {r["state"] for r in rows} == {"open"}

    url = f"/api/v1/loans/{loan['id']}/repayments"
    for n, row in enumerate(rows, start=1):
        receipt = await ok(await client.post(url, json={"amount": row["payment"]}, headers=OFFICER), 201)
        assert (receipt["seq"], receipt["allocations"][0]["month"]) == (n, n)
    assert (receipt["loan_status"], receipt["remaining"]) == ("repaid", kzt("0.00"))
    done = await ok(await client.get(f"/api/v1/loans/{loan['id']}", headers=AUDITOR))
    assert (done["status"], done["outstanding_principal"], done["repayments"]) == ("repaid", kzt("0.00"), 6)
    more = assert_problem(await client.post(url, json={"amount": kzt("1.00")}, headers=OFFICER), 409)
    assert more["current_status"] == "repaid"
    listed = await ok(await client.get(f"{url}?limit=4", headers=AUDITOR))
    assert [r["seq"] for r in listed["items"]] == [1, 2, 3, 4]
    tail = await ok(await client.get(f"{url}?limit=4&cursor={listed['next_cursor']}", headers=AUDITOR))
    assert [r["seq"] for r in tail["items"]] == [5, 6]
    third = await client.get(f"{url}/3", headers=AUDITOR)
    assert (third.json()["amount"], third.headers["etag"]) == (rows[2]["payment"], '"1"')
    assert_problem(await client.get(f"{url}/7", headers=AUDITOR), 404)
    loans = await ok(await client.get(f"/api/v1/loans?project_id={project['id']}&status=repaid", headers=AUDITOR))
    assert [item["id"] for item in loans["items"]] == [loan["id"]]


async def test_an_enterprise_sees_only_its_own_projects_and_loans(app: FastAPI, client: httpx.AsyncClient) -> None:
    loan = await granted(app, client)
    mine = auth("supplier", supplier_id=loan["enterprise_id"])
    other = auth("supplier", supplier_id=uuid4())

    assert [p["id"] for p in (await ok(await client.get("/api/v1/projects", headers=mine)))["items"]] == [
        loan["project_id"]
    ]
    assert (await ok(await client.get("/api/v1/projects", headers=other)))["items"] == []
    for path in (
        f"/api/v1/projects/{loan['project_id']}",
        f"/api/v1/projects/{loan['project_id']}/history",
        f"/api/v1/loans/{loan['id']}",
        f"/api/v1/loans/{loan['id']}/schedule",
        f"/api/v1/loans/{loan['id']}/repayments",
        f"/api/v1/enterprises/{loan['enterprise_id']}",
    ):
        assert (await client.get(path, headers=mine)).status_code == 200, path
        assert_problem(await client.get(path, headers=other), 404)
    repay = await client.post(f"/api/v1/loans/{loan['id']}/repayments", json={"amount": kzt("1.00")}, headers=mine)
    assert_problem(repay, 403)
