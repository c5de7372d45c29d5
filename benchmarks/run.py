"""Measure the suite's hot paths against a bare FastAPI app served the same way.

    .venv/bin/python benchmarks/run.py [--requests 400] [--concurrency 8]

Starts the baseline and `sdo up` (SQLite, in-process bus) as child processes on free ports,
seeds an order, then for each scenario prints requests/s and mean latency and the ratio of its
latency to the baseline's. Ratios, not absolute times, are what compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.auth import mint_token  # noqa: E402

SECRET = "benchmark-secret-0123456789abcdef0123"
PG_ADMIN_DSN = os.environ.get("SDO_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
AMQP_BASE = os.environ.get("SDO_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672")


@dataclass
class ProductionBackends:
    """Databases and a vhost of the run's own on the local PostgreSQL and RabbitMQ, dropped afterwards."""

    databases: dict[str, str]
    vhost: str

    @property
    def amqp_url(self) -> str:
        return f"{AMQP_BASE}/{self.vhost}"

    @classmethod
    def create(cls) -> ProductionBackends:
        run = uuid4().hex[:8]
        names = {service: f"sdo_bench_{service}_{run}" for service in ("orders", "suppliers", "quality")}
        asyncio.run(_admin_sql([f'CREATE DATABASE "{db}"' for db in names.values()]))
        vhost = f"sdo-bench-{run}"
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True, capture_output=True
        )
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return cls({service: f"{base}/{db}" for service, db in names.items()}, vhost)

    def drop(self) -> None:
        names = [url.rsplit("/", 1)[1] for url in self.databases.values()]
        asyncio.run(_admin_sql([f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)' for db in names]))
        subprocess.run(["rabbitmqctl", "delete_vhost", self.vhost], capture_output=True)


async def _admin_sql(statements: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: process exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready")


async def measure(
    client: httpx.AsyncClient, method: str, url: str, requests: int, concurrency: int, **kwargs: object
) -> tuple[float, float]:
    """Requests per second and mean latency (ms) of ``requests`` calls, ``concurrency`` at a time."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            start = time.perf_counter()
            response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
            latencies.append(time.perf_counter() - start)
            if response.status_code >= 400:
                raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return requests / elapsed, statistics.fmean(latencies) * 1000


def order_body() -> dict[str, object]:
    return {
        "title": "Benchmark order",
        "category": "production",
        "quantity": 100,
        "unit": "pcs",
        "delivery_deadline": str(date.today() + timedelta(days=90)),
        "delivery_location": "Astana",
        "price_ceiling": {"amount": "1000000.00", "currency": "KZT"},
        "funding_source": "state_budget",
        "min_local_content": 30,
        "required_certifications": ["ISO 9001"],
        "aql": 1.0,
        "technical_requirements": [
            {"code": "L", "name": "Length", "unit": "mm", "min": 10, "max": 12, "critical": True}
        ],
    }


def _spawn(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def start_processes(
    base_port: int, ports: dict[str, int], production: ProductionBackends | None
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "SDO_JWT_SECRET": SECRET,
        "SDO_DATA_DIR": tempfile.mkdtemp(prefix="sdo-bench-"),
        "SDO_LOG_LEVEL": "WARNING",
    }
    uvicorn_args = ["--log-level", "warning", "--no-access-log"]
    processes = [
        _spawn(
            [sys.executable, "-m", "uvicorn", "benchmarks.baseline_app:app", "--port", str(base_port), *uvicorn_args],
            env,
        )
    ]
    if production is None:
        # One process, SQLite files and the in-process bus: what `sdo up` runs.
        ports_args = [f"--{name}-port={port}" for name, port in ports.items()]
        up = [sys.executable, "-m", "services.cli", "up", "--log-level", "warning", *ports_args]
        return [*processes, _spawn(up, {**env, "SDO_AMQP_URL": "memory://"})]
    # As deployed: one process per service, its own PostgreSQL database, RabbitMQ.
    for name, port in ports.items():
        serve = [sys.executable, "-m", "services.cli", "serve", name, "--host", "127.0.0.1", "--port", str(port)]
        service_env = {
            **env,
            "SDO_AMQP_URL": production.amqp_url,
            f"SDO_{name.upper()}_DATABASE_URL": production.databases[name],
            "SDO_LOG_LEVEL": "WARNING",
        }
        processes.append(_spawn([*serve, "--log-level", "warning"], service_env))
    return processes


async def run(args: argparse.Namespace, base_port: int, ports: dict[str, int]) -> None:
    token = mint_token(SECRET, roles=["mod_officer"], sub="bench")
    headers = {"Authorization": f"Bearer {token}"}
    orders = f"http://127.0.0.1:{ports['orders']}"
    quality = f"http://127.0.0.1:{ports['quality']}"
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        created = (await client.post(f"{orders}/api/v1/orders", json=order_body(), headers=headers)).json()
        oid = created["id"]
        etag = (await client.get(f"{orders}/api/v1/orders/{oid}/status", headers=headers)).headers["etag"]
        scenarios: list[tuple[str, Callable[[], object]]] = [
            (
                "baseline GET /ping",
                lambda: measure(client, "GET", f"http://127.0.0.1:{base_port}/ping", args.requests, args.concurrency),
            ),
            (
                "orders GET /orders/{id}/status",
                lambda: measure(
                    client,
                    "GET",
                    f"{orders}/api/v1/orders/{oid}/status",
                    args.requests,
                    args.concurrency,
                    headers=headers,
                ),
            ),
            (
                "orders GET /status If-None-Match (304)",
                lambda: measure(
                    client,
                    "GET",
                    f"{orders}/api/v1/orders/{oid}/status",
                    args.requests,
                    args.concurrency,
                    headers={**headers, "If-None-Match": etag},
                ),
            ),
            (
                "orders GET /orders/changes",
                lambda: measure(
                    client,
                    "GET",
                    f"{orders}/api/v1/orders/changes?after=0&limit=50",
                    args.requests,
                    args.concurrency,
                    headers=headers,
                ),
            ),
            (
                "orders GET /orders/{id}",
                lambda: measure(
                    client, "GET", f"{orders}/api/v1/orders/{oid}", args.requests, args.concurrency, headers=headers
                ),
            ),
            (
                "quality GET /sampling-plan",
                lambda: measure(
                    client,
                    "GET",
                    f"{quality}/api/v1/sampling-plan?lot_size=1000&aql=1.0",
                    args.requests,
                    args.concurrency,
                    headers=headers,
                ),
            ),
            (
                "orders POST /orders (row+history+feed+audit+outbox)",
                lambda: measure(
                    client,
                    "POST",
                    f"{orders}/api/v1/orders",
                    max(50, args.requests // 4),
                    args.concurrency,
                    headers=headers,
                    json=order_body(),
                ),
            ),
        ]
        results = []
        for name, run_scenario in scenarios:
            await measure(client, "GET", f"http://127.0.0.1:{base_port}/ping", 50, args.concurrency)  # warm
            rps, mean_ms = await run_scenario()  # type: ignore[misc]
            results.append((name, rps, mean_ms))
    base_ms = results[0][2]
    print(f"\n{'scenario':<55} {'req/s':>9} {'mean ms':>9} {'x baseline':>11}")
    for name, rps, mean_ms in results:
        print(f"{name:<55} {rps:>9.0f} {mean_ms:>9.2f} {mean_ms / base_ms:>11.2f}")
    print(f"\n{args.requests} requests per GET scenario, concurrency {args.concurrency}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--production",
        action="store_true",
        help="one process per service on PostgreSQL and RabbitMQ (local servers) instead of sdo up",
    )
    args = parser.parse_args()
    base_port, ports = free_port(), {s: free_port() for s in ("orders", "suppliers", "quality")}
    production = ProductionBackends.create() if args.production else None
    processes = start_processes(base_port, ports, production)
    try:
        wait_ready(f"http://127.0.0.1:{base_port}/ping", processes[0])
        # `sdo up` serves every port from one process; in production mode each port has its own.
        servers = processes[1:] if production else processes[1:] * len(ports)
        for port, process in zip(ports.values(), servers, strict=True):
            wait_ready(f"http://127.0.0.1:{port}/readyz", process)
        asyncio.run(run(args, base_port, ports))
        print(
            "mode: " + ("PostgreSQL + RabbitMQ, a process per service" if production else "sdo up (SQLite, memory bus)")
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        if production:
            production.drop()


if __name__ == "__main__":
    main()
