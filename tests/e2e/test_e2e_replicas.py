"""Two replicas of every service on one database each, as in production: orders walked
concurrently through alternating replicas all close, and every event is applied exactly once."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import Suite
from tests.e2e.test_e2e_order_walk import AUDITOR, MOD, ok, register_domestic_supplier, wait_for, walk_order
from tests.support import auth

ORDERS = 6


class RoundRobin:
    """Sends each request to the next replica, as a load balancer would."""

    def __init__(self, clients: list[httpx.Client]) -> None:
        self._clients = itertools.cycle(clients)
        self._lock = threading.Lock()

    def _next(self) -> httpx.Client:
        with self._lock:
            return next(self._clients)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._next().get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._next().post(url, **kwargs)


def test_orders_walked_through_two_replicas_of_every_service_all_close_and_count_once(
    replicated_suite: Suite,
) -> None:
    def service(name: str) -> RoundRobin:
        return RoundRobin([replicated_suite.client(f"{name}-1"), replicated_suite.client(f"{name}-2")])

    orders, suppliers, quality = service("orders"), service("suppliers"), service("quality")
    deadline = date.today() + timedelta(days=120)
    sid = register_domestic_supplier(suppliers, deadline)

    with ThreadPoolExecutor(max_workers=3) as pool:
        closed = list(pool.map(lambda n: walk_order(orders, quality, sid, deadline, f"R{n}"), range(ORDERS)))
    assert len(set(closed)) == ORDERS

    supplier = auth("supplier", supplier_id=sid)
    scorecard = wait_for(
        lambda: (
            (s := ok(suppliers.get(f"/api/v1/suppliers/{sid}/scorecard", headers=supplier)))["deliveries"] == ORDERS
            and s
        ),
        "every delivery counted",
    )
    assert (scorecard["orders_awarded"], scorecard["lots_inspected"], scorecard["lots_accepted"]) == (ORDERS,) * 3
    feed = ok(orders.get("/api/v1/orders/changes", params={"limit": 500}, headers=AUDITOR))["changes"]
    seqs = [change["seq"] for change in feed]
    assert seqs == sorted(set(seqs))
    assert sum(change["status"] == "closed" for change in feed) == ORDERS
    numbers = {ok(orders.get(f"/api/v1/orders/{oid}/status", headers=MOD))["number"] for oid in closed}
    assert len(numbers) == ORDERS
    for name in ("orders", "suppliers", "quality"):
        verdict = ok(service(name).get("/api/v1/audit/verify", headers=AUDITOR))
        assert verdict["valid"] is True, (name, verdict)
