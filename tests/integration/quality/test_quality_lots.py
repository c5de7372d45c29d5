"""Lots through the real app on SQLite and PostgreSQL: switching, nonconformances, dispositions,
concessions, resumption, certificates as JSON and PDF; every bad input a clear 4xx that changes nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from quality_fixtures import INSPECTOR, OFFICER, Order, contracted, quality_app, submitted

from shared.events.types import EventType
from tests.support import EventTap, assert_problem, auth, eventually, inject, running

OFF_SIZE = {"DIAM": 10.2, "PRESS": 120}
BURST = {"DIAM": 10.0, "PRESS": 50}
KZT = {"amount": "150000.00", "currency": "KZT"}


@pytest.fixture
async def lots(database_url: str, memory_url: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, EventTap]]:
    app = quality_app(database_url, memory_url)
    async with running(app) as client, EventTap(memory_url) as tap:
        yield app, client, tap


def _disposition_url(report_id: str | UUID) -> str:
    return f"/api/v1/nonconformances/{report_id}/disposition"


async def test_rejected_lots_tighten_the_series_and_open_reports_only_their_supplier_sees(
    lots: tuple[FastAPI, httpx.AsyncClient, EventTap],
) -> None:
    app, client, _tap = lots
    order = await Order(app, client).contract()
    first = await order.lot(OFF_SIZE, OFF_SIZE)
    await order.lot(BURST)
    plan = await order.plan()
    assert (plan["status"], plan["severity"], plan["switching_score"]) == ("active", "tightened", 0)
    assert [(h["lot_no"], h["verdict"], h["severity_before"], h["severity_after"]) for h in plan["history"]] == [
        (1, "rejected", "normal", "normal"),
        (2, "rejected", "normal", "tightened"),
    ]
    assert first["severity"] == "normal" and first["lot_no"] == 1
    nxt = await order.submit(lot_size=500)
    assert (nxt["severity"], nxt["code_letter"], nxt["sample_size"], nxt["accept"]) == ("tightened", "H", 50, 8)
    reports = await order.reports()
    assert (reports[0]["inspection_id"], reports[0]["status"], reports[0]["critical"]) == (first["id"], "open", False)
    assert reports[1]["critical"] is True and reports[1]["defects"][0]["code"] == "PRESS"
    own = auth("supplier", supplier_id=order.supplier_id)
    assert len(await order.reports(**own)) == 2
    other = auth("supplier", supplier_id=uuid4())
    assert await order.reports(**other) == []
    assert_problem(await client.get(f"/api/v1/nonconformances/{reports[0]['id']}", headers=other), 404)
    single = await client.get(f"/api/v1/nonconformances/{reports[0]['id']}", headers=own)
    assert single.status_code == 200 and single.headers["ETag"] == '"1"'
    page = await client.get("/api/v1/nonconformances", params={"order_id": str(order.id), "limit": 1}, headers=own)
    rest = await client.get(
        "/api/v1/nonconformances", params={"limit": 1, "cursor": page.json()["next_cursor"]}, headers=own
    )
    assert [r["id"] for r in page.json()["items"] + rest.json()["items"]] == [r["id"] for r in reports]


async def test_use_as_is_accepts_the_lot_under_concession_once_and_announces_it(
    lots: tuple[FastAPI, httpx.AsyncClient, EventTap],
) -> None:
    app, client, tap = lots
    order = await Order(app, client).contract()
    rejected = await order.lot(OFF_SIZE, OFF_SIZE)
    (report,) = await order.reports()
    body = {"disposition": "use_as_is", "reason": "Bore within the design margin", "price_reduction": KZT}
    response = await client.post(_disposition_url(report["id"]), json=body, headers=OFFICER)
    assert response.status_code == 200, response.text
    settled = response.json()
    assert (settled["status"], settled["disposition"], settled["price_reduction"]) == (
        "dispositioned",
        "use_as_is",
        KZT,
    )
    assert response.headers["ETag"] == '"2"'
    again = await client.post(_disposition_url(report["id"]), json=body | {"disposition": "scrap"}, headers=OFFICER)
    assert assert_problem(again, 409)["current_status"] == "dispositioned"

    async def announced() -> list[dict[str, Any]]:
        return tap.of_type(EventType.QUALITY_NONCONFORMANCE_DISPOSITIONED)

    (dispositioned,) = await eventually(announced, what="disposition published")
    (accepted,) = tap.of_type(EventType.QUALITY_LOT_ACCEPTED)
    assert (accepted["data"]["concession"], accepted["data"]["price_reduction_kzt"]) == (True, "150000.00")
    assert (accepted["data"]["lot_size"], accepted["data"]["nonconformance_id"]) == (2, report["id"])
    assert accepted["data"]["inspection_id"] == rejected["id"]
    assert dispositioned["data"]["disposition"] == "use_as_is"
    certificate = await client.get(f"/api/v1/certificates/{settled['certificate_id']}", headers=OFFICER)
    document = certificate.json()
    assert document["concession"] is True and document["concession_terms"]["price_reduction"] == KZT
    signed = {k: v for k, v in document.items() if k != "sha256"}
    canonical = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert document["sha256"] == hashlib.sha256(canonical).hexdigest()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"disposition": "use_as_is", "reason": "ok"}, 422, "price_reduction"),
        (
            {"disposition": "use_as_is", "reason": "ok", "price_reduction": {"amount": "9", "currency": "USD"}},
            422,
            None,
        ),
        (
            {"disposition": "use_as_is", "reason": "ok", "price_reduction": {"amount": "-5", "currency": "KZT"}},
            422,
            None,
        ),
        (
            {"disposition": "use_as_is", "reason": "ok", "price_reduction": {"amount": "0", "currency": "KZT"}},
            422,
            None,
        ),
        ({"disposition": "scrap", "reason": "ok", "price_reduction": KZT}, 422, "price_reduction"),
        ({"disposition": "melt", "reason": "ok"}, 422, None),
        ({"disposition": "scrap", "reason": ""}, 422, None),
        ({"disposition": "scrap"}, 422, None),
        ({"disposition": "scrap", "reason": "ok", "extra": 1}, 422, None),
    ],
)
async def test_every_bad_disposition_is_a_clear_problem_and_changes_nothing(
    lots: tuple[FastAPI, httpx.AsyncClient, EventTap], body: dict[str, Any], status: int, field: str | None
) -> None:
    app, client, _tap = lots
    order = await Order(app, client).contract()
    await order.lot(OFF_SIZE, OFF_SIZE)
    (report,) = await order.reports()
    problem = assert_problem(await client.post(_disposition_url(report["id"]), json=body, headers=OFFICER), status)
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]]
    (unchanged,) = await order.reports()
    assert unchanged == report


async def test_a_disposition_is_the_ministrys_and_refused_for_a_critical_lot_or_an_unknown_report(
    lots: tuple[FastAPI, httpx.AsyncClient, EventTap],
) -> None:
    app, client, _tap = lots
    order = await Order(app, client).contract()
    await order.lot(BURST)
    (report,) = await order.reports()
    body = {"disposition": "use_as_is", "reason": "ok", "price_reduction": KZT}
    refused = assert_problem(await client.post(_disposition_url(report["id"]), json=body, headers=OFFICER), 409)
    assert refused["type"].endswith("critical-requirement-failed") and refused["critical_failures"] == 1
    for role in ("quality_inspector", "auditor"):
        assert_problem(await client.post(_disposition_url(report["id"]), json=body, headers=auth(role)), 403)
    own = auth("supplier", supplier_id=order.supplier_id)
    assert_problem(await client.post(_disposition_url(report["id"]), json=body, headers=own), 403)
    assert_problem(await client.post(_disposition_url(uuid4()), json=body, headers=OFFICER), 404)
    stale = {"If-Match": '"7"'}
    scrap = {"disposition": "scrap", "reason": "ok"}
    assert_problem(await client.post(_disposition_url(report["id"]), json=scrap, headers=OFFICER | stale), 412)
    (unchanged,) = await order.reports()
    assert unchanged == report
    ok = await client.post(_disposition_url(report["id"]), json=scrap, headers=OFFICER | {"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["disposition"] == "scrap"


async def test_five_lots_not_accepted_on_tightened_discontinue_until_the_ministry_resumes(
    lots: tuple[FastAPI, httpx.AsyncClient, EventTap],
) -> None:
    app, client, tap = lots
    order = await Order(app, client).contract()
    for _ in range(7):
        await order.lot(BURST)
    plan = await order.plan()
    assert (plan["status"], plan["severity"], plan["history"][-1]["discontinued"]) == (
        "discontinued",
        "tightened",
        True,
    )

    async def discontinued() -> list[dict[str, Any]]:
        return tap.of_type(EventType.QUALITY_INSPECTION_DISCONTINUED)

    (stopped,) = await eventually(discontinued, what="discontinuation published")
    assert (stopped["data"]["lots_not_accepted"], stopped["data"]["supplier_id"]) == (5, str(order.supplier_id))
    # A submission while discontinued opens nothing; it is held for the resumption.
    order.round += 1
    held = submitted(order.id, order.supplier_id, lot_size=90, round_=order.round)
    await inject(app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order.id, held)

    async def refused() -> bool:
        trail = await client.get("/api/v1/audit", params={"resource_id": str(order.id)}, headers=auth("auditor"))
        return "inspection.refused" in [e["action"] for e in trail.json()["items"]]

    await eventually(refused, what="submission refused")
    url = f"/api/v1/plans/{order.id}/resume"
    assert_problem(await client.post(url, json={"reason": ""}, headers=OFFICER), 422)
    assert_problem(await client.post(url, json={"reason": "ok"}, headers=INSPECTOR), 403)
    assert_problem(await client.post(f"/api/v1/plans/{uuid4()}/resume", json={"reason": "ok"}, headers=OFFICER), 404)
    assert (await order.plan())["status"] == "discontinued"
    resumed = await client.post(url, json={"reason": "Corrective action CAR-17 verified"}, headers=OFFICER)
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["status"], resumed.json()["severity"]) == ("active", "tightened")
    assert resumed.json()["history"][-1]["reason"] == "Corrective action CAR-17 verified"
    assert_problem(await client.post(url, json={"reason": "again"}, headers=OFFICER), 409)
    items = (await client.get("/api/v1/inspections", params={"order_id": str(order.id)}, headers=OFFICER)).json()
    opened = items["items"][-1]
    assert (opened["round"], opened["status"], opened["severity"], opened["lot_size"]) == (8, "open", "tightened", 90)

    async def resumed_event() -> list[dict[str, Any]]:
        return tap.of_type(EventType.QUALITY_INSPECTION_RESUMED)

    (event,) = await eventually(resumed_event, what="resumption published")
    assert event["data"]["reason"] == "Corrective action CAR-17 verified"


async def test_a_certificate_is_printed_as_a_pdf_with_its_cyrillic(
    lots: tuple[FastAPI, httpx.AsyncClient, EventTap],
) -> None:
    app, client, _tap = lots
    order_id, supplier_id = uuid4(), uuid4()
    contract = contracted(order_id, supplier_id, aql=10)
    diameter, pressure = contract["technical_requirements"]
    contract["technical_requirements"] = [diameter | {"name": "Диаметр канала"}, pressure]
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contract)
    order = Order(app, client)
    order.id, order.supplier_id = order_id, supplier_id
    await eventually(lambda: order._plan_exists(), what="plan made")
    done = await order.lot()
    url = f"/api/v1/certificates/{done['certificate_id']}"
    as_json = await client.get(url, headers=OFFICER)
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.json()["requirements"][0]["name"] == "Диаметр канала"
    printed = await client.get(url, headers=OFFICER | {"Accept": "application/pdf"})
    assert printed.status_code == 200, printed.text
    assert printed.headers["content-type"] == "application/pdf" and printed.content.startswith(b"%PDF")
    assert printed.headers["ETag"] == as_json.headers["ETag"]
    not_modified = await client.get(url, headers=OFFICER | {"Accept": "application/pdf", "If-None-Match": '"1"'})
    assert not_modified.status_code == 304
    own = auth("supplier", supplier_id=supplier_id)
    assert (await client.get(url, headers=own | {"Accept": "application/pdf"})).status_code == 200
    other = auth("supplier", supplier_id=uuid4())
    assert_problem(await client.get(url, headers=other | {"Accept": "application/pdf"}), 404)
    preferring_json = await client.get(url, headers=OFFICER | {"Accept": "application/json, application/pdf;q=0.5"})
    assert preferring_json.headers["content-type"].startswith("application/json")


async def test_the_sampling_plan_lookup_takes_severity_and_the_special_levels(
    lots: tuple[FastAPI, httpx.AsyncClient, EventTap],
) -> None:
    _app, client, _tap = lots

    async def plan(**params: Any) -> dict[str, Any]:
        response = await client.get("/api/v1/sampling-plan", params=params, headers=OFFICER)
        assert response.status_code == 200, response.text
        return response.json()

    assert await plan(lot_size=1000, aql="1.0", severity="tightened") == {
        "code_letter": "J",
        "sample_size": 80,
        "accept": 1,
        "reject": 2,
    }
    assert await plan(lot_size=1000, aql="1.0", severity="reduced") == {
        "code_letter": "J",
        "sample_size": 32,
        "accept": 1,
        "reject": 3,
    }
    # Lot 1000 at S-2 is letter C; at AQL 1.0 its arrow leads down to E's 0/1.
    assert await plan(lot_size=1000, aql="1.0", level="S-2") == {
        "code_letter": "E",
        "sample_size": 13,
        "accept": 0,
        "reject": 1,
    }
    bad = await client.get(
        "/api/v1/sampling-plan",
        params={"lot_size": 10, "aql": 1, "severity": "lenient", "level": "S-9"},
        headers=OFFICER,
    )
    assert {e["field"] for e in assert_problem(bad, 422)["errors"]} == {"severity", "level"}
