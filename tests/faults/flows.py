"""The flows the fault tests drive, through the public HTTP APIs only (contract sections 3-5).

Small orders (2 units: the whole lot is the sample), one critical and one non-critical requirement,
suppliers registered and verified by the registry. Every write goes through ``Api``, so a crash of
the service in the middle of a call is ridden out with the same ``Idempotency-Key``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.suppliers.testdata import certification_body, foreign_body, kz_body, license_body
from shared import clock
from tests.faults.processes import Api, wait_for
from tests.support import auth

MOD = auth("mod_officer")
MIC = auth("mic_officer")
INSPECTOR = auth("quality_inspector")
AUDITOR = auth("auditor")

QUANTITY = 2
GOOD_VALUES = {"TORQUE": 1000, "NOISE": 80}
# Outside [900, 1100] on a critical requirement: the lot is rejected whatever the rest.
BAD_VALUES = {"TORQUE": 1500, "NOISE": 80}
CERTIFICATION = "AQAP-2110"

HAPPY_PATH = [
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


def deadline() -> Any:
    return clock.today() + timedelta(days=120)


def register_supplier(
    suppliers: Api,
    *,
    country: str = "KZ",
    license_category: str | None = "repair",
    certifications: tuple[str, ...] = (CERTIFICATION,),
    verify: bool = True,
    **fields: Any,
) -> str:
    """A supplier in the registry: licensed, certified and verified unless told otherwise; returns its id."""
    defaults: dict[str, Any] = {"categories": ["repair", "production"], "local_content_share": 80}
    defaults["security_clearance"] = True
    body = (kz_body if country == "KZ" else lambda **kw: foreign_body(country, **kw))(**{**defaults, **fields})
    sid: str = suppliers.post("/api/v1/suppliers", headers=MIC, json=body, expect=(201,)).json()["id"]
    until = deadline() + timedelta(days=365)
    if license_category:
        suppliers.post(
            f"/api/v1/suppliers/{sid}/licenses",
            headers=MIC,
            json=license_body(license_category, until=until),
            expect=(201,),
        )
    for standard in certifications:
        suppliers.post(
            f"/api/v1/suppliers/{sid}/certifications",
            headers=MIC,
            json=certification_body(standard, until=until),
            expect=(201,),
        )
    if verify:
        verified = suppliers.post(f"/api/v1/suppliers/{sid}/verify", headers=MIC).json()
        assert verified["status"] == "active", verified
    return sid


def order_body(title: str = "Overhaul of gearboxes", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": title,
        "category": "repair",
        "quantity": QUANTITY,
        "unit": "pcs",
        "delivery_deadline": str(deadline()),
        "delivery_location": "Astana, depot 4",
        "price_ceiling": {"amount": "90000000.00", "currency": "KZT"},
        "funding_source": "state_budget",
        "min_local_content": 50,
        "required_certifications": [CERTIFICATION],
        "requires_security_clearance": True,
        "aql": 1.0,
        "technical_requirements": [
            {"code": "TORQUE", "name": "Output torque", "unit": "N*m", "min": 900, "max": 1100, "critical": True},
            {"code": "NOISE", "name": "Noise level", "unit": "dB", "max": 85, "critical": False},
        ],
    }
    return {**body, **overrides}


def create_published(orders: Api, title: str = "Overhaul of gearboxes") -> str:
    oid: str = orders.post("/api/v1/orders", headers=MOD, json=order_body(title), expect=(201,)).json()["id"]
    orders.post(f"/api/v1/orders/{oid}/publish", headers=MOD)
    return oid


def award(orders: Api, oid: str, sid: str) -> dict[str, Any]:
    body = {"supplier_id": sid, "contract_price": {"amount": "150000.00", "currency": "USD"}}
    answer: dict[str, Any] = orders.post(f"/api/v1/orders/{oid}/award", headers=MOD, json=body).json()
    return answer


def order(orders: Api, oid: str) -> dict[str, Any]:
    found: dict[str, Any] = orders.get(f"/api/v1/orders/{oid}", headers=AUDITOR).json()
    return found


def status(orders: Api, oid: str) -> str:
    return str(orders.get(f"/api/v1/orders/{oid}/status", headers=AUDITOR).json()["status"])


def wait_status(orders: Api, oid: str, wanted: str, within: float = 120.0) -> None:
    wait_for(lambda: status(orders, oid) == wanted, f"order {oid} {wanted}", within=within)


def history(orders: Api, oid: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = orders.get(
        f"/api/v1/orders/{oid}/history", headers=AUDITOR, params={"limit": 500}
    ).json()["items"]
    return items


def open_inspection(quality: Api, oid: str, round_: int, within: float = 120.0) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        items = quality.get("/api/v1/inspections", headers=INSPECTOR, params={"order_id": oid}).json()["items"]
        return next((i for i in items if i["round"] == round_), None)

    inspection: dict[str, Any] = wait_for(found, f"inspection round {round_} of {oid} opened", within=within)
    return inspection


def inspect_lot(quality: Api, oid: str, round_: int, values: dict[str, float]) -> dict[str, Any]:
    """Measure every sampled unit with ``values`` and complete: the verdict."""
    inspection = open_inspection(quality, oid, round_)
    for unit in range(inspection["sample_size"]):
        quality.post(
            f"/api/v1/inspections/{inspection['id']}/measurements",
            headers=INSPECTOR,
            json={"unit_serial": f"{oid[:8]}-R{round_}-{unit:03d}", "values": values},
            expect=(201,),
        )
    verdict: dict[str, Any] = quality.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR).json()
    return verdict


def produce_and_submit(orders: Api, oid: str, sid: str, *, start: bool = True) -> None:
    supplier = auth("supplier", supplier_id=sid, sub=sid)
    if start:
        orders.post(f"/api/v1/orders/{oid}/start-production", headers=supplier)
    orders.post(f"/api/v1/orders/{oid}/submit-for-inspection", headers=supplier, json={"lot_size": QUANTITY})


def ship_deliver_close(orders: Api, oid: str, sid: str) -> None:
    supplier = auth("supplier", supplier_id=sid, sub=sid)
    orders.post(f"/api/v1/orders/{oid}/ship", headers=supplier, json={"waybill": f"WB-{oid[:8]}"})
    delivered = orders.post(
        f"/api/v1/orders/{oid}/confirm-delivery", headers=MOD, json={"received_quantity": QUANTITY}
    ).json()
    assert delivered["status"] == "delivered", delivered
    assert orders.post(f"/api/v1/orders/{oid}/close", headers=MOD).json()["status"] == "closed"


def cancel(orders: Api, oid: str, reason: str = "Requirement withdrawn") -> None:
    assert orders.post(f"/api/v1/orders/{oid}/cancel", headers=MOD, json={"reason": reason}).json()["status"] == (
        "cancelled"
    )
