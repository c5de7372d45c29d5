"""An order of three lots across the three services and the real broker: one lot rejected and
accepted under concession (`use_as_is`, the price reduced), one short receipt and its replacement,
to `closed`; the quantities, certificates, scorecard, KPI value and audit chains agree."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from tests.e2e.conftest import Suite
from tests.e2e.test_e2e_order_walk import AUDITOR, INSPECTOR, MOD, key, ok, register_domestic_supplier, wait_for
from tests.support import auth

CONTRACT_KZT = Decimal("60000000.00")
REDUCTION_KZT = Decimal("1500000.00")


class Lots:
    def __init__(self, orders: httpx.Client, quality: httpx.Client, oid: str, sid: str) -> None:
        self.orders, self.quality, self.oid = orders, quality, oid
        self.supplier = auth("supplier", supplier_id=sid)

    def order(self) -> dict[str, Any]:
        return ok(self.orders.get(f"/api/v1/orders/{self.oid}", headers=AUDITOR))

    def act(self, action: str, body: dict[str, Any] | None = None, role: dict[str, str] | None = None) -> Any:
        return ok(
            self.orders.post(
                f"/api/v1/orders/{self.oid}/{action}", headers={**(role or self.supplier), **key()}, json=body
            )
        )

    def wait(self, status: str, accepted: int) -> dict[str, Any]:
        def there() -> dict[str, Any] | None:
            order = self.order()
            return order if (order["status"], order["accepted_quantity"]) == (status, accepted) else None

        return wait_for(there, f"{status} with {accepted} units accepted")

    def inspect(self, lot_size: int, *, good: bool) -> dict[str, Any]:
        """Submit a lot and measure its sample: within limits, or noisy (a non-critical failure) in every unit."""
        rounds = self.act("submit-for-inspection", {"lot_size": lot_size})["inspection_rounds"]

        def opened() -> dict[str, Any] | None:
            items = ok(
                self.quality.get(
                    "/api/v1/inspections", params={"order_id": self.oid, "status": "open"}, headers=INSPECTOR
                )
            )["items"]
            return items[0] if items and items[0]["round"] == rounds else None

        inspection = wait_for(opened, f"inspection round {rounds} opened")
        assert inspection["lot_size"] == lot_size
        for unit in range(inspection["sample_size"]):
            values = {"TORQUE": 1000 + unit % 7, "NOISE": 80 if good else 90}
            ok(
                self.quality.post(
                    f"/api/v1/inspections/{inspection['id']}/measurements",
                    headers={**INSPECTOR, **key()},
                    json={"unit_serial": f"R{rounds}-{unit:04d}", "values": values},
                ),
                201,
            )
        verdict = ok(
            self.quality.post(f"/api/v1/inspections/{inspection['id']}/complete", headers={**INSPECTOR, **key()})
        )
        assert verdict["status"] == ("accepted" if good else "rejected"), verdict
        return verdict


def test_three_lots_with_a_concession_a_short_receipt_and_its_replacement_reach_closed(suite: Suite) -> None:
    orders, suppliers, quality = suite.client("orders"), suite.client("suppliers"), suite.client("quality")
    deadline = date.today() + timedelta(days=150)
    sid = register_domestic_supplier(suppliers, deadline)
    schedule = [
        {"quantity": 40, "due_date": str(date.today() + timedelta(days=50))},
        {"quantity": 40, "due_date": str(date.today() + timedelta(days=100))},
        {"quantity": 20, "due_date": str(deadline)},
    ]
    created = ok(
        orders.post(
            "/api/v1/orders",
            headers={**MOD, **key()},
            json={
                "title": "Gearboxes for armoured vehicles, in three lots",
                "category": "repair",
                "quantity": 100,
                "unit": "pcs",
                "delivery_deadline": str(deadline),
                "delivery_schedule": schedule,
                "delivery_location": "Astana, depot 4",
                "price_ceiling": {"amount": "90000000.00", "currency": "KZT"},
                "funding_source": "state_budget",
                "min_local_content": 50,
                "required_certifications": ["AQAP-2110"],
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
    oid = created["id"]
    assert [lot["quantity"] for lot in created["delivery_schedule"]] == [40, 40, 20]
    walk = Lots(orders, quality, oid, sid)
    walk.act("publish", role=MOD)
    walk.act("award", {"supplier_id": sid, "contract_price": {"amount": str(CONTRACT_KZT), "currency": "KZT"}}, MOD)
    wait_for(lambda: walk.order()["status"] == "contracted", "contracted")
    wait_for(lambda: quality.get(f"/api/v1/plans/{oid}", headers=walk.supplier).status_code == 200, "plan")
    walk.act("start-production")

    # Lot 1: accepted, shipped while the rest is in production.
    walk.inspect(40, good=True)
    walk.wait("in_production", 40)
    assert walk.act("ship", {"waybill": "WB-1"})["status"] == "in_production"

    # Lot 2: rejected on a non-critical requirement, accepted under concession for a price reduction.
    walk.inspect(40, good=False)
    walk.wait("rework", 40)
    report = wait_for(
        lambda: ok(quality.get("/api/v1/nonconformances", params={"order_id": oid}, headers=MOD))["items"],
        "nonconformance report opened",
    )[0]
    assert (report["status"], report["critical"]) == ("open", False)
    ok(
        quality.post(
            f"/api/v1/nonconformances/{report['id']}/disposition",
            headers={**MOD, **key()},
            json={
                "disposition": "use_as_is",
                "reason": "noise within the field tolerance agreed with the user unit",
                "price_reduction": {"amount": str(REDUCTION_KZT), "currency": "KZT"},
            },
        )
    )
    conceded = walk.wait("in_production", 80)
    reduced = CONTRACT_KZT - REDUCTION_KZT
    assert conceded["contract_price"] == {"amount": str(reduced), "currency": "KZT"}
    assert conceded["contract_price_kzt"] == str(reduced)
    assert walk.act("ship", {"waybill": "WB-2"})["shipped_quantity"] == 80

    # Receipts: shipment 1 in full, shipment 2 short by 5 (they go back to production).
    assert walk.act("confirm-delivery", {"received_quantity": 40, "shipment_no": 1}, MOD)["received_quantity"] == 40
    short = walk.act("confirm-delivery", {"received_quantity": 35}, MOD)
    assert (short["status"], short["accepted_quantity"], short["shipped_quantity"]) == ("in_production", 75, 75)

    # Lot 3 with the 5 replacement units: accepted, shipped, received: delivered.
    walk.inspect(25, good=True)
    walk.wait("accepted", 100)
    assert walk.act("ship", {"waybill": "WB-3"})["status"] == "shipped"
    delivered = walk.act("confirm-delivery", {"received_quantity": 25}, MOD)
    assert (delivered["status"], delivered["on_time"], delivered["received_quantity"]) == ("delivered", True, 100)
    assert [(lot["received_quantity"], lot["on_time"]) for lot in delivered["delivery_schedule"]] == [
        (40, True),
        (40, True),
        (20, True),
    ]
    assert walk.act("close", role=MOD)["status"] == "closed"
    shipments = ok(orders.get(f"/api/v1/orders/{oid}/shipments", headers=walk.supplier))["items"]
    assert [(s["quantity"], s["received_quantity"], s["waybill"]) for s in shipments] == [
        (40, 40, "WB-1"),
        (40, 35, "WB-2"),
        (25, 25, "WB-3"),
    ]
    history = ok(orders.get(f"/api/v1/orders/{oid}/history", params={"limit": 500}, headers=AUDITOR))["items"]
    assert any(h["from_status"] == "rework" and "concession" in (h["reason"] or "") for h in history)

    # Certificates: one per accepted lot, the conceded one saying so; each digest is its canonical JSON's.
    certificates = ok(quality.get("/api/v1/certificates", params={"order_id": oid}, headers=AUDITOR))["items"]
    assert len(certificates) == 3
    assert sorted(bool(c.get("concession")) for c in certificates) == [False, False, True]
    assert sorted(c["quantity_accepted"] for c in certificates) == [25, 40, 40]  # lot 3 with the 5 replacements

    # The scorecard counts lots; the KPI counts the reduced contract value.
    def scorecard() -> dict[str, Any] | None:
        card = ok(suppliers.get(f"/api/v1/suppliers/{sid}/scorecard", headers=walk.supplier))
        return card if card["deliveries"] == 3 else None

    card = wait_for(scorecard, "scorecard counting the three lots")
    assert (card["deliveries"], card["on_time_deliveries"], card["on_time_rate"]) == (3, 3, 100)
    assert card["lots_inspected"] == 3 and card["short_deliveries"] == 1 and card["concessions"] == 1
    repair = next(
        c for c in ok(orders.get("/api/v1/analytics/kpi", headers=MOD))["categories"] if c["category"] == "repair"
    )
    assert Decimal(repair["contracted_value_kzt"]) == reduced and float(repair["domestic_share"]) == 100.0

    # Every service's audit chain is intact, and the order's entries tell its story.
    for client in (orders, suppliers, quality):
        assert ok(client.get("/api/v1/audit/verify", headers=AUDITOR))["valid"] is True
    entries = ok(orders.get("/api/v1/audit", params={"resource_id": oid, "limit": 500}, headers=AUDITOR))["items"]
    assert len(entries) == len(history)
    conceded_entry = next(e for e in entries if e["details"].get("concession"))
    assert conceded_entry["details"]["price_reduction_kzt"] == str(REDUCTION_KZT)
    assert conceded_entry["details"]["nonconformance_id"] == report["id"]
