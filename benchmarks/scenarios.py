"""The load each scenario puts on the suite, as targets for the load generator."""

from __future__ import annotations

import json

import httpx
from load import Target
from seed import order_body
from tokens import bearer

FEED_PAGE = "/api/v1/orders/changes?after=0&limit=100"
LIST_PAGE = "/api/v1/orders?limit=50"


def bare(url: str) -> Target:
    return Target(url, ["/ping"])


def status(orders: str, order_ids: list[str], reader: dict[str, str]) -> Target:
    return Target(orders, [f"/api/v1/orders/{i}/status" for i in order_ids], reader)


def status_not_modified(orders: str, order_ids: list[str], reader: dict[str, str]) -> Target:
    """The same polls, each with the ETag its order answers now: every one is a 304."""
    headers = reader
    paths = [f"/api/v1/orders/{i}/status" for i in order_ids]
    with httpx.Client(base_url=orders, headers=headers, timeout=30) as client:
        etags = [client.get(path).headers["etag"] for path in paths]
    return Target(orders, paths, headers, etags=etags, expect=304)


def feed_page(orders: str) -> Target:
    """A ministry system paging the feed."""
    return Target(orders, [FEED_PAGE], bearer("integration"))


def list_page(orders: str) -> Target:
    return Target(orders, [LIST_PAGE], bearer("integration"))


def order(orders: str, order_ids: list[str], reader: dict[str, str]) -> Target:
    return Target(orders, [f"/api/v1/orders/{i}" for i in order_ids], reader)


def create_order(url: str, path: str = "/api/v1/orders") -> Target:
    """A new, different order each time (its title carries the request's token); no Idempotency-Key."""
    body = json.dumps(order_body(title="Benchmark order {{n}}"))
    return Target(url, [path], bearer("mod_officer"), body=body, expect=201)


def measurement(quality: str, inspection_ids: list[str]) -> Target:
    """One unit's reading, a new unit serial each time, spread over the open inspections."""
    body = json.dumps({"unit_serial": "U-{{n}}", "values": {"L": 11}})
    paths = [f"/api/v1/inspections/{i}/measurements" for i in inspection_ids]
    return Target(quality, paths, bearer("quality_inspector"), body=body, expect=201)
