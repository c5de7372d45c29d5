"""``sdo demo``: walk one order from specification to closure against the running services.

Composition code, like ``cli.py``: it talks to the three services over HTTP only, as an
integrator would, and prints each step. Other services' work (the award decision, the
acceptance plan, the verdict's effect on the order) is awaited by polling, never assumed.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from services.suppliers.domain.identity import bin_check_digit
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
        }

    def token(self, role: str, supplier_id: str | None = None) -> dict[str, str]:
        token = mint_token(self.secret, roles=[role], sub=f"demo-{role}", supplier_id=supplier_id, ttl=900)
        return {"Authorization": f"Bearer {token}"}

    def say(self, text: str) -> None:
        self.step += 1
        print(f"[{self.step:2d}] {text}", flush=True)

    def call(self, method: str, service: str, path: str, role: dict[str, str], **kwargs: Any) -> Any:
        url = f"{self.urls[service]}/api/v1{path}"
        try:
            response = self.http.request(method, url, headers=role, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoFailed(f"{method} {url}: {exc!r} (is `sdo up` running?)") from exc
        if response.status_code >= 400:
            raise DemoFailed(f"{method} {url} answered {response.status_code}: {response.text}")
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
                tag, view = response.headers.get("etag"), response.json()
                if view["status"] == wanted:
                    return view
                if view["status"] not in ("award_pending", "inspection", "published", "contracted"):
                    raise DemoFailed(f"order went to {view['status']} while waiting for {wanted}")
            time.sleep(0.2)
        raise DemoFailed(f"order did not reach {wanted} within {WAIT_SECONDS:.0f}s")


def kazakh_bin() -> str:
    """A fresh BIN with a valid check digit (random, so the demo can run again)."""
    while True:
        prefix = f"{random.randint(0, 99):02d}{random.randint(1, 12):02d}4{random.randint(0, 999_999):06d}"
        check = bin_check_digit(prefix)
        if check is not None:
            return f"{prefix}{check}"


REQUIREMENTS = [
    {"code": "BORE", "name": "Barrel bore diameter", "unit": "mm", "min": 30.0, "max": 30.2, "critical": True},
    {"code": "MASS", "name": "Mass", "unit": "kg", "min": 114.0, "max": 116.0, "critical": False},
]


def register_supplier(demo: Demo) -> str:
    mic = demo.token("mic_officer")
    today = date.today()
    supplier = demo.call(
        "POST",
        "suppliers",
        "/suppliers",
        mic,
        json={
            "name": "Kazakhstan Defense Works JSC",
            "country": "KZ",
            "bin": kazakh_bin(),
            "categories": ["repair"],
            "local_content_share": 72,
            "security_clearance": True,
        },
    )
    demo.say(f"Registered supplier {supplier['name']} (BIN {supplier['bin']}): {supplier['status']}")
    sid = supplier["id"]
    license_ = {
        "category": "repair",
        "number": "LIC-RP-2041",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=3 * 365)).isoformat(),
    }
    demo.call("POST", "suppliers", f"/suppliers/{sid}/licenses", mic, json=license_)
    until = (today + timedelta(days=900)).isoformat()
    certification = {"standard": "ISO 9001", "number": "QMS-77031", "valid_until": until}
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
            "delivery_deadline": (date.today() + timedelta(days=240)).isoformat(),
            "delivery_location": "Astana",
            "price_ceiling": {"amount": "2500000.00", "currency": "USD"},
            "funding_source": "state_budget",
            "min_local_content": 50,
            "required_certifications": ["ISO 9001"],
            "aql": 1.0,
            "technical_requirements": REQUIREMENTS,
        },
    )
    demo.say(f"Created order {order['number']} ({order['status']}), ceiling 2,500,000.00 USD")
    order_id = order["id"]
    published = demo.call("POST", "orders", f"/orders/{order_id}/publish", mod)
    demo.say(f"Published it: {published['status']}, specification frozen")
    award = {"supplier_id": supplier_id, "contract_price": {"amount": "1050000000.00", "currency": "KZT"}}
    awarded = demo.call("POST", "orders", f"/orders/{order_id}/award", mod, json=award)
    demo.say(f"Awarded at 1,050,000,000.00 KZT, within the ceiling in KZT: {awarded['status']}")
    demo.wait_for_status(order_id, "contracted", mod)
    demo.say("The suppliers service found the supplier eligible: contracted")
    return order_id


def produce_and_inspect(demo: Demo, order_id: str, supplier_id: str) -> None:
    me, inspector = demo.token("supplier", supplier_id), demo.token("quality_inspector")
    demo.call("POST", "orders", f"/orders/{order_id}/start-production", me)
    demo.say("Supplier started production: in_production")
    demo.call("POST", "orders", f"/orders/{order_id}/submit-for-inspection", me, json={"lot_size": 40})
    demo.say("Supplier submitted a lot of 40 for inspection: inspection")

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
            json={"unit_serial": f"2A46-{unit:04d}", "values": values},
        )
    demo.say(f"Inspector measured {inspection['sample_size']} units, all within limits")
    verdict = demo.call("POST", "quality", f"/inspections/{inspection['id']}/complete", inspector)
    demo.say(f"Inspection completed: {verdict['status']}, certificate {verdict['certificate_id']}")
    demo.wait_for_status(order_id, "accepted", inspector)
    demo.say("The order follows the verdict: accepted")


def deliver_and_close(demo: Demo, order_id: str, supplier_id: str) -> None:
    me, mod = demo.token("supplier", supplier_id), demo.token("mod_officer")
    demo.call("POST", "orders", f"/orders/{order_id}/ship", me, json={"waybill": "KZ-WB-000417"})
    demo.say("Supplier shipped with waybill KZ-WB-000417: shipped")
    delivered = demo.call("POST", "orders", f"/orders/{order_id}/confirm-delivery", mod, json={"received_quantity": 40})
    demo.say(f"Ministry confirmed delivery of 40: delivered, on time: {delivered['on_time']}")
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


def run_demo() -> int:
    secret = os.environ.get("SDO_JWT_SECRET") or DEV_JWT_SECRET
    with httpx.Client(timeout=10.0) as http:
        demo = Demo(http, secret)
        try:
            supplier_id = register_supplier(demo)
            order_id = place_order(demo, supplier_id)
            produce_and_inspect(demo, order_id, supplier_id)
            deliver_and_close(demo, order_id, supplier_id)
        except DemoFailed as exc:
            print(f"demo stopped: {exc}", file=sys.stderr)
            return 1
    print("demo complete: one order walked from specification to closure")
    return 0
