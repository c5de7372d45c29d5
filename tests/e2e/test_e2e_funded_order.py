"""A Development Fund order across four service processes on RabbitMQ and PostgreSQL (issue 14): refused
publication until its project is approved (submitted by the fund, endorsed by the Ministry of Defense,
approved for an active enterprise the registry announced), then published, awarded and delivered."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.e2e.conftest import Suite
from tests.e2e.test_e2e_lots import Lots
from tests.e2e.test_e2e_order_walk import AUDITOR, MOD, key, ok, register_domestic_supplier, wait_for
from tests.support import auth

FUND_OFFICER = auth("fund_officer")
REQUIREMENTS = [
    {"code": "TORQUE", "name": "Output torque", "unit": "N*m", "min": 900, "max": 1100, "critical": True},
    {"code": "NOISE", "name": "Noise level", "unit": "dB", "max": 85, "critical": False},
]


def test_a_funded_order_waits_for_its_project_then_runs_to_delivery(fund_suite: Suite) -> None:
    suite = fund_suite
    orders, suppliers, quality, fund = (suite.client(n) for n in ("orders", "suppliers", "quality", "fund"))
    deadline = date.today() + timedelta(days=150)
    sid = register_domestic_supplier(suppliers, deadline)

    def known_active() -> bool:
        response = fund.get(f"/api/v1/enterprises/{sid}", headers=AUDITOR)
        return response.status_code == 200 and response.json()["status"] == "active"

    wait_for(known_active, "the fund knowing the enterprise as active")
    soon = date.today() + timedelta(days=60)
    project = ok(
        fund.post(
            "/api/v1/projects",
            headers={**FUND_OFFICER, **key()},
            json={
                "title": "Gearbox overhaul line",
                "enterprise_id": sid,
                "category": "repair",
                "defense_need": "Restores the repair capacity of the armoured units' gearboxes in the country.",
                "order_ids": [],
                "budget": {"amount": "300000000.00", "currency": "KZT"},
                "local_content_target": 60,
                "milestones": [
                    {"name": "Tooling", "due_date": str(soon), "amount": {"amount": "100000000.00", "currency": "KZT"}},
                    {
                        "name": "First gearbox",
                        "due_date": str(soon + timedelta(days=90)),
                        "amount": {"amount": "200000000.00", "currency": "KZT"},
                    },
                ],
            },
        ),
        201,
    )
    pid = project["id"]
    created = ok(
        orders.post(
            "/api/v1/orders",
            headers={**MOD, **key()},
            json={
                "title": "Gearboxes from the Fund's line",
                "category": "repair",
                "quantity": 10,
                "unit": "pcs",
                "delivery_deadline": str(deadline),
                "delivery_location": "Astana, depot 4",
                "price_ceiling": {"amount": "50000000.00", "currency": "KZT"},
                "funding_source": "development_fund",
                "fund_project_id": pid,
                "min_local_content": 50,
                "required_certifications": ["AQAP-2110"],
                "aql": 1.0,
                "technical_requirements": REQUIREMENTS,
            },
        ),
        201,
    )
    oid = created["id"]
    assert created["fund_project_id"] == pid

    def publish() -> Any:
        return orders.post(f"/api/v1/orders/{oid}/publish", headers={**MOD, **key()})

    submitted = publish()
    assert submitted.status_code == 409 and submitted.json()["type"] == "urn:sdo:problem:fund_project_not_approved"
    ok(fund.post(f"/api/v1/projects/{pid}/endorse", headers={**MOD, **key()}))
    endorsed = publish()
    assert endorsed.status_code == 409, endorsed.text  # endorsed is not approved
    assert ok(fund.post(f"/api/v1/projects/{pid}/approve", headers={**FUND_OFFICER, **key()}))["status"] == "approved"
    published = wait_for(lambda: (r := publish()).status_code == 200 and r.json(), "published once approved")
    assert (published["status"], published["fund_project_id"]) == ("published", pid)

    walk = Lots(orders, quality, oid, sid)
    walk.act("award", {"supplier_id": sid, "contract_price": {"amount": "45000000.00", "currency": "KZT"}}, MOD)
    wait_for(lambda: walk.order()["status"] == "contracted", "contracted")
    wait_for(lambda: quality.get(f"/api/v1/plans/{oid}", headers=walk.supplier).status_code == 200, "plan")
    walk.act("start-production")
    walk.inspect(10, good=True)
    walk.wait("accepted", 10)
    walk.act("ship", {"waybill": "WB-F1"})
    delivered = walk.act("confirm-delivery", {"received_quantity": 10}, MOD)
    assert (delivered["status"], delivered["fund_project_id"]) == ("delivered", pid)
    for client in (orders, suppliers, quality, fund):
        assert ok(client.get("/api/v1/audit/verify", headers=AUDITOR))["valid"] is True
