"""One async engine per service: SQLite (WAL) by default, PostgreSQL through asyncpg.

Tables every service carries (outbox, inbox, audit log, idempotency keys) live on
``shared_metadata``; each service keeps its own tables on its own SQLModel registry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import registry
from sqlmodel import SQLModel

shared_metadata = MetaData()

# Marks sessions that will write, so SQLite takes its write lock at BEGIN instead of at the
# first write: two deferred transactions upgrading to writers would otherwise deadlock.
_WRITE_OPTION = "sdo_write"
# Marks connections that run one SELECT: no transaction around it (no BEGIN/ROLLBACK round trips).
_SINGLE_STATEMENT_OPTION = "sdo_single_statement"


def service_model_base(name: str) -> type[SQLModel]:
    """A SQLModel base with a registry of its own, so three services can share one process."""
    base = type(f"{name.capitalize()}Table", (SQLModel,), {"__abstract__": True}, registry=registry())
    return base


# A URL without a driver names the synchronous one; the engine is async, so pick the async driver.
_ASYNC_DRIVERS = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}


def async_url(url: str) -> URL:
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    return parsed.set(drivername=driver) if driver else parsed


class Database:
    """The engine of one service plus the facts about its dialect the rest of the code needs."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        kwargs: dict = {"echo": echo}
        if self.is_sqlite:
            self._ensure_sqlite_dir()
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})
        # For the pollers' one-statement reads; a single SELECT is consistent on its own.
        self.single_statement_engine: AsyncEngine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.is_postgres
            else self.engine.execution_options(**{_SINGLE_STATEMENT_OPTION: True})
        )
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    def _ensure_sqlite_dir(self) -> None:
        database = self.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)

    def read_session(self) -> AsyncSession:
        return AsyncSession(self.engine, expire_on_commit=False, autoflush=False)

    def write_session(self) -> AsyncSession:
        return AsyncSession(self._write_engine, expire_on_commit=False)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        options = conn.get_execution_options()
        if options.get(_SINGLE_STATEMENT_OPTION, False):
            return  # the driver is in autocommit mode: the statement is its own transaction
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(_WRITE_OPTION, False) else "BEGIN")
