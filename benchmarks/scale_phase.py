"""/status and a feed page with 1,000 and with 1,000,000 orders: one orders service on a fresh database."""

from __future__ import annotations

import asyncio

import httpx
import scenarios
from backends import Backends, sqlalchemy_url
from bulk_orders import grow_orders, sample_ids
from harness import Run
from processes import stop, wait_ready
from results import Row
from seed import published_order
from servers import sdo_serve
from tokens import SECRET, bearer


async def _template(orders: str) -> str:
    async with httpx.AsyncClient(timeout=60) as client:
        return await published_order(client, orders)


def at_scale(run: Run, backends: Backends) -> None:
    dsn = backends.database("scale")
    # The database's path, not the answers kept in memory: the rows are copied in behind the service's back.
    no_cache = {"SDO_POLL_CACHE": "false"}
    orders = sdo_serve(
        "orders", sqlalchemy_url(dsn), backends.vhost("scale"), SECRET, run.log_dir, "orders-scale", no_cache
    )
    run.started(orders)
    try:
        wait_ready(orders, "/readyz")
        template = asyncio.run(_template(orders.url))
        sizes = [1_000, 1_000_000] if run.options.million else [1_000]
        first: dict[str, Row] = {}
        reader = bearer("integration")
        for total in sizes:
            print(f"  {total:,} orders in the database ...", flush=True)
            asyncio.run(grow_orders(dsn, template, total))
            ids = asyncio.run(sample_ids(dsn, min(1_000, total)))
            label = f"{total:,} orders"
            status, _ = run.drive(
                f"GET /orders/{{id}}/status, {label}",
                scenarios.status(orders.url, ids, reader),
                f"{len(ids)} orders spread over the table, in turn",
            )
            feed, _ = run.drive(f"GET /orders/changes page of 100, {label}", scenarios.feed_page(orders.url))
            for key, row in (("status", status), ("feed", feed)):
                if key in first and first[key].rate and row.rate:
                    row.note = f"{row.note}; {row.rate / first[key].rate:.2f}x the 1,000-order rate".lstrip("; ")
                first.setdefault(key, row)
    finally:
        stop([orders])
        run.servers.remove(orders)
