"""One order from specification to closure across three processes and the real broker."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Protocol
from uuid import uuid4

import httpx

from services.suppliers.testdata import kz_body
from tests.e2e.conftest import Suite
from tests.support import auth

MOD = auth("mod_officer")
MIC = auth("mic_officer")
INSPECTOR = auth("quality_inspector")
AUDITOR = auth("auditor")


def wait_for(probe: Callable[[], Any], what: str, within: float = 30.0) -> Any:
    deadline = time.monotonic() + within
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached in {within}s (last: {last!r})")


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid4())}


def register_domestic_supplier(suppliers: httpx.Client, deadline: date) -> str:
    supplier = ok(
        suppliers.post(
            "/api/v1/suppliers",
            headers={**MIC, **key()},
            json=kz_body(categories=["repair", "production"], local_content_share=80),
        ),
        201,
    )
    sid = supplier["id"]
    today = date.today()
    ok(
        suppliers.post(
            f"/api/v1/suppliers/{sid}/licenses",
            headers={**MIC, **key()},
            json={
                "category": "repair",
                "number": "L-001",
                "valid_from": str(today - timedelta(days=30)),
                "valid_until": str(deadline + timedelta(days=365)),
            },
        ),
        201,
    )
    ok(
        suppliers.post(
            f"/api/v1/suppliers/{sid}/certifications",
            headers={**MIC, **key()},
            json={"standard": "AQAP-2110", "number": "C-77", "valid_until": str(deadline + timedelta(days=365))},
        ),
        201,
    )
    assert ok(suppliers.post(f"/api/v1/suppliers/{sid}/verify", headers={**MIC, **key()}))["status"] == "active"
    return sid


class Api(Protocol):
    """What a walk needs of a service: an httpx.Client, or a round robin over replicas."""

    def get(self, url: str, **kwargs: Any) -> httpx.Response: ...

    def post(self, url: str, **kwargs: Any) -> httpx.Response: ...


def walk_order(orders: Api, quality: Api, sid: str, deadline: date, serial_prefix: str = "GB") -> str:
    """One order from draft to closed through the HTTP APIs; returns its id."""
    supplier = auth("supplier", supplier_id=sid)

    order = ok(
        orders.post(
            "/api/v1/orders",
            headers={**MOD, **key()},
            json={
                "title": "Overhaul of armoured vehicle gearboxes",
                "category": "repair",
                "quantity": 500,
                "unit": "pcs",
                "delivery_deadline": str(deadline),
                "delivery_location": "Astana, depot 4",
                "price_ceiling": {"amount": "90000000.00", "currency": "KZT"},
                "funding_source": "state_budget",
                "min_local_content": 50,
                "required_certifications": ["AQAP-2110"],
                "requires_security_clearance": True,
                "aql": 1.0,
                "technical_requirements": [
                    {
                        "code": "TORQUE",
                        "name": "Output torque",
                        "unit": "N*m",
                        "min": 900,
                        "max": 1100,
                        "critical": True,
                    },
                    {"code": "NOISE", "name": "Noise level", "unit": "dB", "max": 85, "critical": False},
                ],
            },
        ),
        201,
    )
    oid = order["id"]
    assert order["status"] == "draft" and order["number"].startswith("SDO-")
    ok(orders.post(f"/api/v1/orders/{oid}/publish", headers={**MOD, **key()}))
    award = {"supplier_id": sid, "contract_price": {"amount": "150000.00", "currency": "USD"}}
    assert ok(orders.post(f"/api/v1/orders/{oid}/award", headers={**MOD, **key()}, json=award))["status"] == (
        "award_pending"
    )

    def status() -> str:
        return ok(orders.get(f"/api/v1/orders/{oid}/status", headers=MOD))["status"]

    wait_for(lambda: status() == "contracted", "contracted after the registry confirms")
    plan = wait_for(lambda: quality.get(f"/api/v1/plans/{oid}", headers=supplier).status_code == 200, "plan")
    assert plan

    ok(orders.post(f"/api/v1/orders/{oid}/start-production", headers={**supplier, **key()}))
    ok(
        orders.post(
            f"/api/v1/orders/{oid}/submit-for-inspection", headers={**supplier, **key()}, json={"lot_size": 500}
        )
    )

    def open_inspection() -> dict[str, Any] | None:
        items = ok(quality.get("/api/v1/inspections", params={"order_id": oid}, headers=INSPECTOR))["items"]
        return items[0] if items else None

    inspection = wait_for(open_inspection, "inspection opened")
    # ISO 2859-1, level II: a lot of 500 is letter H, 50 units; at AQL 1.0 accept 1, reject 2.
    assert (inspection["code_letter"], inspection["sample_size"], inspection["accept"], inspection["reject"]) == (
        "H",
        50,
        1,
        2,
    )
    for unit in range(inspection["sample_size"]):
        ok(
            quality.post(
                f"/api/v1/inspections/{inspection['id']}/measurements",
                headers={**INSPECTOR, **key()},
                json={"unit_serial": f"{serial_prefix}-{unit:04d}", "values": {"TORQUE": 1000 + unit % 7, "NOISE": 80}},
            ),
            201,
        )
    verdict = ok(quality.post(f"/api/v1/inspections/{inspection['id']}/complete", headers={**INSPECTOR, **key()}))
    assert verdict["status"] == "accepted" and verdict["certificate_id"]

    wait_for(lambda: status() == "accepted", "accepted after the quality verdict")
    ok(orders.post(f"/api/v1/orders/{oid}/ship", headers={**supplier, **key()}, json={"waybill": "WB-2026-001"}))
    delivered = ok(
        orders.post(f"/api/v1/orders/{oid}/confirm-delivery", headers={**MOD, **key()}, json={"received_quantity": 500})
    )
    assert delivered["status"] == "delivered" and delivered["on_time"] is True
    assert ok(orders.post(f"/api/v1/orders/{oid}/close", headers={**MOD, **key()}))["status"] == "closed"
    return oid


def test_an_order_walks_from_draft_to_closed_across_the_three_services(suite: Suite) -> None:
    orders, suppliers, quality = suite.client("orders"), suite.client("suppliers"), suite.client("quality")
    deadline = date.today() + timedelta(days=120)
    sid = register_domestic_supplier(suppliers, deadline)
    supplier = auth("supplier", supplier_id=sid)
    oid = walk_order(orders, quality, sid, deadline)

    items = ok(orders.get(f"/api/v1/orders/{oid}/history", headers=AUDITOR))["items"]
    assert [h["to_status"] for h in items] == [
        "draft",
        "published",
        "award_pending",
        "contracted",
        "in_production",
        "inspection",
        "accepted",
        "shipped",
        "delivered",
        "closed",
    ]

    scorecard = wait_for(
        lambda: (s := ok(suppliers.get(f"/api/v1/suppliers/{sid}/scorecard", headers=supplier)))["deliveries"] and s,
        "scorecard updated from events",
    )
    assert scorecard["orders_awarded"] == 1 and scorecard["lots_accepted"] == 1 and scorecard["on_time_rate"] == 100
    kpi = ok(orders.get("/api/v1/analytics/kpi", headers=MOD))
    repair = next(c for c in kpi["categories"] if c["category"] == "repair")
    assert float(repair["domestic_share"]) == 100.0
    for client in (orders, suppliers, quality):
        assert ok(client.get("/api/v1/audit/verify", headers=AUDITOR))["valid"] is True
