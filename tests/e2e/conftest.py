"""The services as separate processes (`sdo serve`), on RabbitMQ, each service with its own database.

`suite` runs one process per service, on SQLite files and on PostgreSQL; `replicated_suite` runs two
processes of every service sharing that service's PostgreSQL database, as production does;
`fund_suite` runs the four services, the Development Fund's included, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests import support

SERVICES = ("orders", "suppliers", "quality")
WITH_FUND = (*SERVICES, "fund")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Suite:
    urls: dict[str, str]
    logs: dict[str, Path]

    def client(self, instance: str) -> httpx.Client:
        return httpx.Client(base_url=self.urls[instance], timeout=10)


@contextmanager
def launch(instances: dict[str, dict[str, str]], amqp_url: str, tmp_path: Path) -> Iterator[Suite]:
    """Start one `sdo serve` process per instance (name -> extra environment) and wait until ready."""
    base_env = {
        **os.environ,
        "SDO_AMQP_URL": amqp_url,
        "SDO_JWT_SECRET": support.JWT_SECRET,
        "SDO_DATA_DIR": str(tmp_path),
        "SDO_RELAY_POLL_SECONDS": "0.2",
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: tmp_path / f"{name}.log" for name in instances}
    urls: dict[str, str] = {}
    try:
        for name, extra in instances.items():
            service, port = name.split("-")[0], _free_port()
            cmd = [sys.executable, "-m", "services.cli", "serve", service, "--host", "127.0.0.1", "--port", str(port)]
            processes[name] = subprocess.Popen(
                cmd, env={**base_env, **extra}, stdout=logs[name].open("wb"), stderr=subprocess.STDOUT
            )
            urls[name] = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        for name, url in urls.items():
            while True:
                if processes[name].poll() is not None:
                    pytest.fail(f"{name} exited at start:\n{logs[name].read_text()[-3000:]}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} not ready in 60 s:\n{logs[name].read_text()[-3000:]}")
                time.sleep(0.2)
        yield Suite(urls, logs)
    finally:
        for process in processes.values():
            process.terminate()
        for name, process in processes.items():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail(f"{name} did not stop on SIGTERM")


@contextmanager
def postgres_databases(services: tuple[str, ...] = SERVICES) -> Iterator[dict[str, str]]:
    urls = {name: asyncio.run(support.create_pg_database()) for name in services}
    try:
        yield urls
    finally:
        for url in urls.values():
            asyncio.run(support.drop_pg_database(url))


def _database_env(service: str, url: str) -> dict[str, str]:
    return {f"SDO_{service.upper()}_DATABASE_URL": url}


@pytest.fixture(params=["sqlite", "postgres"])
def suite(request: pytest.FixtureRequest, rabbitmq_url: str, tmp_path: Path) -> Iterator[Suite]:
    if request.param == "sqlite":
        with launch({name: {} for name in SERVICES}, rabbitmq_url, tmp_path) as running_suite:
            yield running_suite
        return
    with postgres_databases() as databases:
        instances = {name: _database_env(name, databases[name]) for name in SERVICES}
        with launch(instances, rabbitmq_url, tmp_path) as running_suite:
            yield running_suite


@pytest.fixture
def replicated_suite(rabbitmq_url: str, tmp_path: Path) -> Iterator[Suite]:
    with postgres_databases() as databases:
        instances = {
            f"{name}-{replica}": _database_env(name, databases[name]) for name in SERVICES for replica in (1, 2)
        }
        with launch(instances, rabbitmq_url, tmp_path) as running_suite:
            yield running_suite


@pytest.fixture
def fund_suite(rabbitmq_url: str, tmp_path: Path) -> Iterator[Suite]:
    with postgres_databases(WITH_FUND) as databases:
        instances = {name: _database_env(name, databases[name]) for name in WITH_FUND}
        with launch(instances, rabbitmq_url, tmp_path) as running_suite:
            yield running_suite
