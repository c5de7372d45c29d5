"""Seeding over the public API, as a ministry system, the registry and a supplier would.

A verified supplier, orders created, published and awarded to it (contracted by the saga over the
bus), and orders taken through production to an open inspection with a large sample.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import date, timedelta
from typing import Any, TypeVar

import httpx
from tokens import bearer

T = TypeVar("T")
CATEGORY = "repair"
CERTIFICATION = "ISO 9001"
REQUIREMENT = {"code": "L", "name": "Length", "unit": "mm", "min": 10, "max": 12, "critical": True}
# ISO 2859-1 level II gives code letter Q (a sample of 1250 units) from 500,001 units on.
BIG_LOT = 500_001


def order_body(title: str = "Benchmark order", quantity: int = 100) -> dict[str, Any]:
    """A valid order; the supplier below is eligible for it."""
    return {
        "title": title,
        "category": CATEGORY,
        "quantity": quantity,
        "unit": "pcs",
        "delivery_deadline": str(date.today() + timedelta(days=180)),
        "delivery_location": "Astana",
        "price_ceiling": {"amount": "1000000.00", "currency": "KZT"},
        "funding_source": "state_budget",
        "min_local_content": 30,
        "required_certifications": [CERTIFICATION],
        "requires_security_clearance": True,
        "aql": 1.0,
        "technical_requirements": [REQUIREMENT],
    }


def _expect(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    if response.status_code not in statuses:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response.json() if response.content else {}


async def gather_limited(calls: Iterable[Callable[[], Awaitable[T]]], limit: int) -> list[T]:
    """Run the calls, at most ``limit`` at a time, results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(call) for call in calls))


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, within: float = 120.0) -> T:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = await probe()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise SystemExit(f"{what}: not reached within {within:.0f} s")


def _new_bin() -> str:
    """A random Kazakhstan BIN with a valid check digit (weights 1..11, else 3..11,1,2; mod 11)."""
    while True:
        digits = [random.randrange(10) for _ in range(11)]
        for weights in (range(1, 12), [*range(3, 12), 1, 2]):
            check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
            if check != 10:
                return "".join(map(str, digits)) + str(check)


async def verified_supplier(client: httpx.AsyncClient, suppliers: str) -> str:
    """A domestic supplier, licensed and certified for the benchmark orders, verified; its id."""
    officer = bearer("mic_officer")
    body = {
        "name": "Benchmark Engineering JSC",
        "country": "KZ",
        "bin": _new_bin(),
        "categories": [CATEGORY],
        "local_content_share": 72.5,
        "security_clearance": True,
    }
    supplier = _expect(await client.post(f"{suppliers}/api/v1/suppliers", json=body, headers=officer), 201)
    base = f"{suppliers}/api/v1/suppliers/{supplier['id']}"
    today, next_year = date.today(), date.today() + timedelta(days=365)
    license_body = {
        "category": CATEGORY,
        "number": f"L-{random.randrange(10**9)}",
        "valid_from": str(today - timedelta(days=30)),
        "valid_until": str(next_year),
    }
    _expect(await client.post(f"{base}/licenses", json=license_body, headers=officer), 201)
    certification = {"standard": CERTIFICATION, "number": f"C-{random.randrange(10**9)}", "valid_until": str(next_year)}
    _expect(await client.post(f"{base}/certifications", json=certification, headers=officer), 201)
    _expect(await client.post(f"{base}/verify", headers=officer), 200)
    return str(supplier["id"])


async def published_order(client: httpx.AsyncClient, orders: str, quantity: int = 100) -> str:
    mod = bearer("mod_officer")
    order = _expect(await client.post(f"{orders}/api/v1/orders", json=order_body(quantity=quantity), headers=mod), 201)
    _expect(await client.post(f"{orders}/api/v1/orders/{order['id']}/publish", headers=mod), 200)
    return str(order["id"])


async def award(client: httpx.AsyncClient, orders: str, order_id: str, supplier_id: str) -> None:
    body = {"supplier_id": supplier_id, "contract_price": {"amount": "900000.00", "currency": "KZT"}}
    response = await client.post(f"{orders}/api/v1/orders/{order_id}/award", json=body, headers=bearer("mod_officer"))
    _expect(response, 200)


async def status_of(client: httpx.AsyncClient, orders: str, order_id: str) -> str:
    response = await client.get(f"{orders}/api/v1/orders/{order_id}/status", headers=bearer("auditor"))
    return str(_expect(response, 200)["status"])


async def wait_status(client: httpx.AsyncClient, orders: str, order_id: str, status: str) -> None:
    async def reached() -> bool:
        return await status_of(client, orders, order_id) == status

    await eventually(reached, f"order {order_id} {status}")


async def history(client: httpx.AsyncClient, orders: str, order_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{orders}/api/v1/orders/{order_id}/history?limit=500", headers=bearer("auditor"))
    return list(_expect(response, 200)["items"])


async def open_inspection(client: httpx.AsyncClient, urls: dict[str, str], supplier_id: str) -> dict[str, Any]:
    """An order of a big lot awarded, contracted, in production and submitted: its open inspection."""
    orders, quality = urls["orders"], urls["quality"]
    order_id = await published_order(client, orders, quantity=BIG_LOT)
    await award(client, orders, order_id, supplier_id)
    await wait_status(client, orders, order_id, "contracted")
    own = bearer("supplier", supplier_id)
    base = f"{orders}/api/v1/orders/{order_id}"
    _expect(await client.post(f"{base}/start-production", headers=own), 200)
    _expect(await client.post(f"{base}/submit-for-inspection", json={"lot_size": BIG_LOT}, headers=own), 200)

    async def inspection() -> dict[str, Any] | None:
        url = f"{quality}/api/v1/inspections?order_id={order_id}&status=open"
        items = _expect(await client.get(url, headers=bearer("auditor")), 200)["items"]
        return items[0] if items else None

    return await eventually(inspection, f"open inspection of order {order_id}")
