"""Small helpers of the orders tests: a valid specification, the app, and the other services' events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from services.orders.app import create_app
from services.orders.settings import OrdersSettings
from shared.events.types import EventType
from tests.support import JWT_SECRET, EventTap, auth, inject

MOD = auth("mod_officer")
AUDITOR = auth("auditor")


class Api(NamedTuple):
    """A running orders service (the ``api`` fixture): its app, a client, and its bus URL."""

    app: FastAPI
    client: httpx.AsyncClient
    bus: str


def orders_app(database_url: str, amqp_url: str, **settings: Any) -> FastAPI:
    return create_app(OrdersSettings(database_url=database_url, amqp_url=amqp_url, jwt_secret=JWT_SECRET, **settings))


def spec(**overrides: Any) -> dict[str, Any]:
    """A valid order body; pass a field to change it."""
    body: dict[str, Any] = {
        "title": "Overhaul of armoured personnel carriers",
        "category": "repair",
        "quantity": 100,
        "unit": "vehicle",
        "delivery_deadline": (date.today() + timedelta(days=180)).isoformat(),
        "delivery_location": "Astana",
        "price_ceiling": {"amount": "1000000.00", "currency": "KZT"},
        "funding_source": "state_budget",
        "min_local_content": 40,
        "required_certifications": ["ISO 9001"],
        "aql": 1.0,
        "technical_requirements": [
            {"code": "LEN", "name": "Length", "unit": "mm", "min": 99.5, "max": 100.5, "critical": True},
            {"code": "MASS", "name": "Mass", "unit": "kg", "max": 12, "critical": False},
        ],
    }
    body.update(overrides)
    return body


def supplier(supplier_id: UUID) -> dict[str, str]:
    return auth("supplier", supplier_id=supplier_id)


async def create(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/orders", json=spec(**overrides), headers=MOD)
    assert response.status_code == 201, response.text
    return response.json()


async def published(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    order = await create(client, **overrides)
    response = await client.post(f"/api/v1/orders/{order['id']}/publish", headers=MOD)
    assert response.status_code == 200, response.text
    return response.json()


async def awarded(client: httpx.AsyncClient, supplier_id: UUID, amount: str = "900000.00") -> dict[str, Any]:
    order = await published(client)
    body = {"supplier_id": str(supplier_id), "contract_price": {"amount": amount, "currency": "KZT"}}
    response = await client.post(f"/api/v1/orders/{order['id']}/award", json=body, headers=MOD)
    assert response.status_code == 200, response.text
    return response.json()


async def status_of(client: httpx.AsyncClient, order_id: str) -> str:
    response = await client.get(f"/api/v1/orders/{order_id}/status", headers=AUDITOR)
    return response.json()["status"]


async def confirm_award(app: FastAPI, order_id: str, supplier_id: UUID, country: str = "KZ") -> str:
    data = {
        "order_id": order_id,
        "supplier_id": str(supplier_id),
        "supplier_country": country,
        "local_content_share": "60",
    }
    return await inject(app, EventType.SUPPLIER_AWARD_CONFIRMED, supplier_id, data, source="sdo/suppliers")


async def decline_award(app: FastAPI, order_id: str, supplier_id: UUID, *reasons: str) -> str:
    data = {"order_id": order_id, "supplier_id": str(supplier_id), "reasons": list(reasons)}
    return await inject(app, EventType.SUPPLIER_AWARD_DECLINED, supplier_id, data, source="sdo/suppliers")


async def lot_verdict(app: FastAPI, order_id: str, accepted: bool, **extra: Any) -> str:
    data: dict[str, Any] = {"order_id": order_id, "inspection_id": str(extra.pop("inspection_id", uuid4())), **extra}
    if accepted:
        data["certificate_id"] = str(uuid4())
        return await inject(app, EventType.QUALITY_LOT_ACCEPTED, order_id, data, source="sdo/quality")
    data["nonconformities"] = [{"code": "LEN", "critical": True, "units": ["U-1"]}]
    return await inject(app, EventType.QUALITY_LOT_REJECTED, order_id, data, source="sdo/quality")


async def seen(tap: EventTap, event_type: str, subject: str | None = None) -> list[dict[str, Any]]:
    """The events of ``event_type`` (about ``subject``, when given) seen so far: a probe for ``eventually``."""
    return [e for e in tap.of_type(event_type) if subject is None or e["subject"] == subject]


def consumed(app: FastAPI, event_type: str, outcome: str) -> float:
    """How many events of ``event_type`` the consumer settled with ``outcome`` (applied, duplicate, ...)."""
    registry = app.state.runtime.metrics.registry
    return registry.get_sample_value("sdo_events_consumed_total", {"type": event_type, "outcome": outcome}) or 0.0
