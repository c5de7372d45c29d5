"""The commands that start each server of a run, as an operator would type them."""

from __future__ import annotations

import sys
from pathlib import Path

from processes import ROOT, Server, free_port, start, suite_root

SERVICES = ("orders", "suppliers", "quality")
# One worker, uvloop and httptools: the bare app and the naive app are served at their fastest.
UVICORN_FAST = ["--loop", "uvloop", "--http", "httptools", "--workers", "1", "--log-level", "warning"]


def sdo_command() -> list[str]:
    """The venv's `sdo`; `python -m services.cli` run in the other checkout when the suite comes from one."""
    script = Path(sys.executable).with_name("sdo")
    if script.exists() and suite_root() == ROOT:
        return [str(script)]
    return [sys.executable, "-m", "services.cli"]


def bare_app(log_dir: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "benchmarks.baseline_app:app", "--port", str(port), *UVICORN_FAST]
    return start("bare", [*command, "--no-access-log"], port, {}, log_dir)


def naive_app(dsn: str, log_dir: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "benchmarks.naive_app:app", "--port", str(port), *UVICORN_FAST]
    return start("naive", [*command, "--no-access-log"], port, {"SDO_BENCH_NAIVE_DSN": dsn}, log_dir)


def sdo_serve(
    service: str,
    database_url: str,
    amqp_url: str,
    secret: str,
    log_dir: Path,
    name: str = "",
    extra: dict[str, str] | None = None,
) -> Server:
    """One service, its own PostgreSQL database, RabbitMQ: what a container runs."""
    port = free_port()
    command = [*sdo_command(), "serve", service, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    env = {
        "SDO_AMQP_URL": amqp_url,
        "SDO_JWT_SECRET": secret,
        f"SDO_{service.upper()}_DATABASE_URL": database_url,
        "SDO_LOG_LEVEL": "WARNING",
        **(extra or {}),
    }
    return start(name or service, command, port, env, log_dir, suite_root())


def sdo_up(secret: str, data_dir: Path, log_dir: Path) -> dict[str, Server]:
    """All three services in one process on SQLite files and the in-process bus.

    The one process is returned once per service, each with that service's URL.
    """
    ports = {service: free_port() for service in SERVICES}
    command = [*sdo_command(), "up", "--host", "127.0.0.1", "--log-level", "warning"]
    command += [f"--{service}-port={port}" for service, port in ports.items()]
    env = {"SDO_JWT_SECRET": secret, "SDO_DATA_DIR": str(data_dir), "SDO_LOG_LEVEL": "WARNING"}
    server = start("suite", command, ports["orders"], env, log_dir, suite_root())
    return {
        service: Server(service, f"http://127.0.0.1:{port}", command, server.process, server.log, server.env_names)
        for service, port in ports.items()
    }
