"""Builders for the fund tests: the app, request bodies, enterprises the registry announced, projects by status."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from services.fund.app import create_app
from services.fund.settings import FundSettings
from shared.events.types import EventType
from tests.support import JWT_SECRET, auth, eventually, inject

OFFICER = auth("fund_officer")
MOD = auth("mod_officer")
AUDITOR = auth("auditor")
INTEGRATION = auth("integration")
SOON = date.today() + timedelta(days=60)


def fund_app(database_url: str, amqp_url: str, **settings: Any) -> FastAPI:
    config = FundSettings(database_url=database_url, amqp_url=amqp_url, jwt_secret=JWT_SECRET, **settings)
    return create_app(config)


def kzt(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "KZT"}


def project_body(enterprise_id: UUID | str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Overhaul line for T-72 engines",
        "enterprise_id": str(enterprise_id),
        "category": "repair",
        "defense_need": "Restores the repair capacity of the armoured units' engines within the country.",
        "order_ids": [],
        "budget": kzt("300000000.00"),
        "local_content_target": 60,
        "milestones": [
            {"name": "Tooling installed", "due_date": SOON.isoformat(), "amount": kzt("100000000.00")},
            {
                "name": "First engine overhauled",
                "due_date": (SOON + timedelta(days=180)).isoformat(),
                "amount": kzt("200000000.00"),
            },
        ],
    }
    body.update(overrides)
    return body


def loan_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"principal": kzt("120000000.00"), "annual_rate": 4.5, "term_months": 36, "grace_months": 6}
    body.update(overrides)
    return body


async def announce(app: FastAPI, enterprise_id: UUID | str, new: str, old: str | None = None, **fields: Any) -> str:
    """Publish ``supplier.status_changed`` as the registry would."""
    data = {"supplier_id": str(enterprise_id), "old_status": old, "new_status": new, "reason": None}
    return await inject(app, EventType.SUPPLIER_STATUS_CHANGED, enterprise_id, data, source="sdo/suppliers", **fields)


async def known_as(client: httpx.AsyncClient, enterprise_id: UUID | str, status: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        response = await client.get(f"/api/v1/enterprises/{enterprise_id}", headers=AUDITOR)
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and body["status"] == status else None

    return await eventually(probe, what=f"enterprise {enterprise_id} known as {status}")


async def enterprise(app: FastAPI, client: httpx.AsyncClient, status: str = "active") -> UUID:
    """An enterprise the registry announced: registered (pending), then verified when ``status`` is active."""
    enterprise_id = uuid4()
    await announce(app, enterprise_id, "pending")
    await known_as(client, enterprise_id, "pending")
    if status != "pending":
        await announce(app, enterprise_id, status, "pending")
        await known_as(client, enterprise_id, status)
    return enterprise_id


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def submitted(client: httpx.AsyncClient, enterprise_id: UUID, **overrides: Any) -> dict[str, Any]:
    return await ok(
        await client.post("/api/v1/projects", json=project_body(enterprise_id, **overrides), headers=OFFICER), 201
    )


async def approved(app: FastAPI, client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A project of an active enterprise, submitted, endorsed by the MoD and approved."""
    project = await submitted(client, await enterprise(app, client), **overrides)
    url = f"/api/v1/projects/{project['id']}"
    await ok(await client.post(f"{url}/endorse", headers=MOD))
    return await ok(await client.post(f"{url}/approve", headers=OFFICER))


async def granted(app: FastAPI, client: httpx.AsyncClient, **terms: Any) -> dict[str, Any]:
    project = await approved(app, client)
    response = await client.post(f"/api/v1/projects/{project['id']}/loans", json=loan_body(**terms), headers=OFFICER)
    return await ok(response, 201)


async def consumed(client: httpx.AsyncClient, event_type: str, outcome: str) -> float:
    """How many events of a type the service consumed with an outcome (applied, duplicate...), from /metrics."""
    for line in (await client.get("/metrics")).text.splitlines():
        labels = (f'outcome="{outcome}"', f'type="{event_type}"')
        if line.startswith("sdo_events_consumed_total{") and all(label in line for label in labels):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
