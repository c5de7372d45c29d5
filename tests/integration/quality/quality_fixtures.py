"""Builders for the quality tests: order events as the orders service publishes them, readings, and an
order driven over the bus through its lots."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from services.quality.app import create_app
from services.quality.settings import QualitySettings
from shared.events.types import EventType
from tests.support import JWT_SECRET, auth, eventually, inject

REQUIREMENTS: list[dict[str, Any]] = [
    {"code": "DIAM", "name": "Bore diameter", "unit": "mm", "min": 9.95, "max": 10.05, "critical": False},
    {"code": "PRESS", "name": "Burst pressure", "unit": "MPa", "min": 100, "critical": True},
]
GOOD = {"DIAM": 10.0, "PRESS": 120}
INSPECTOR = auth("quality_inspector")
OFFICER = auth("mod_officer")


def quality_app(database_url: str, amqp_url: str) -> FastAPI:
    """The quality service on its own database and bus (the lifespan starts it)."""
    return create_app(QualitySettings(database_url=database_url, amqp_url=amqp_url, jwt_secret=JWT_SECRET))


def consumed(app: FastAPI, event_type: str, outcome: str) -> float:
    """How many events of a type the app's consumer settled with ``outcome`` (applied, duplicate, retried...)."""
    value = app.state.runtime.metrics.registry.get_sample_value(
        "sdo_events_consumed_total", {"type": event_type, "outcome": outcome}
    )
    return value or 0.0


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


def amended(
    order_id: UUID,
    supplier_id: UUID,
    number: int,
    *,
    changes: dict[str, Any],
    quantity: int = 1000,
    accepted: int = 0,
    price: str = "1000000.00",
) -> dict[str, Any]:
    """``order.amended`` as the orders service publishes it: what changed, and the figures in force after."""
    return {
        "order_id": str(order_id),
        "number": "SDO-2025-000001",
        "status": "in_production",
        "version": 10 + number,
        "supplier_id": str(supplier_id),
        "amendment_number": number,
        "before": {key: None for key in changes},
        "after": changes,
        "quantity": quantity,
        "accepted_quantity": accepted,
        "contract_price_kzt": price,
        "category": "production",
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


class Order:
    """An order contracted over the bus at AQL 10; lots of 2 units (inspected whole, Ac 1, Re 2)."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app, self.client, self.id, self.supplier_id, self.round = app, client, uuid4(), uuid4(), 0

    async def contract(self) -> Order:
        await inject(self.app, EventType.ORDER_CONTRACTED, self.id, contracted(self.id, self.supplier_id, aql=10))
        await eventually(lambda: self._plan_exists(), what="plan made")
        return self

    async def _plan_exists(self) -> bool:
        return (await self.client.get(f"/api/v1/plans/{self.id}", headers=OFFICER)).status_code == 200

    async def submit(self, lot_size: int = 2, *, rework: bool = False) -> dict[str, Any]:
        self.round += 1
        body = submitted(self.id, self.supplier_id, lot_size=lot_size, round_=self.round)
        if rework:
            body["from_status"] = "rework"
        await inject(self.app, EventType.ORDER_SUBMITTED_FOR_INSPECTION, self.id, body)
        round_ = self.round

        async def opened() -> dict[str, Any] | None:
            items = (
                await self.client.get("/api/v1/inspections", params={"order_id": str(self.id)}, headers=OFFICER)
            ).json()["items"]
            return next((i for i in items if i["round"] == round_), None)

        return await eventually(opened, what=f"round {round_} opened")

    async def lot(self, *readings: dict[str, Any], rework: bool = False) -> dict[str, Any]:
        inspection = await self.submit(rework=rework)
        values = list(readings) + [GOOD] * (inspection["sample_size"] - len(readings))
        for n, reading in enumerate(values):
            assert (await measure(self.client, inspection["id"], f"U{n}", reading)).status_code == 201
        done = await self.client.post(f"/api/v1/inspections/{inspection['id']}/complete", headers=INSPECTOR)
        assert done.status_code == 200, done.text
        return done.json()

    async def plan(self) -> dict[str, Any]:
        return (await self.client.get(f"/api/v1/plans/{self.id}", headers=OFFICER)).json()

    async def reports(self, **headers: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/api/v1/nonconformances", params={"order_id": str(self.id)}, headers=headers or OFFICER
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]
