"""Measure what users feel: the suite under load beside a bare FastAPI app, in the same run.

    .venv/bin/python benchmarks/run.py              # sdo serve per service, PostgreSQL + RabbitMQ
    .venv/bin/python benchmarks/run.py --million    # also /status and the feed with 1,000,000 orders
    .venv/bin/python benchmarks/run.py --sqlite     # sdo up: SQLite files, the in-process bus
    .venv/bin/python benchmarks/run.py --smoke      # a short run that checks every scenario works

Starts as separate processes on free ports: the bare app (GET of a small JSON; uvicorn, uvloop,
httptools, one worker), a naive "insert a row + an outbox row" app on PostgreSQL, and the suite
(`sdo serve` for each service on a database of its own and a RabbitMQ vhost of its own, all dropped
at the end; or `sdo up` with --sqlite). It seeds over the API, drives each scenario with wrk at 32
connections (the Python load generator in python_load.py where wrk is not installed, or with
--load python), prints req/s, p50/p99 and each ratio to the bare app measured in the same run, and
writes benchmarks/RESULTS.md. Nothing here asserts a time: --smoke fails only on wrong answers.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
# A 1-minute load average above this at the start marks the results preliminary (another job ran).
BUSY_LOAD = 1.0
sys.path[:0] = [str(HERE), str(HERE.parent)]

import checkout  # noqa: E402
import scenarios  # noqa: E402
import suite_phase  # noqa: E402
from backends import Backends  # noqa: E402
from harness import Options, Run  # noqa: E402
from load import LoadSettings  # noqa: E402
from machine import describe  # noqa: E402
from processes import stop, wait_ready  # noqa: E402
from results import Report, Row, table, write  # noqa: E402
from scale_phase import at_scale  # noqa: E402
from servers import bare_app  # noqa: E402

NOTES = [
    "Each scenario: a warm-up run that is not counted, then the measured run; wrk's own latency "
    "percentiles (p50, p99) and requests per second over the run.",
    "The bare app is measured first and last; ratios are against the mean of the two, so a machine "
    "that got busier during the run shows as two different bare rows.",
    "`POST /orders` is compared with the naive app: one asyncpg transaction inserting the order row and "
    "an outbox row (no history, feed, audit or idempotency rows). Every body is new; no Idempotency-Key.",
    "Award round trip: the time from the `award_pending` entry to the `contracted` entry of each order's "
    "/history (orders → suppliers → orders over the bus), over two sets of published orders. Paced: an "
    "award call started every 1/rate seconds whether or not the saga of the one before has finished, as "
    "awards arrive in service. Back to back: the next award call as soon as the last one answers, never "
    "waiting for the saga, so the calls come faster than the sagas finish on this machine and the figure "
    "is the saga's capacity (a queue grows for the whole run), not its latency.",
    "Measurements: orders of 500,001 units submitted for inspection (ISO 2859-1 level II, letter Q, a "
    "sample of 1,250), requests spread over those inspections with a new unit serial each.",
    "Relay: N outbox rows committed at once into the orders database while the service runs; events/s "
    "counts the rows after the first batch over the time from the first batch's `sent_at` to the last's, "
    "so the wait for the relay's poll is left out. Raw aio-pika publishes the same bodies persistent, "
    "mandatory and confirmed to `sdo.events` (routed to `sdo.unrouted`, as the relay's are), each batch's "
    "messages built in the timed loop as the relay builds its own from the rows it read, timed the same way.",
    "1,000 and 1,000,000 orders: two more orders services, each on a fresh database of its own; one order "
    "created and published over the API, copied in `orders` and `order_changes` with `INSERT ... SELECT "
    "generate_series`, then `VACUUM (ANALYZE)` and `CHECKPOINT`, so no autovacuum or checkpoint of the "
    "copy runs during the measurement. /status reads 1,000 ids spread over the table in turn. Both services "
    "run at once and are measured in turn, four rounds (1,000 then 1,000,000; 1,000,000 then 1,000; and "
    "again), each row the mean of its four rounds, so neither the machine's drift over the run nor being "
    "measured first passes for the table's size. They run "
    "with `SDO_POLL_CACHE=false`, so these rows measure the database's path.",
    "Elsewhere the orders service runs as deployed (`SDO_POLL_CACHE` on): nothing is written while the "
    "/status and feed scenarios run, so after the first round their answers come from the service's memory "
    "(a /status body until the next commit is signalled, a full feed page for good), as a poller's do between "
    "changes.",
]


def parse() -> tuple[Options, LoadSettings, list[str], str | None]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true", help="the suite as `sdo up` on SQLite and the memory bus")
    parser.add_argument("--million", action="store_true", help="also /status and the feed with 1,000,000 orders")
    parser.add_argument("--smoke", action="store_true", help="tiny durations and counts; fails on wrong answers")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=float, help="seconds per scenario (default 10; smoke 1)")
    parser.add_argument("--warmup", type=float, help="seconds of uncounted load before each (default 2; smoke 0)")
    parser.add_argument("--load", choices=["auto", "wrk", "python"], default="auto", help="load generator")
    parser.add_argument("--awards", type=int, help="orders in the award round trip (default 100; smoke 5)")
    parser.add_argument("--award-callers", type=int, default=1, help="award calls in flight at a time, back to back")
    parser.add_argument("--award-rate", type=float, default=10.0, help="award calls per second, paced (default 10)")
    parser.add_argument("--inspections", type=int, help="open inspections to measure into (default 8; smoke 1)")
    parser.add_argument("--relay-events", type=int, help="outbox rows in the relay burst (default 5000; smoke 300)")
    parser.add_argument("--relay-batch", type=int, default=100, help="batch of the raw publisher (the relay's)")
    parser.add_argument("--commit", help="run the suite from a snapshot of this commit (e.g. HEAD)")
    parser.add_argument(
        "--suite-root",
        type=Path,
        help="run the suite from this checkout instead (e.g. `git archive COMMIT | tar -x -C DIR`)",
    )
    parser.add_argument("--output", type=Path, help="where to write the results (default benchmarks/RESULTS.md)")
    args = parser.parse_args()
    if args.suite_root:
        os.environ["SDO_BENCH_SUITE_ROOT"] = str(args.suite_root.resolve())
    smoke = args.smoke
    options = Options(
        sqlite=args.sqlite,
        million=args.million and not smoke,
        smoke=smoke,
        awards=args.awards or (5 if smoke else 100),
        award_callers=args.award_callers,
        award_rate=args.award_rate,
        inspections=args.inspections or (1 if smoke else 8),
        relay_events=args.relay_events or (300 if smoke else 5000),
        relay_batch=args.relay_batch,
        pool=100,
        output=args.output,
    )
    duration = args.duration if args.duration is not None else (1.0 if smoke else 10.0)
    warmup = args.warmup if args.warmup is not None else (0.0 if smoke else 2.0)
    load = LoadSettings(args.connections, args.threads, duration, warmup, generator=args.load)
    return options, load, sys.argv[1:], args.commit


def mode_of(options: Options, load: LoadSettings) -> str:
    if options.sqlite:
        # `sdo up` serves from its own asyncio.run(): the standard event loop; uvicorn picks httptools.
        suite = "`sdo up` (SQLite files, in-process bus; asyncio's own event loop, httptools)"
    else:
        # `sdo serve` leaves the choice to uvicorn, which takes uvloop and httptools where installed.
        suite = "`sdo serve` per service, PostgreSQL + RabbitMQ, one uvicorn worker each (uvloop, httptools)"
    return (
        f"{suite}; load by {load.chosen()}, {load.connections} connections, "
        f"{load.duration:g} s per scenario after {load.warmup:g} s of warm-up" + ("; smoke" if options.smoke else "")
    )


def measure_all(run: Run, backends: Backends, workdir: Path) -> None:
    options = run.options
    bare = bare_app(run.log_dir)
    run.started(bare)
    wait_ready(bare, "/ping")
    naive = suite_phase.start_naive(run, backends)
    services, orders_dsn, amqp_url = suite_phase.start_suite(run, None if options.sqlite else backends, workdir)
    urls = {name: server.url for name, server in services.items()}
    print("measuring", flush=True)
    run.bare("bare app GET /ping (first)", scenarios.bare(bare.url))
    polled = suite_phase.reads_and_writes(run, urls, naive)
    skipped = "skipped: PostgreSQL + RabbitMQ runs only"
    if orders_dsn is not None:
        suite_phase.more_workers(run, orders_dsn, amqp_url, polled)
        suite_phase.relay(run, orders_dsn, amqp_url)
    else:
        run.rows.append(Row("outbox relay (orders)", note=skipped))
    stop([s for s in run.servers if s is not bare])
    run.servers[:] = [bare]
    if not options.sqlite:
        at_scale(run, backends)
    else:
        run.rows.append(Row("/status and feed page with 1,000 and 1,000,000 orders", note=skipped))
    run.bare("bare app GET /ping (last)", scenarios.bare(bare.url))


def main() -> int:
    options, load, argv, commit = parse()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    command = shlex.join([".venv/bin/python", "benchmarks/run.py", *argv])
    snapshot = checkout.snapshot(commit) if commit else None
    machine = {"suite measured": checkout.describe(), **describe(with_servers=not options.sqlite)}
    # Another job on a 2-core machine moves every figure: the report says so when one was running.
    busy_at_start = os.getloadavg()[0] > BUSY_LOAD
    with tempfile.TemporaryDirectory(prefix="sdo-bench-") as tmp, Backends() as backends:
        workdir = Path(tmp)
        (workdir / "logs").mkdir()
        run = Run(options, load, workdir / "logs")
        try:
            measure_all(run, backends, workdir)
        finally:
            stop(run.servers)
            checkout.remove(snapshot)
    servers = [f"# {s.name}\n{s.shown()}" for s in run.started_servers]
    run.fill_ratios()
    machine = {"run at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", **machine}
    machine["load average at end (1, 5, 15 min)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report = Report(
        title="Benchmarks: the suite under load" + (" (smoke run)" if options.smoke else ""),
        mode=mode_of(options, load),
        preliminary=busy_at_start,
        command=command,
        rows=run.rows,
        machine=machine,
        servers=servers,
        load_commands=run.load_commands,
        notes=NOTES,
    )
    print("\n" + table(run.rows) + "\n")
    output = options.output or (
        Path(tempfile.gettempdir()) / "sdo-bench-smoke.md" if options.smoke else HERE / "RESULTS.md"
    )
    write(report, output)
    print(f"written to {output}")
    broken = run.broken()
    if broken:
        print("wrong answers in: " + ", ".join(broken), file=sys.stderr)
        return 1 if options.smoke else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
