"""The run's own PostgreSQL databases and RabbitMQ vhosts: created on demand, all dropped at the end."""

from __future__ import annotations

import asyncio
import os
import subprocess
from types import TracebackType
from uuid import uuid4

import asyncpg

PG_ADMIN_DSN = os.environ.get("SDO_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
AMQP_BASE = os.environ.get("SDO_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672")


def sqlalchemy_url(dsn: str) -> str:
    """The asyncpg DSN as the suite's settings want it."""
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=10)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def postgres_reachable() -> bool:
    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def _rabbitmqctl(*args: str, check: bool = True) -> None:
    subprocess.run(["rabbitmqctl", *args], check=check, capture_output=True, timeout=120)


class Backends:
    """Names everything after one run id, so a run never sees another's data and cleans up after itself."""

    def __init__(self) -> None:
        self.run_id = uuid4().hex[:8]
        self._databases: list[str] = []
        self._vhosts: list[str] = []

    def database(self, purpose: str) -> str:
        """A new empty database; returns its plain (asyncpg) DSN."""
        name = f"sdo_bench_{self.run_id}_{purpose}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self._databases.append(name)
        return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{name}"

    def vhost(self, purpose: str) -> str:
        """A new RabbitMQ vhost that guest may use; returns its AMQP URL."""
        name = f"sdo-bench-{self.run_id}-{purpose}"
        _rabbitmqctl("add_vhost", name)
        self._vhosts.append(name)
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        return f"{AMQP_BASE}/{name}"

    def drop_all(self) -> None:
        for name in self._databases:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        for name in self._vhosts:
            _rabbitmqctl("delete_vhost", name, check=False)
        self._databases.clear()
        self._vhosts.clear()

    def __enter__(self) -> Backends:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.drop_all()
