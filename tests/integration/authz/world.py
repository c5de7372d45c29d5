"""Every service app in one process on one in-process bus, seeded with real resources of two suppliers.

The apps are found by looking: every package ``services.<name>`` with an ``app`` module (its
``create_app``) and a settings class named for the service. Supplier A and supplier B each get what
the flows make: a registered, licensed, certified, verified supplier; an order awarded to it,
contracted, produced, inspected (a measured unit) and accepted with a certificate; and, when the
fund service is there, a project of theirs, endorsed and approved, a completed milestone, a loan
and a repayment. The matrix then addresses these real ids.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

import services
from services.suppliers.testdata import certification_body, kz_body, license_body
from shared import clock
from shared.http.routes import served_routes
from shared.settings import ServiceSettings
from tests.faults.flows import BAD_VALUES, CERTIFICATION, GOOD_VALUES, QUANTITY, order_body
from tests.support import JWT_SECRET, auth, eventually, running

MOD = auth("mod_officer")
MIC = auth("mic_officer")
INSPECTOR = auth("quality_inspector")
AUDITOR = auth("auditor")
# The discard port: nothing listens on it here, so a delivery attempt fails at once.
REFUSING_PORT = 9


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
        and getattr(value, "service_name", None) == service
    ]
    assert len(found) == 1, f"services.{service}.settings: one settings class named {service!r} expected: {found}"
    return found[0]


def discover() -> dict[str, Callable[[str, str], FastAPI]]:
    """Each service's app factory (database URL, bus URL) -> app, for every service package with an app."""
    factories: dict[str, Callable[[str, str], FastAPI]] = {}
    for module in pkgutil.iter_modules(services.__path__):
        if not module.ispkg:
            continue
        try:
            app_module = importlib.import_module(f"services.{module.name}.app")
        except ModuleNotFoundError as exc:
            if exc.name == f"services.{module.name}.app":
                continue  # a package without an app yet (a service being started)
            raise
        settings = settings_class(module.name)
        create_app = app_module.create_app

        def factory(database_url: str, bus_url: str, create_app: Any = create_app, settings: Any = settings) -> FastAPI:
            app: FastAPI = create_app(settings(database_url=database_url, amqp_url=bus_url, jwt_secret=JWT_SECRET))
            return app

        factories[module.name] = factory
    return factories


@dataclass
class Seeded:
    """One supplier's resources, by the path parameter names that address them (some per service)."""

    supplier_id: str
    ids: dict[str, str] = field(default_factory=dict)
    per_service: dict[str, dict[str, str]] = field(default_factory=dict)

    def ids_for(self, service: str) -> dict[str, str]:
        return {**self.ids, **self.per_service.get(service, {})}

    def secrets(self) -> set[str]:
        """The ids no other supplier may ever see in an answer (numbers and serials are not ids)."""
        everything = [self.ids, *self.per_service.values()]
        return {value for ids in everything for name, value in ids.items() if name.endswith("_id")}


@dataclass
class World:
    apps: dict[str, FastAPI]
    clients: dict[str, httpx.AsyncClient]
    a: Seeded
    b: Seeded


async def call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], expect: int = 200, **kwargs: Any
) -> dict[str, Any]:
    sent = {**headers, "Idempotency-Key": str(uuid4())} if method != "GET" else headers
    response = await client.request(method, path, headers=sent, **kwargs)
    assert response.status_code == expect, f"seeding: {method} {path} -> {response.status_code}: {response.text}"
    body: dict[str, Any] = response.json()
    return body


async def seed_supplier(suppliers: httpx.AsyncClient) -> Seeded:
    until = clock.today() + timedelta(days=500)
    body = kz_body(categories=["repair", "production"], local_content_share=80)
    sid = (await call(suppliers, "POST", "/api/v1/suppliers", MIC, 201, json=body))["id"]
    base = f"/api/v1/suppliers/{sid}"
    license_id = (await call(suppliers, "POST", f"{base}/licenses", MIC, 201, json=license_body(until=until)))["id"]
    cert = certification_body(CERTIFICATION, until=until)
    certification_id = (await call(suppliers, "POST", f"{base}/certifications", MIC, 201, json=cert))["id"]
    await call(suppliers, "POST", f"{base}/verify", MIC)
    ids = {"supplier_id": sid, "license_id": license_id, "certification_id": certification_id, "enterprise_id": sid}
    return Seeded(sid, {**ids, "currency": "USD"})


async def _inspected_order(
    clients: dict[str, httpx.AsyncClient], seeded: Seeded, values: dict[str, float]
) -> tuple[str, dict[str, Any], list[str], dict[str, Any]]:
    """An order of the supplier's, contracted, its lot submitted and measured with ``values``, completed."""
    orders, quality = clients["orders"], clients["quality"]
    supplier = auth("supplier", supplier_id=seeded.supplier_id, sub=seeded.supplier_id)
    oid = (await call(orders, "POST", "/api/v1/orders", MOD, 201, json=order_body("Authorization matrix")))["id"]
    await call(orders, "POST", f"/api/v1/orders/{oid}/publish", MOD)
    award = {"supplier_id": seeded.supplier_id, "contract_price": {"amount": "150000.00", "currency": "USD"}}
    await call(orders, "POST", f"/api/v1/orders/{oid}/award", MOD, json=award)
    await _reaches(orders, oid, "contracted")
    await call(orders, "POST", f"/api/v1/orders/{oid}/start-production", supplier)
    await call(orders, "POST", f"/api/v1/orders/{oid}/submit-for-inspection", supplier, json={"lot_size": QUANTITY})

    async def opened() -> dict[str, Any] | None:
        items = (await call(quality, "GET", "/api/v1/inspections", INSPECTOR, params={"order_id": oid}))["items"]
        return items[0] if items else None

    inspection = await eventually(opened, within=30, what="the seeded inspection opened")
    serials = [f"AZ-{oid[:8]}-{unit}" for unit in range(inspection["sample_size"])]
    for serial in serials:
        body = {"unit_serial": serial, "values": values}
        await call(quality, "POST", f"/api/v1/inspections/{inspection['id']}/measurements", INSPECTOR, 201, json=body)
    verdict = await call(quality, "POST", f"/api/v1/inspections/{inspection['id']}/complete", INSPECTOR)
    return oid, inspection, serials, verdict


async def _reaches(orders: httpx.AsyncClient, oid: str, status: str) -> None:
    async def there() -> bool:
        return (await call(orders, "GET", f"/api/v1/orders/{oid}/status", AUDITOR))["status"] == status

    await eventually(there, within=30, what=f"the seeded order {status}")


def _serves(app: FastAPI, path: str) -> bool:
    return any(getattr(route, "path", None) == path for route in served_routes(app.routes))


async def seed_order(clients: dict[str, httpx.AsyncClient], apps: dict[str, FastAPI], seeded: Seeded) -> None:
    """An accepted order with its inspection, a measured unit and a certificate; where quality keeps
    nonconformance reports, a second order whose lot was rejected, for its report."""
    oid, inspection, serials, verdict = await _inspected_order(clients, seeded, GOOD_VALUES)
    assert verdict["status"] == "accepted", verdict
    await _reaches(clients["orders"], oid, "accepted")
    seeded.ids.update(
        order_id=oid, inspection_id=inspection["id"], certificate_id=verdict["certificate_id"], unit_serial=serials[0]
    )
    if _serves(apps["quality"], "/api/v1/nonconformances"):
        rejected, _, _, verdict = await _inspected_order(clients, seeded, BAD_VALUES)
        assert verdict["status"] == "rejected", verdict
        params = {"order_id": rejected}
        reports = (await call(clients["quality"], "GET", "/api/v1/nonconformances", INSPECTOR, params=params))["items"]
        assert reports, f"no nonconformance report for the rejected lot of {rejected}"
        seeded.ids["nonconformance_id"] = reports[0]["id"]


async def seed_webhooks(clients: dict[str, httpx.AsyncClient], apps: dict[str, FastAPI], seeded: Seeded) -> None:
    """A webhook of the supplier's on every service that takes subscriptions (to an address that refuses)."""
    supplier = auth("supplier", supplier_id=seeded.supplier_id, sub=seeded.supplier_id)
    for service, client in clients.items():
        if not _serves(apps[service], "/api/v1/webhooks"):
            continue
        example = apps[service].openapi()["components"]["schemas"]["WebhookCreate"]["examples"][0]
        body = {**example, "url": f"http://127.0.0.1:{REFUSING_PORT}/sdo/events", "events": ["*"]}
        hook = await call(client, "POST", "/api/v1/webhooks", supplier, 201, json=body)
        seeded.per_service.setdefault(service, {})["webhook_id"] = hook["id"]


async def seed_fund(fund: httpx.AsyncClient, seeded: Seeded) -> None:
    """A project of the supplier's, endorsed and approved, a milestone completed, a loan and a repayment."""
    fund_officer = auth("fund_officer")
    sid = seeded.supplier_id

    async def known() -> bool:
        response = await fund.get(f"/api/v1/enterprises/{sid}", headers=AUDITOR)
        return response.status_code == 200 and response.json().get("status") == "active"

    await eventually(known, within=30, what="the fund hears of the active enterprise")
    today = clock.today()
    half = {"amount": "150000000.00", "currency": "KZT"}
    project = {
        "title": "Engine repair line",
        "enterprise_id": sid,
        "category": "repair",
        "defense_need": "Restores the repair capacity of the armoured units' engines within the country.",
        "order_ids": [seeded.ids["order_id"]],
        "budget": {"amount": "300000000.00", "currency": "KZT"},
        "local_content_target": 60,
        "milestones": [
            {"name": "Tooling installed", "due_date": str(today + timedelta(days=90)), "amount": half},
            {"name": "First engines repaired", "due_date": str(today + timedelta(days=180)), "amount": half},
        ],
    }
    pid = (await call(fund, "POST", "/api/v1/projects", fund_officer, 201, json=project))["id"]
    await call(fund, "POST", f"/api/v1/projects/{pid}/endorse", MOD)
    await call(fund, "POST", f"/api/v1/projects/{pid}/approve", fund_officer)
    evidence = {"evidence": "Acceptance act No. 14 of the MoD commission, signed"}
    await call(fund, "POST", f"/api/v1/projects/{pid}/milestones/1/complete", fund_officer, json=evidence)
    loan = {
        "principal": {"amount": "120000000.00", "currency": "KZT"},
        "annual_rate": 4.5,
        "term_months": 36,
        "grace_months": 6,
    }
    loan_id = (await call(fund, "POST", f"/api/v1/projects/{pid}/loans", fund_officer, 201, json=loan))["id"]
    payment = {"amount": {"amount": "450000.00", "currency": "KZT"}}
    await call(fund, "POST", f"/api/v1/loans/{loan_id}/repayments", fund_officer, 201, json=payment)
    seeded.ids.update(project_id=pid, n="1", loan_id=loan_id, seq="1")


@asynccontextmanager
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    bus = f"memory://authz-{uuid4().hex}"
    # Webhooks may be sent to the loopback address only, where nothing listens.
    monkeypatch.setenv("SDO_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    async with AsyncExitStack() as stack:
        apps = {name: factory(f"sqlite+aiosqlite:///{tmp_path / name}.db", bus) for name, factory in discover().items()}
        clients = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        a, b = await seed_supplier(clients["suppliers"]), await seed_supplier(clients["suppliers"])
        for seeded in (a, b):
            await seed_order(clients, apps, seeded)
            if "fund" in clients:
                await seed_fund(clients["fund"], seeded)
            await seed_webhooks(clients, apps, seeded)
        yield World(apps, clients, a, b)
