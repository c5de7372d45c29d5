"""Alembic, one chain per service on top of the shared kernel branch, applied at start-up.

Each service has ``migrations/`` with a two-line ``env.py`` calling :func:`run_env`. New
revisions: ``python -m shared.migrations revision <service> -m "what changed"``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import tempfile
import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import Connection

# Importing these registers the tables every service carries on ``shared_metadata``.
from shared import audit as _audit  # noqa: F401
from shared.db import Database, shared_metadata
from shared.http import idempotency as _idempotency  # noqa: F401
from shared.messaging import inbox as _inbox  # noqa: F401
from shared.messaging import outbox as _outbox  # noqa: F401
from shared.webhooks import tables as _webhooks  # noqa: F401

# The ``shared`` branch (kernel tables every service carries); each service chain depends on it.
SHARED_VERSIONS = Path(__file__).resolve().parent / "migration_versions"


def _config(script_location: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("version_locations", os.pathsep.join([str(script_location / "versions"), str(SHARED_VERSIONS)]))
    # Split locations on the OS separator only, so a path with spaces stays one location.
    cfg.set_main_option("path_separator", "os")
    return cfg


def run_env(service_metadata: MetaData) -> None:
    """Body of every service's ``env.py``."""
    target = [shared_metadata, service_metadata]
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("alembic: neither a connection nor sqlalchemy.url was given")
        engine = create_engine(url)
        with engine.connect() as conn:
            _run(conn, target)
        return
    _run(connection, target)


def _run(connection: Connection, target: list[MetaData]) -> None:
    context.configure(
        connection=connection,
        target_metadata=target,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic keeps its migration context in module globals, so services sharing a process
# (sdo up, tests) must not migrate at the same time.
_in_process = asyncio.Lock()


async def upgrade(db: Database, script_location: Path) -> None:
    """Bring the database to head; replicas starting together take turns on PostgreSQL."""

    def _upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            key = zlib.crc32(f"sdo-migrate:{script_location}".encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        cfg = _config(script_location)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")

    async with _in_process, db.engine.begin() as conn:
        await conn.run_sync(_upgrade)


def _cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.migrations")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate a revision for a service")
    rev.add_argument("service", choices=["orders", "suppliers", "quality", "fund"])
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args()
    package_file = importlib.import_module(f"services.{args.service}").__file__
    assert package_file is not None
    script_location = Path(package_file).parent / "migrations"
    with tempfile.TemporaryDirectory() as tmp:
        cfg = _config(script_location)
        cfg.set_main_option("sqlalchemy.url", f"sqlite:///{tmp}/autogen.db")
        command.upgrade(cfg, "heads")
        command.revision(cfg, message=args.message, autogenerate=True, head=f"{args.service}@head")
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
