"""Profile one scenario: the orders service (and suppliers) under wrk, sampled by py-spy.

    .venv/bin/python benchmarks/profile.py status          # GET /orders/{id}/status (200)
    .venv/bin/python benchmarks/profile.py status304       # the same with If-None-Match (304)
    .venv/bin/python benchmarks/profile.py feed            # a feed page of 100
    .venv/bin/python benchmarks/profile.py create          # POST /orders
    .venv/bin/python benchmarks/profile.py relay           # a burst of outbox rows drained by the relay
    .venv/bin/python benchmarks/profile.py status --workers 2 --no-profile   # just the rate

Starts the services as `sdo serve` on a fresh PostgreSQL database and RabbitMQ vhost (dropped at
the end), seeds a few orders over the API, then runs wrk for ``--duration`` seconds while
``py-spy record`` samples the orders process (``--output``, an SVG flame graph, or with
``--format speedscope``), or ``py-spy top``-style totals with ``--top``. Needs ``pip install py-spy``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import httpx  # noqa: E402
import scenarios  # noqa: E402
from award_saga import AwardResult, award_round_trips  # noqa: E402
from backends import Backends, sqlalchemy_url  # noqa: E402
from load import LoadSettings, Target, drive  # noqa: E402
from processes import stop, wait_ready  # noqa: E402
from relay_throughput import raw_publishing, relay_drain  # noqa: E402
from seed import gather_limited, published_order, verified_supplier  # noqa: E402
from servers import sdo_serve  # noqa: E402
from tokens import SECRET, bearer  # noqa: E402


def _target(name: str, url: str, ids: list[str]) -> Target:
    reader = bearer("integration")
    if name == "status":
        return scenarios.status(url, ids, reader)
    if name == "status304":
        return scenarios.status_not_modified(url, ids, reader)
    if name == "feed":
        return scenarios.feed_page(url)
    if name == "order":
        return scenarios.order(url, ids, reader)
    if name == "list":
        return scenarios.list_page(url)
    if name == "create":
        return scenarios.create_order(url)
    raise SystemExit(f"unknown scenario {name}")


async def _awards(orders: str, suppliers: str, count: int, rate: float | None) -> AwardResult:
    async with httpx.AsyncClient(timeout=60) as client:
        supplier_id = await verified_supplier(client, suppliers)
        return await award_round_trips(client, orders, supplier_id, count, 1, rate)


async def _hops(orders_dsn: str, suppliers_dsn: str) -> None:
    """Where an award's time goes: each event from its commit (outbox row) to the broker's confirm
    (sent_at) and to the consumer's claim (inbox row), and each handler from its cause's claim to the
    commit of the event it emitted, per event type, p50/p99 in ms."""
    import asyncpg
    from stats import percentile

    sent = (
        "SELECT event_id, event_type, created_at, sent_at, "
        "convert_from(body, 'UTF8')::json->>'causationid' AS cause FROM sdo_outbox"
    )
    claimed = "SELECT event_id, processed_at FROM sdo_inbox"
    stamps: dict[str, list] = {}
    inbox = []
    handled: dict[str, list[float]] = {}  # event type -> claim of its cause to its own commit, ms
    for dsn in (orders_dsn, suppliers_dsn):
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(sent)
            claims = {row["event_id"]: row["processed_at"] for row in await conn.fetch(claimed)}
            for row in rows:
                stamps.setdefault(row["event_id"], [row["event_type"], row["created_at"], row["sent_at"], None])
                if row["cause"] in claims:
                    spent = (row["created_at"] - claims[row["cause"]]).total_seconds() * 1000
                    handled.setdefault(row["event_type"], []).append(spent)
            inbox += [{"event_id": k, "processed_at": v} for k, v in claims.items()]
        finally:
            await conn.close()
    for kind, spent in sorted(handled.items()):
        p50, p99 = percentile(spent, 50), percentile(spent, 99)
        print(f"  {kind}: its cause claimed->it committed p50 {p50:.0f} p99 {p99:.0f}")
    for row in inbox:
        if row["event_id"] in stamps:
            stamps[row["event_id"]][3] = row["processed_at"]
    by_type: dict[str, tuple[list[float], list[float]]] = {}
    for kind, created, sent_at, processed in stamps.values():
        if sent_at is None or processed is None:
            continue
        relay, consume = by_type.setdefault(kind, ([], []))
        relay.append((sent_at - created).total_seconds() * 1000)
        consume.append((processed - sent_at).total_seconds() * 1000)
    for kind, (relay, consume) in sorted(by_type.items()):
        print(
            f"  {kind}: commit->confirmed p50 {percentile(relay, 50):.0f} p99 {percentile(relay, 99):.0f}; "
            f"confirmed->consumed p50 {percentile(consume, 50):.0f} p99 {percentile(consume, 99):.0f} ({len(relay)})"
        )


async def _seed(url: str, count: int) -> list[str]:
    async with httpx.AsyncClient(timeout=60) as client:
        return await gather_limited([lambda: published_order(client, url) for _ in range(count)], 8)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn's workers), from /proc."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    tick = os.sysconf("SC_CLK_TCK")
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread (name:tid) of one process."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            name = (task / "comm").read_text().strip()
        except OSError:
            continue
        found[f"{name}:{task.name}"] = (int(fields[11]) + int(fields[12])) / tick
    return found


def summarise(path: Path, top: int) -> None:
    """Self and inclusive share of the samples per function, from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    if not total:
        print("no samples")
        return
    print(f"{total} samples; inclusive (self) per cent of all")
    for frame, count in sorted(inclusive.items(), key=lambda item: -item[1])[:top]:
        print(f"{100 * count / total:6.1f} ({100 * own.get(frame, 0) / total:5.1f})  {frame[:150]}")
    print("-- by self time")
    for frame, count in sorted(own.items(), key=lambda item: -item[1])[:top]:
        print(f"{100 * count / total:6.1f}  {frame[:150]}")


def _spy(pid: int, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """``py-spy record`` of the process for ``--duration`` seconds, in the background."""
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        raise SystemExit("py-spy is not installed: pip install py-spy")
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "-p", str(pid), "-o", str(args.output)]
    command += ["-d", str(int(args.duration)), "-r", str(args.rate), "-f", args.format]
    command += ["--subprocesses", "--gil", "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _report(spy: subprocess.Popen[bytes] | None, args: argparse.Namespace) -> None:
    if spy is None:
        return
    spy.wait(timeout=args.duration + 60)
    print(f"profile: {args.output}")
    if args.format == "raw":
        summarise(args.output, args.top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    scenarios_ = ["status", "status304", "feed", "order", "list", "create", "award", "relay"]
    parser.add_argument("scenario", choices=scenarios_)
    parser.add_argument("--awards", type=int, default=50, help="orders in the award round trip")
    parser.add_argument("--award-rate", type=float, help="award calls per second (default: back to back)")
    parser.add_argument("--relay-events", type=int, default=20_000, help="outbox rows in the relay burst")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--orders", type=int, default=100, help="orders seeded")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the orders service")
    parser.add_argument("--output", type=Path, default=Path(tempfile.gettempdir()) / "sdo-profile.txt")
    parser.add_argument("--format", default="raw", help="py-spy's format: raw (summed up here), flamegraph, speedscope")
    parser.add_argument("--top", type=int, default=40, help="functions listed from a raw profile")
    parser.add_argument("--no-profile", action="store_true", help="only the rate, no sampling")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    args = parser.parse_args()
    load = LoadSettings(args.connections, 2, args.duration, 0)
    log_dir = Path(tempfile.gettempdir()) / "sdo-profile-logs"
    log_dir.mkdir(exist_ok=True)
    with Backends() as backends:
        amqp = backends.vhost("profile")
        env = {"SDO_WORKERS": str(args.workers)}
        orders_dsn = backends.database("orders")
        orders = sdo_serve("orders", sqlalchemy_url(orders_dsn), amqp, SECRET, log_dir, extra=env)
        suppliers = None
        if args.scenario == "award":
            suppliers_dsn = backends.database("suppliers")
            suppliers = sdo_serve("suppliers", sqlalchemy_url(suppliers_dsn), amqp, SECRET, log_dir, extra=env)
        try:
            wait_ready(orders, "/readyz")
            if suppliers is not None:
                wait_ready(suppliers, "/readyz")
                # The suppliers process decides each award: sampled while the awards run.
                spy = _spy(suppliers.process.pid, args) if not args.no_profile else None
                before = {p.name: cpu_seconds(p.process.pid) for p in (orders, suppliers)}
                trips = asyncio.run(_awards(orders.url, suppliers.url, args.awards, args.award_rate))
                print(
                    f"award round trip: p50 {trips.p50_ms:.0f} ms  p99 {trips.p99_ms:.0f} ms  "
                    f"({args.awards} orders, {trips.awards_per_second:.0f} awards/s)"
                )
                for served in (orders, suppliers):
                    spent = cpu_seconds(served.process.pid) - before[served.name]
                    print(f"  {served.name} CPU {1000 * spent / args.awards:.1f} ms per award (seeding included)")
                asyncio.run(_hops(orders_dsn, suppliers_dsn))
                _report(spy, args)
                return 0
            if args.scenario == "relay":
                spy = _spy(orders.process.pid, args) if not args.no_profile else None
                drained = asyncio.run(relay_drain(orders_dsn, args.relay_events))
                raw = asyncio.run(raw_publishing(amqp, args.relay_events, 100, one_at_a_time=False))
                print(f"relay {drained.per_second:,.0f} events/s  raw batched {raw.per_second:,.0f} events/s")
                _report(spy, args)
                return 0
            try:
                ids = asyncio.run(_seed(orders.url, args.orders))
            except SystemExit:
                print(orders.log_tail(), file=sys.stderr)
                raise
            target = _target(args.scenario, orders.url, ids)
            drive(target, load, 2)  # warm-up
            spy = _spy(orders.process.pid, args) if not args.no_profile else None
            before, threads = cpu_seconds(orders.process.pid), thread_cpu(orders.process.pid)
            result = drive(target, load)
            used = cpu_seconds(orders.process.pid) - before
            for name, seconds in thread_cpu(orders.process.pid).items():
                if seconds - threads.get(name, 0.0) > 0.05:
                    print(f"  thread {name}: {seconds - threads.get(name, 0.0):.2f} s CPU")
            print(
                f"{args.scenario}: {result.per_second:,.0f} req/s  p50 {result.p50_ms:.1f} ms  "
                f"p99 {result.p99_ms:.1f} ms  errors {result.errors}  "
                f"server CPU {1e6 * used / max(result.requests, 1):,.0f} us/request"
            )
            _report(spy, args)
        finally:
            stop([orders, *([suppliers] if suppliers else [])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
