"""/status and a feed page with 1,000 and with 1,000,000 orders: one orders service on a fresh database."""

from __future__ import annotations

import asyncio

import httpx
import scenarios
from backends import Backends, sqlalchemy_url
from bulk_orders import grow_orders, sample_ids
from harness import Run
from load import Target
from processes import Server, stop, wait_ready
from seed import published_order
from servers import sdo_serve
from tokens import SECRET, bearer

# Rounds of the 1,000 / 1,000,000 comparison: A B, B A, A B, B A.
ROUNDS = 4


async def _template(orders: str) -> str:
    async with httpx.AsyncClient(timeout=60) as client:
        return await published_order(client, orders)


def _service(run: Run, backends: Backends, total: int) -> tuple[Server, list[str]]:
    """An orders service on a database of its own, grown to ``total`` orders; with ids to poll."""
    dsn = backends.database(f"scale{total}")
    # The database's path, not the answers kept in memory: the rows are copied in behind the service's back.
    no_cache = {"SDO_POLL_CACHE": "false"}
    amqp = backends.vhost(f"scale{total}")
    orders = sdo_serve("orders", sqlalchemy_url(dsn), amqp, SECRET, run.log_dir, f"orders-scale-{total}", no_cache)
    run.started(orders)
    wait_ready(orders, "/readyz")
    template = asyncio.run(_template(orders.url))
    print(f"  {total:,} orders in the database ...", flush=True)
    asyncio.run(grow_orders(dsn, template, total))
    return orders, asyncio.run(sample_ids(dsn, min(1_000, total)))


def at_scale(run: Run, backends: Backends) -> None:
    """/status and a feed page against a service of 1,000 orders and (``--million``) one of 1,000,000,
    both running at once and measured in turn, four times (every other round in reverse order), so the
    machine's drift does not pass for the table's size."""
    sizes = [1_000, 1_000_000] if run.options.million else [1_000]
    services: dict[int, tuple[Server, list[str]]] = {}
    reader = bearer("integration")
    try:
        for total in sizes:
            services[total] = _service(run, backends, total)
        wanted: list[tuple[str, Target, str]] = []
        for total, (orders, ids) in services.items():
            spread = f"{len(ids)} orders spread over the table, in turn"
            wanted.append(
                (f"GET /orders/{{id}}/status, {total:,} orders", scenarios.status(orders.url, ids, reader), spread)
            )
        for total, (orders, _ids) in services.items():
            wanted.append((f"GET /orders/changes page of 100, {total:,} orders", scenarios.feed_page(orders.url), ""))
        rows = run.drive_in_turn(wanted, ROUNDS if len(sizes) > 1 else 1)
        by_size = len(sizes)
        for first, row in zip(rows[::by_size], rows[by_size - 1 :: by_size], strict=True):
            if row is not first and first.rate and row.rate:
                row.note = f"{row.note}; {row.rate / first.rate:.2f}x the 1,000-order rate".lstrip("; ")
    finally:
        running = [orders for orders, _ in services.values()]
        stop(running)
        for orders in running:
            run.servers.remove(orders)
