"""What the run ran on: CPU, memory, load, and the versions of everything in the path."""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import subprocess
from importlib import metadata

import asyncpg
from backends import PG_ADMIN_DSN

PACKAGES = ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "pydantic", "sqlalchemy", "asyncpg", "aio-pika")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        return f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        return "unknown"


def _command_version(*command: str) -> str:
    if shutil.which(command[0]) is None:
        return "not installed"
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "unknown"


async def _postgres_version() -> str:
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return "not reachable"
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def describe(with_servers: bool) -> dict[str, str]:
    facts = {
        "CPUs": f"{os.cpu_count()} x {_cpu_model()}",
        "memory": _memory_gib(),
        "load average at start (1, 5, 15 min)": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "kernel": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "wrk": _command_version("wrk", "--version"),
    }
    if with_servers:
        facts["PostgreSQL"] = asyncio.run(_postgres_version())
        facts["RabbitMQ"] = _command_version("rabbitmqctl", "version")
    for package in PACKAGES:
        try:
            facts[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            facts[package] = "not installed"
    return facts
