"""An order amended after award, across the three services and the real broker (issue 13): the quantity cut
and the price lowered (accepted), the deadline moved out (rejected by the supplier, then accepted), delivered
and closed; quality's plan, the KPI and diversification follow the amended terms, the audit chains hold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tests.e2e.conftest import Suite
from tests.e2e.test_e2e_lots import Lots
from tests.e2e.test_e2e_order_walk import AUDITOR, MOD, key, ok, register_domestic_supplier, wait_for

CONTRACT_KZT = Decimal("60000000.00")
AMENDED_KZT = Decimal("48000000.00")
REQUIREMENTS = [
    {"code": "TORQUE", "name": "Output torque", "unit": "N*m", "min": 900, "max": 1100, "critical": True},
    {"code": "NOISE", "name": "Noise level", "unit": "dB", "max": 85, "critical": False},
]


def test_an_order_amended_twice_with_one_amendment_rejected_is_delivered_on_the_amended_terms(suite: Suite) -> None:
    orders, suppliers, quality = suite.client("orders"), suite.client("suppliers"), suite.client("quality")
    deadline = date.today() + timedelta(days=120)
    sid = register_domestic_supplier(suppliers, deadline + timedelta(days=60))
    created = ok(
        orders.post(
            "/api/v1/orders",
            headers={**MOD, **key()},
            json={
                "title": "Капитальный ремонт коробок передач",
                "category": "repair",
                "quantity": 20,
                "unit": "pcs",
                "delivery_deadline": str(deadline),
                "delivery_location": "Astana, depot 4",
                "price_ceiling": {"amount": "90000000.00", "currency": "KZT"},
                "funding_source": "state_budget",
                "min_local_content": 50,
                "required_certifications": ["AQAP-2110"],
                "aql": 1.0,
                "technical_requirements": REQUIREMENTS,
            },
        ),
        201,
    )
    oid = created["id"]
    walk = Lots(orders, quality, oid, sid)
    walk.act("publish", role=MOD)
    walk.act("award", {"supplier_id": sid, "contract_price": {"amount": str(CONTRACT_KZT), "currency": "KZT"}}, MOD)
    wait_for(lambda: walk.order()["status"] == "contracted", "contracted")
    wait_for(lambda: quality.get(f"/api/v1/plans/{oid}", headers=walk.supplier).status_code == 200, "plan")

    def amend(changes: dict[str, Any], reason: str) -> int:
        body = {"reason": reason, "changes": changes}
        return int(
            ok(orders.post(f"/api/v1/orders/{oid}/amendments", headers={**MOD, **key()}, json=body), 201)["number"]
        )

    def decide(number: int, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"/api/v1/orders/{oid}/amendments/{number}/{action}"
        return ok(orders.post(url, headers={**walk.supplier, **key()}, json=body))

    # 1: four units fewer, at a lower price: accepted.
    first = amend({"quantity": 16, "contract_price": {"amount": str(AMENDED_KZT), "currency": "KZT"}}, "Four fewer")
    assert decide(first, "accept")["status"] == "accepted"
    # 2: the deadline 60 days out: the supplier rejects it; 3: 30 days out: accepted.
    second = amend({"delivery_deadline": str(deadline + timedelta(days=60))}, "Range closed in spring")
    assert decide(second, "reject", {"reason": "storage costs beyond 30 days"})["status"] == "rejected"
    new_deadline = deadline + timedelta(days=30)
    third = amend({"delivery_deadline": str(new_deadline)}, "Range closed in spring, 30 days")
    assert decide(third, "accept")["status"] == "accepted"
    amended = walk.order()
    assert (amended["quantity"], amended["delivery_deadline"], amended["contract_price_kzt"]) == (
        16,
        str(new_deadline),
        str(AMENDED_KZT),
    )
    assert (amended["amendment_count"], amended["last_amendment"]["number"], amended["status"]) == (3, 3, "contracted")

    # Quality re-plans on the amended quantity (the rejected amendment announced nothing).
    def plan() -> dict[str, Any] | None:
        body = ok(quality.get(f"/api/v1/plans/{oid}", headers=walk.supplier))
        return body if body.get("amendment_number") == third else None

    assert wait_for(plan, "the plan following amendment 3")["quantity"] == 16

    walk.act("start-production")
    walk.inspect(16, good=True)
    walk.wait("accepted", 16)
    assert walk.act("ship", {"waybill": "WB-A1"})["status"] == "shipped"
    delivered = walk.act("confirm-delivery", {"received_quantity": 16}, MOD)
    assert (delivered["status"], delivered["on_time"]) == ("delivered", True)
    assert walk.act("close", role=MOD)["status"] == "closed"

    listed = ok(orders.get(f"/api/v1/orders/{oid}/amendments", headers=AUDITOR))["items"]
    assert [(a["number"], a["status"]) for a in listed] == [(1, "accepted"), (2, "rejected"), (3, "accepted")]

    # The KPI and diversification count the amended price, not the awarded one.
    repair = next(
        c for c in ok(orders.get("/api/v1/analytics/kpi", headers=MOD))["categories"] if c["category"] == "repair"
    )
    assert Decimal(repair["contracted_value_kzt"]) == AMENDED_KZT
    assert Decimal(repair["localized_value_kzt"]) == AMENDED_KZT * Decimal("0.8")  # the supplier's 80% local content

    def diversified() -> dict[str, Any] | None:
        rows = ok(suppliers.get("/api/v1/analytics/diversification", headers=MOD))["categories"]
        row = next(r for r in rows if r["category"] == "repair")
        return row if Decimal(row["awarded_value_kzt"]) == AMENDED_KZT else None

    assert wait_for(diversified, "diversification at the amended price")["domestic_share"] == 100.0

    for client in (orders, suppliers, quality):
        assert ok(client.get("/api/v1/audit/verify", headers=AUDITOR))["valid"] is True
    entries = ok(orders.get("/api/v1/audit", params={"resource_id": oid, "limit": 500}, headers=AUDITOR))["items"]
    assert [e["action"] for e in entries].count("order.amend") == 2
