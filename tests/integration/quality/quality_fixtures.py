"""Builders for the quality tests: order events as the orders service publishes them, and readings."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from shared.events.types import EventType
from tests.support import auth, eventually, inject

REQUIREMENTS: list[dict[str, Any]] = [
    {"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": 9.95, "max": 10.05, "critical": False},
    {"code": "PRESS", "name": "Burst pressure", "unit": "MPa", "min": 100, "critical": True},
]
GOOD = {"DIAM": 10.0, "PRESS": 120}
INSPECTOR = auth("quality_inspector")
OFFICER = auth("mod_officer")


def contracted(order_id: UUID, supplier_id: UUID, *, aql: float = 10, quantity: int = 1000) -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "number": "SDO-2025-000001",
        "status": "contracted",
        "version": 4,
        "supplier_id": str(supplier_id),
        "from_status": "award_pending",
        "category": "production",
        "quantity": quantity,
        "aql": aql,
        "technical_requirements": REQUIREMENTS,
        "contract_price_kzt": "1000000.00",
    }


def submitted(order_id: UUID, supplier_id: UUID, *, lot_size: int, round_: int = 1) -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "number": "SDO-2025-000001",
        "status": "inspection",
        "version": 6,
        "supplier_id": str(supplier_id),
        "from_status": "in_production",
        "round": round_,
        "lot_size": lot_size,
    }


def cancelled(order_id: UUID, supplier_id: UUID, *, from_status: str = "inspection") -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "number": "SDO-2025-000001",
        "status": "cancelled",
        "version": 9,
        "supplier_id": str(supplier_id),
        "from_status": from_status,
        "reason": "requirement withdrawn",
    }


async def inspections_of(client: httpx.AsyncClient, order_id: UUID | str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/inspections", params={"order_id": str(order_id)}, headers=OFFICER)
    return response.json()["items"]


async def open_inspection(
    app: FastAPI, client: httpx.AsyncClient, *, lot_size: int, aql: float = 10, supplier_id: UUID | None = None
) -> dict[str, Any]:
    """An order contracted and submitted over the bus; its round-1 inspection once it is open."""
    order_id, supplier_id = uuid4(), supplier_id or uuid4()
    await inject(app, EventType.ORDER_CONTRACTED, order_id, contracted(order_id, supplier_id, aql=aql))
    await inject(
        app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, order_id, submitted(order_id, supplier_id, lot_size=lot_size)
    )
    items = await eventually(lambda: inspections_of(client, order_id), what="inspection opened")
    return items[0]


async def measure(
    client: httpx.AsyncClient, inspection_id: str, serial: str, values: dict[str, Any] | None = None, **headers: str
) -> httpx.Response:
    body = {"unit_serial": serial, "values": GOOD if values is None else values}
    return await client.post(
        f"/api/v1/inspections/{inspection_id}/measurements", json=body, headers=INSPECTOR | headers
    )
