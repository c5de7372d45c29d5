"""The suite under load: started, seeded over the API, then each scenario driven in turn."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from pathlib import Path

import httpx
import scenarios
from award_saga import award_round_trips
from backends import Backends, postgres_reachable, sqlalchemy_url
from harness import Run
from processes import Server, stop, wait_ready
from relay_throughput import raw_publishing, relay_drain
from results import Row
from seed import gather_limited, open_inspection, verified_supplier
from servers import SERVICES, naive_app, sdo_serve, sdo_up
from tokens import SECRET, bearer


def start_suite(run: Run, backends: Backends | None, data_dir: Path) -> tuple[dict[str, Server], str | None, str]:
    """The three services; returns them, the orders database DSN (PostgreSQL) and the broker URL."""
    if backends is None:
        services = sdo_up(SECRET, data_dir, run.log_dir)
        run.started(services["orders"])
        for server in services.values():
            wait_ready(server, "/readyz")
        return services, None, "memory://"
    amqp = backends.vhost("suite")
    dsns = {service: backends.database(service) for service in SERVICES}
    services = {s: sdo_serve(s, sqlalchemy_url(dsns[s]), amqp, SECRET, run.log_dir) for s in SERVICES}
    run.started(*services.values())
    for server in services.values():
        wait_ready(server, "/readyz")
    return services, dsns["orders"], amqp


def start_naive(run: Run, backends: Backends) -> Server | None:
    """The naive app on PostgreSQL; none (POST /orders then has no yardstick) where PostgreSQL is not up."""
    if not postgres_reachable():
        run.rows.append(Row("naive app POST /orders (row + outbox row)", note="skipped: PostgreSQL not reachable"))
        return None
    naive = naive_app(backends.database("naive"), run.log_dir)
    run.started(naive)
    wait_ready(naive, "/ping")
    return naive


async def _seed(run: Run, urls: dict[str, str]) -> tuple[list[str], list[str], str]:
    """The awarded orders (the award round trip is measured on them), the open inspections, the supplier."""
    options = run.options
    async with httpx.AsyncClient(timeout=60) as client:
        supplier_id = await verified_supplier(client, urls["suppliers"])
        rate = options.award_rate
        print(f"  awarding {options.awards} orders at {rate:g} awards/s ...", flush=True)
        awards = await award_round_trips(client, urls["orders"], supplier_id, options.awards, 1, rate)
        note = f"{options.awards} orders, an award call every {1000 / rate:.0f} ms; from each order's /history"
        run.rows.append(
            Row(f"award → contracted (2 hops), {rate:g} awards/s", None, awards.p50_ms, awards.p99_ms, note=note)
        )
        print(f"    p50 {awards.p50_ms:.0f} ms  p99 {awards.p99_ms:.0f} ms", flush=True)
        callers = options.award_callers
        print(f"  awarding {options.awards} orders back to back ...", flush=True)
        flat_out = await award_round_trips(client, urls["orders"], supplier_id, options.awards, callers)
        note = f"{options.awards} orders, {callers} award call(s) in flight ({flat_out.awards_per_second:.0f} awards/s)"
        note += ", never waiting for the saga: its capacity, not its latency"
        label = "award → contracted (2 hops), back to back"
        run.rows.append(Row(label, None, flat_out.p50_ms, flat_out.p99_ms, note=note))
        print(f"    p50 {flat_out.p50_ms:.0f} ms  p99 {flat_out.p99_ms:.0f} ms", flush=True)
        print(f"  opening {options.inspections} inspections of big lots ...", flush=True)
        opened = await gather_limited(
            [lambda: open_inspection(client, urls, supplier_id) for _ in range(options.inspections)], 4
        )
    return awards.order_ids, [str(i["id"]) for i in opened], supplier_id


@dataclass(frozen=True)
class Polled:
    """What the status scenarios polled, so more workers can be measured on the same orders."""

    pool: list[str]
    poller: dict[str, str]
    one_worker: Row


def reads_and_writes(run: Run, urls: dict[str, str], naive: Server | None) -> Polled:
    order_ids, inspection_ids, supplier_id = asyncio.run(_seed(run, urls))
    pool = order_ids[: run.options.pool]
    orders = urls["orders"]
    poller = bearer("supplier", supplier_id)
    each = f"{len(pool)} orders in turn, the supplier's token"
    status_row, _ = run.drive("GET /orders/{id}/status (200)", scenarios.status(orders, pool, poller), each)
    run.drive("GET /orders/{id}/status (304)", scenarios.status_not_modified(orders, pool, poller), each)
    run.drive("GET /orders/changes, page of 100", scenarios.feed_page(orders), "after=0&limit=100")
    run.drive("GET /orders, page of 50", scenarios.list_page(orders), "limit=50")
    run.drive("GET /orders/{id}", scenarios.order(orders, pool, poller), each)
    sample = "1250-unit samples" if not run.options.smoke else "large samples"
    run.drive(
        "POST /inspections/{id}/measurements",
        scenarios.measurement(urls["quality"], inspection_ids),
        f"{len(inspection_ids)} open inspections ({sample}) in turn, a new unit serial each",
    )
    if naive is not None:
        _row, result = run.drive(
            "naive app POST /orders (row + outbox row)",
            scenarios.create_order(naive.url, "/orders"),
            "asyncpg, one transaction, no history/feed/audit/idempotency",
            basis="",
        )
        run.naive_rate = result.per_second
    note = "unique bodies, no Idempotency-Key"
    run.drive("POST /orders", scenarios.create_order(orders), note, basis="naive")
    return Polled(pool, poller, status_row)


def more_workers(run: Run, orders_dsn: str, amqp_url: str, polled: Polled, workers: int = 2) -> None:
    """`sdo serve orders --workers N` on the same database: /status against the one-worker row."""
    server = sdo_serve(
        "orders",
        sqlalchemy_url(orders_dsn),
        amqp_url,
        SECRET,
        run.log_dir,
        f"orders-{workers}-workers",
        extra={"SDO_WORKERS": str(workers)},
    )
    run.started(server)
    try:
        wait_ready(server, "/readyz")
        name = f"GET /orders/{{id}}/status (200), {workers} workers"
        row, _ = run.drive(name, scenarios.status(server.url, polled.pool, polled.poller), basis="")
        one = polled.one_worker.rate
        if one and row.rate:
            row.ratio = row.rate / one
            row.basis = "1 worker"
        row.note = f"`sdo serve orders --workers {workers}` on the same database; ratio to the one-worker row"
    finally:
        stop([server])
        run.servers.remove(server)


def relay(run: Run, orders_dsn: str, amqp_url: str) -> None:
    events, batch = run.options.relay_events, run.options.relay_batch
    print(f"  relay: {events} outbox rows ...", flush=True)
    drained = asyncio.run(relay_drain(orders_dsn, events))
    batched = asyncio.run(raw_publishing(amqp_url, events, batch, one_at_a_time=False))
    serial = asyncio.run(raw_publishing(amqp_url, events, batch, one_at_a_time=True))
    ratio = drained.per_second / batched.per_second if batched.per_second else math.nan
    same = f"{events} events, persistent, mandatory, confirmed, to sdo.events"
    run.rows += [
        Row(
            "outbox relay (orders)",
            drained.per_second,
            ratio=ratio,
            basis="raw batched",
            unit="events/s",
            note=f"{events} rows committed at once, read back from sdo_outbox.sent_at",
        ),
        Row(f"raw aio-pika, batches of {batch} in flight", batched.per_second, unit="events/s", note=same),
        Row("raw aio-pika, one confirm at a time", serial.per_second, unit="events/s", note=same),
    ]
    print(f"    relay {drained.per_second:,.0f}/s  raw batched {batched.per_second:,.0f}/s", flush=True)
