"""Builders for the suppliers tests: request bodies, registered suppliers, events as other services send them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from services.suppliers.app import create_app
from services.suppliers.settings import SuppliersSettings
from services.suppliers.testdata import certification_body, foreign_body, kz_body, license_body, new_bin
from tests.support import COLLECTED_ON, JWT_SECRET, auth, inject

__all__ = ["foreign_body", "kz_body", "new_bin"]

OFFICER = auth("mic_officer")
AUDITOR = auth("auditor")
# The day of collection on the ministry's calendar (SDO_TIMEZONE's default), on which the service judges "today".
TODAY = COLLECTED_ON
NEXT_YEAR = TODAY + timedelta(days=365)


def suppliers_app(database_url: str, amqp_url: str, restricted: str = "RU,BY") -> FastAPI:
    settings = SuppliersSettings(
        database_url=database_url, amqp_url=amqp_url, jwt_secret=JWT_SECRET, restricted_countries=restricted
    )
    return create_app(settings)


async def register(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/api/v1/suppliers", json=body or kz_body(), headers=OFFICER)
    assert response.status_code == 201, response.text
    return response.json()


async def add_license(
    client: httpx.AsyncClient, supplier_id: str, *, category: str = "repair", until: date = NEXT_YEAR
) -> dict[str, Any]:
    body = license_body(category, until=until)
    response = await client.post(f"/api/v1/suppliers/{supplier_id}/licenses", json=body, headers=OFFICER)
    assert response.status_code == 201, response.text
    return response.json()


async def add_certification(
    client: httpx.AsyncClient, supplier_id: str, standard: str, *, until: date = NEXT_YEAR
) -> dict[str, Any]:
    body = certification_body(standard, until=until)
    response = await client.post(f"/api/v1/suppliers/{supplier_id}/certifications", json=body, headers=OFFICER)
    assert response.status_code == 201, response.text
    return response.json()


async def active_supplier(
    client: httpx.AsyncClient, body: dict[str, Any] | None = None, *, category: str = "repair"
) -> dict[str, Any]:
    """Registered, licensed for ``category`` until next year, and verified."""
    supplier = await register(client, body)
    await add_license(client, supplier["id"], category=category)
    response = await client.post(f"/api/v1/suppliers/{supplier['id']}/verify", headers=OFFICER)
    assert response.status_code == 200, response.text
    return response.json()


async def consumed(client: httpx.AsyncClient, event_type: str, outcome: str) -> float:
    """How many events of a type the service consumed with an outcome (applied, duplicate...), from /metrics."""
    for line in (await client.get("/metrics")).text.splitlines():
        labels = (f'outcome="{outcome}"', f'type="{event_type}"')
        if line.startswith("sdo_events_consumed_total{") and all(label in line for label in labels):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


_OWNERS = {"order": "orders", "supplier": "suppliers", "quality": "quality", "fund": "fund"}


async def tell(app: FastAPI, event_type: str, subject: Any, data: dict[str, Any], **fields: Any) -> str:
    """Publish an event as the service that owns its type would (``kz.sdo.<service>.…``); returns its id."""
    fields.setdefault("source", f"sdo/{_OWNERS[str(event_type).split('.')[2]]}")
    return await inject(app, event_type, subject, data, **fields)


def award_requested(order_id: UUID, supplier_id: UUID | str, **overrides: Any) -> dict[str, Any]:
    data = {
        "order_id": str(order_id),
        "number": "SDO-2026-000001",
        "status": "award_pending",
        "version": 3,
        "supplier_id": str(supplier_id),
        "from_status": "published",
        "category": "repair",
        "required_certifications": [],
        "min_local_content": "50",
        "requires_security_clearance": True,
        "delivery_deadline": (TODAY + timedelta(days=90)).isoformat(),
        "contract_price_kzt": "1500000.00",
    }
    return {**data, **overrides}


def contracted(order_id: UUID, supplier_id: UUID | str, *, price: str = "1000000.00", category: str = "repair") -> dict:
    return {
        "order_id": str(order_id),
        "number": "SDO-2026-000001",
        "status": "contracted",
        "version": 4,
        "supplier_id": str(supplier_id),
        "from_status": "award_pending",
        "category": category,
        "quantity": 100,
        "aql": 1.0,
        "technical_requirements": [{"code": "D", "name": "Diameter", "unit": "mm", "min": 9, "max": 11}],
        "contract_price_kzt": price,
    }


def lot_verdict(order_id: UUID, inspection_id: UUID, *, accepted: bool, supplier_id: str | None = None) -> dict:
    data: dict[str, Any] = {"order_id": str(order_id), "inspection_id": str(inspection_id)}
    if accepted:
        data["certificate_id"] = str(inspection_id)
    else:
        data["nonconformities"] = [{"code": "D", "critical": False, "units": ["S-1"]}]
    if supplier_id is not None:
        data["supplier_id"] = supplier_id
    return data


def delivered(order_id: UUID, supplier_id: UUID | str, *, on_time: bool) -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "number": "SDO-2026-000001",
        "status": "delivered",
        "version": 9,
        "supplier_id": str(supplier_id),
        "from_status": "shipped",
        "on_time": on_time,
        "received_quantity": 100,
    }
