"""``sdo demo``: walk one order of two lots from specification to closure against the running services,
then one order the Development Fund pays for, published once the fund approves its project.

Composition code, like ``cli.py``: it talks to the three services over HTTP only, as an
integrator would, and prints each step. Other services' work (the award decision, the
acceptance plan, the verdict's effect on the order) is awaited by polling, never assumed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from services.suppliers import testdata
from shared import clock
from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

WAIT_SECONDS = 30.0


class DemoFailed(RuntimeError):
    pass


class Demo:
    def __init__(self, http: httpx.Client, secret: str) -> None:
        self.http = http
        self.secret = secret
        self.step = 0
        self.urls = {
            "orders": os.environ.get("SDO_ORDERS_URL", "http://127.0.0.1:8001"),
            "suppliers": os.environ.get("SDO_SUPPLIERS_URL", "http://127.0.0.1:8002"),
            "quality": os.environ.get("SDO_QUALITY_URL", "http://127.0.0.1:8003"),
            "fund": os.environ.get("SDO_FUND_URL", "http://127.0.0.1:8004"),
        }

    def token(self, role: str, supplier_id: str | None = None) -> dict[str, str]:
        token = mint_token(self.secret, roles=[role], sub=f"demo-{role}", supplier_id=supplier_id, ttl=900)
        return {"Authorization": f"Bearer {token}"}

    def say(self, text: str) -> None:
        self.step += 1
        print(f"[{self.step:2d}] {text}", flush=True)

    def request(self, method: str, service: str, path: str, role: dict[str, str], **kwargs: Any) -> httpx.Response:
        url = f"{self.urls[service]}/api/v1{path}"
        try:
            return self.http.request(method, url, headers=role, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoFailed(f"{method} {url}: {exc!r} (is `sdo up` running?)") from exc

    def call(self, method: str, service: str, path: str, role: dict[str, str], **kwargs: Any) -> Any:
        response = self.request(method, service, path, role, **kwargs)
        if response.status_code >= 400:
            raise DemoFailed(f"{method} {response.request.url} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def wait_for(self, what: str, probe: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(0.2)
        raise DemoFailed(f"gave up waiting for {what} after {WAIT_SECONDS:.0f}s")

    def wait_for_status(self, order_id: str, wanted: str, role: dict[str, str]) -> dict[str, Any]:
        """Poll the cheap status view, re-asking with If-None-Match so an unchanged order costs a 304."""
        url, tag = f"{self.urls['orders']}/api/v1/orders/{order_id}/status", None
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            response = self.http.get(url, headers={**role, **({"If-None-Match": tag} if tag else {})})
            if response.status_code == 200:
                tag = response.headers.get("etag")
                view: dict[str, Any] = response.json()
                if view["status"] == wanted:
                    return view
                if view["status"] not in ("award_pending", "inspection", "published", "contracted", "in_production"):
                    raise DemoFailed(f"order went to {view['status']} while waiting for {wanted}")
            time.sleep(0.2)
        raise DemoFailed(f"order did not reach {wanted} within {WAIT_SECONDS:.0f}s")


LOT = 20  # the order's 40 guns come in two lots

REQUIREMENTS = [
    {"code": "BORE", "name": "Barrel bore diameter", "unit": "mm", "min": 30.0, "max": 30.2, "critical": True},
    {"code": "MASS", "name": "Mass", "unit": "kg", "min": 114.0, "max": 116.0, "critical": False},
]


def register_supplier(demo: Demo) -> str:
    mic = demo.token("mic_officer")
    body = testdata.kz_body(name="Kazakhstan Defense Works JSC", categories=["repair"], local_content_share=72)
    supplier = demo.call("POST", "suppliers", "/suppliers", mic, json=body)
    demo.say(f"Registered supplier {supplier['name']} (BIN {supplier['bin']}): {supplier['status']}")
    sid: str = supplier["id"]
    until = clock.today() + timedelta(days=3 * 365)
    license_ = testdata.license_body("repair", until=until, number="LIC-RP-2041")
    demo.call("POST", "suppliers", f"/suppliers/{sid}/licenses", mic, json=license_)
    certification = testdata.certification_body(
        "ISO 9001", until=clock.today() + timedelta(days=900), number="QMS-77031"
    )
    demo.call("POST", "suppliers", f"/suppliers/{sid}/certifications", mic, json=certification)
    demo.say("Added a repair license and an ISO 9001 certificate")
    verified = demo.call("POST", "suppliers", f"/suppliers/{sid}/verify", mic)
    demo.say(f"Verified the supplier: {verified['status']}")
    return sid


def place_order(demo: Demo, supplier_id: str) -> str:
    mod = demo.token("mod_officer")
    order = demo.call(
        "POST",
        "orders",
        "/orders",
        mod,
        json={
            "title": "Overhaul of 2A46 tank guns",
            "category": "repair",
            "quantity": 40,
            "unit": "gun",
            "delivery_deadline": (clock.today() + timedelta(days=240)).isoformat(),
            "delivery_schedule": [
                {"quantity": LOT, "due_date": (clock.today() + timedelta(days=120)).isoformat()},
                {"quantity": LOT, "due_date": (clock.today() + timedelta(days=240)).isoformat()},
            ],
            "delivery_location": "Astana",
            "price_ceiling": {"amount": "2500000.00", "currency": "USD"},
            "funding_source": "state_budget",
            "min_local_content": 50,
            "required_certifications": ["ISO 9001"],
            "aql": 1.0,
            "technical_requirements": REQUIREMENTS,
        },
    )
    demo.say(f"Created order {order['number']} ({order['status']}) of 2 lots of {LOT}, ceiling 2,500,000.00 USD")
    order_id: str = order["id"]
    published = demo.call("POST", "orders", f"/orders/{order_id}/publish", mod)
    demo.say(f"Published it: {published['status']}, specification frozen")
    award = {"supplier_id": supplier_id, "contract_price": {"amount": "1050000000.00", "currency": "KZT"}}
    awarded = demo.call("POST", "orders", f"/orders/{order_id}/award", mod, json=award)
    demo.say(f"Awarded at 1,050,000,000.00 KZT, within the ceiling in KZT: {awarded['status']}")
    demo.wait_for_status(order_id, "contracted", mod)
    demo.say("The suppliers service found the supplier eligible: contracted")
    return order_id


def inspect_lot(demo: Demo, order_id: str, supplier_id: str, lot_no: int) -> dict[str, Any]:
    """Submit one lot, measure its sample through the quality API and wait for the order to follow."""
    me, inspector = demo.token("supplier", supplier_id), demo.token("quality_inspector")
    demo.call("POST", "orders", f"/orders/{order_id}/submit-for-inspection", me, json={"lot_size": LOT})
    demo.say(f"Supplier submitted lot {lot_no} ({LOT} guns) for inspection: inspection")

    def open_inspection() -> dict[str, Any] | None:
        page = demo.call("GET", "quality", "/inspections", inspector, params={"order_id": order_id, "status": "open"})
        return page["items"][0] if page["items"] else None

    inspection = demo.wait_for("the quality service to open the inspection", open_inspection)
    demo.say(
        f"Quality opened inspection round {inspection['round']}: code letter {inspection['code_letter']}, "
        f"sample {inspection['sample_size']}, accept {inspection['accept']} / reject {inspection['reject']}"
    )
    for unit in range(1, inspection["sample_size"] + 1):
        values = {"BORE": round(30.05 + unit % 5 * 0.02, 3), "MASS": round(114.8 + unit % 3 * 0.3, 2)}
        demo.call(
            "POST",
            "quality",
            f"/inspections/{inspection['id']}/measurements",
            inspector,
            json={"unit_serial": f"2A46-{lot_no}-{unit:04d}", "values": values},
        )
    demo.say(f"Inspector measured {inspection['sample_size']} units, all within limits")
    verdict = demo.call("POST", "quality", f"/inspections/{inspection['id']}/complete", inspector)
    demo.say(f"Inspection completed: {verdict['status']}, certificate {verdict['certificate_id']}")
    wanted = "accepted" if lot_no == 2 else "in_production"

    def accepted_units() -> dict[str, Any] | None:
        order: dict[str, Any] = demo.call("GET", "orders", f"/orders/{order_id}", inspector)
        return order if order["accepted_quantity"] == LOT * lot_no and order["status"] == wanted else None

    order: dict[str, Any] = demo.wait_for(f"the order to accept lot {lot_no}", accepted_units)
    demo.say(f"The order follows the verdict: {order['accepted_quantity']} of 40 units accepted, {order['status']}")
    return order


def produce_and_inspect(demo: Demo, order_id: str, supplier_id: str) -> None:
    me = demo.token("supplier", supplier_id)
    demo.call("POST", "orders", f"/orders/{order_id}/start-production", me)
    demo.say("Supplier started production: in_production")
    inspect_lot(demo, order_id, supplier_id, 1)
    shipped = demo.call("POST", "orders", f"/orders/{order_id}/ship", me, json={"waybill": "KZ-WB-000417"})
    demo.say(
        f"Supplier shipped lot 1 with waybill KZ-WB-000417: {shipped['shipped_quantity']} shipped, {shipped['status']}"
    )
    inspect_lot(demo, order_id, supplier_id, 2)


def deliver_and_close(demo: Demo, order_id: str, supplier_id: str) -> None:
    me, mod = demo.token("supplier", supplier_id), demo.token("mod_officer")
    shipped = demo.call("POST", "orders", f"/orders/{order_id}/ship", me, json={"waybill": "KZ-WB-000418"})
    demo.say(f"Supplier shipped lot 2 with waybill KZ-WB-000418: {shipped['status']}")
    for shipment_no in (1, 2):
        received = demo.call(
            "POST",
            "orders",
            f"/orders/{order_id}/confirm-delivery",
            mod,
            json={"received_quantity": LOT, "shipment_no": shipment_no},
        )
        demo.say(
            f"Ministry received shipment {shipment_no} ({LOT} guns): {received['received_quantity']} of 40, "
            f"{received['status']}"
        )
    lots = ", ".join(f"lot {lot['lot_no']} on time: {lot['on_time']}" for lot in received["delivery_schedule"])
    demo.say(f"Delivered, on time: {received['on_time']} ({lots})")
    closed = demo.call("POST", "orders", f"/orders/{order_id}/close", mod)
    demo.say(f"Closed the order: {closed['status']} (version {closed['version']})")
    history = demo.call("GET", "orders", f"/orders/{order_id}/history", mod)["items"]
    print("     history: " + " -> ".join(h["to_status"] for h in history))
    kpi = demo.call("GET", "orders", "/analytics/kpi", mod)["categories"]
    repair = next(c for c in kpi if c["category"] == "repair")
    print(
        f"     repair KPI: domestic share {repair['domestic_share']}% of {repair['contracted_value_kzt']} KZT "
        f"(target {repair['target']}%)"
    )


def funded_order(demo: Demo, supplier_id: str) -> None:
    """An order the Development Fund pays for: refused publication until the fund approves its project."""
    fund_officer, mod = demo.token("fund_officer"), demo.token("mod_officer")

    def enterprise_active() -> bool:
        response = demo.request("GET", "fund", f"/enterprises/{supplier_id}", fund_officer)
        return response.status_code == 200 and response.json()["status"] == "active"

    demo.wait_for("the fund to learn the supplier is active", enterprise_active)
    soon = clock.today() + timedelta(days=90)
    budget = {"amount": "400000000.00", "currency": "KZT"}
    project = demo.call(
        "POST",
        "fund",
        "/projects",
        fund_officer,
        json={
            "title": "Barrel relining line for 2A46 guns",
            "enterprise_id": supplier_id,
            "category": "repair",
            "defense_need": "Relines the tank guns' barrels in the country instead of abroad.",
            "order_ids": [],
            "budget": budget,
            "local_content_target": 70,
            "milestones": [
                {"name": "Line installed", "due_date": soon.isoformat(), "amount": budget},
            ],
        },
    )
    project_id: str = project["id"]
    demo.say(f"Fund officer submitted project {project['title']!r} for the supplier: {project['status']}")
    order = demo.call(
        "POST",
        "orders",
        "/orders",
        mod,
        json={
            "title": "Relining of 2A46 gun barrels (Development Fund)",
            "category": "repair",
            "quantity": 10,
            "unit": "barrel",
            "delivery_deadline": (clock.today() + timedelta(days=200)).isoformat(),
            "delivery_location": "Astana",
            "price_ceiling": {"amount": "300000000.00", "currency": "KZT"},
            "funding_source": "development_fund",
            "fund_project_id": project_id,
            "min_local_content": 50,
            "required_certifications": ["ISO 9001"],
            "aql": 1.0,
            "technical_requirements": REQUIREMENTS,
        },
    )
    order_id: str = order["id"]
    refused = demo.request("POST", "orders", f"/orders/{order_id}/publish", mod)
    if refused.status_code != 409:
        raise DemoFailed(f"a funded order was published before its project was approved: {refused.status_code}")
    demo.say(f"Created funded order {order['number']}; publishing it is refused: {refused.json()['detail']}")
    demo.call("POST", "fund", f"/projects/{project_id}/endorse", mod)
    demo.say("The Ministry of Defense endorsed the project's defense need: endorsed")
    approved = demo.call("POST", "fund", f"/projects/{project_id}/approve", fund_officer)
    demo.say(f"The fund approved the project for the active supplier: {approved['status']}")

    def published() -> dict[str, Any] | None:
        response = demo.request("POST", "orders", f"/orders/{order_id}/publish", mod)
        if response.status_code == 409 and "fund_project_not_approved" in response.json().get("type", ""):
            return None  # the approval is still on its way over the bus
        if response.status_code >= 400:
            raise DemoFailed(f"publishing the funded order answered {response.status_code}: {response.text}")
        body: dict[str, Any] = response.json()
        return body

    done = demo.wait_for("the orders service to learn of the approval", published)
    demo.say(f"Published the funded order once the fund's approval arrived: {done['status']}")
    award = {"supplier_id": supplier_id, "contract_price": {"amount": "280000000.00", "currency": "KZT"}}
    demo.call("POST", "orders", f"/orders/{order_id}/award", mod, json=award)
    demo.wait_for_status(order_id, "contracted", mod)
    demo.say(f"Awarded at 280,000,000.00 KZT under fund project {project_id}: contracted")


def run_demo() -> int:
    secret = os.environ.get("SDO_JWT_SECRET") or DEV_JWT_SECRET
    with httpx.Client(timeout=10.0) as http:
        demo = Demo(http, secret)
        try:
            supplier_id = register_supplier(demo)
            order_id = place_order(demo, supplier_id)
            produce_and_inspect(demo, order_id, supplier_id)
            deliver_and_close(demo, order_id, supplier_id)
            funded_order(demo, supplier_id)
        except DemoFailed as exc:
            print(f"demo stopped: {exc}", file=sys.stderr)
            return 1
    print("demo complete: one order walked from specification to closure, and one funded by the Development Fund")
    return 0
