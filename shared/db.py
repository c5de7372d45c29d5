"""One async engine per service: SQLite (WAL) by default, PostgreSQL through asyncpg.

Tables every service carries (outbox, inbox, audit log, idempotency keys) live on
``shared_metadata``; each service keeps its own tables on its own SQLModel registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.util import await_only
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


# A plain asyncpg connection that broke (a restarted server, a cut connection): a read is tried once more.
_CONNECTION_LOST = (asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.exceptions.InterfaceError, OSError)
# The pollers' reads: statements whose best plan is the same whatever their parameters (a unique key,
# a keyset page on the index that gives its order) run on generic plans. Left to choose, PostgreSQL
# re-plans a feed page at every call once the table is big (LIMIT $2 makes the generic plan look
# dear), which cost 50 us a page at a million rows. A statement whose plan does depend on them (a
# supplier's page: few rows or most of the table) keeps PostgreSQL's choice, on a pool of its own.
PREPARED_POOL_SIZE = 3
CUSTOM_PLAN_POOL_SIZE = 2
GENERIC_PLANS = {"plan_cache_mode": "force_generic_plan"}
# The relay's batches: one being published, the one before it committing, the next being read.
RELAY_POOL_SIZE = 3
POOL_SIZE = 10
POOL_OVERFLOW = 10


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """Nothing to reset: these connections run single SELECTs or transactions their caller ends, and
    never change their session.

    (asyncpg's default runs ``RESET ALL; UNLISTEN *; ...`` at every release: a round trip per read.)
    """


class PlainConnections:
    """Plain asyncpg connections on PostgreSQL for the hottest statements: the pollers' reads and the
    relay's batches, each SQL text prepared once per pooled connection (asyncpg's statement cache), no
    SQLAlchemy session or pre-ping per call.

    The pool is opened on first use. For a read (a single SELECT, consistent on its own), a connection
    found broken is dropped and the read tried once more on another, so a restarted server costs no
    failed poll. ``acquire``/``release`` hand out a connection for a transaction the caller ends.
    """

    def __init__(self, dsn: str, max_size: int, server_settings: dict[str, str] | None = None) -> None:
        self.dsn = dsn
        self.max_size = max_size
        self.server_settings = server_settings
        self._pool: asyncpg.Pool | None = None
        self._opening: asyncio.Lock | None = None

    async def _acquire_pool(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self.dsn,
                    min_size=1,
                    max_size=self.max_size,
                    reset=_keep_session,
                    server_settings=self.server_settings,
                )
        return self._pool

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any] | None:
        """The first row as a dict (column -> value), or None."""
        for attempt in (1, 2):
            pool = await self._acquire_pool()
            try:
                row = await pool.fetchrow(sql, *args)
            except _CONNECTION_LOST:
                if attempt == 2:
                    raise
                continue
            return None if row is None else dict(row.items())
        raise AssertionError("unreachable")

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """Every row, each as a dict (column -> value)."""
        for attempt in (1, 2):
            pool = await self._acquire_pool()
            try:
                rows = await pool.fetch(sql, *args)
            except _CONNECTION_LOST:
                if attempt == 2:
                    raise
                continue
            return [dict(row.items()) for row in rows]
        raise AssertionError("unreachable")

    async def acquire(self) -> asyncpg.Connection:
        return await (await self._acquire_pool()).acquire()

    async def release(self, connection: asyncpg.Connection) -> None:
        """Back to the pool; the caller has committed or rolled back (the release resets nothing)."""
        pool = self._pool
        if pool is None:
            await connection.close()
        else:
            await pool.release(connection)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


class Database:
    """The engine of one service plus the facts about its dialect the rest of the code needs."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_postgres = self.url.get_backend_name() == "postgresql"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            self._ensure_sqlite_dir()
            kwargs["connect_args"] = {"timeout": 30}
        else:
            # Writes run one at a time under the writer lock, so ten kept and ten more under a burst; a connection
            # opened past the pool is closed on return, and opening one costs the server a process.
            # Checked on checkout by _ping_on_checkout (one round trip; SQLAlchemy's own pre-ping takes three).
            kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
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
        else:
            _ping_on_checkout(self.engine)
        # PostgreSQL: the pollers' prepared statements (generic plans; custom where the plan depends on
        # the parameters) and the relay's batches on plain asyncpg connections, pools of their own so a
        # burst of one never waits for another (None on SQLite, where the single-statement engine
        # serves the reads and the relay uses the engine).
        self.prepared: PlainConnections | None = None
        self.prepared_custom: PlainConnections | None = None
        self.relay_connections: PlainConnections | None = None
        if self.is_postgres:
            plain = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.prepared = PlainConnections(plain, PREPARED_POOL_SIZE, GENERIC_PLANS)
            self.prepared_custom = PlainConnections(plain, CUSTOM_PLAN_POOL_SIZE)
            self.relay_connections = PlainConnections(plain, RELAY_POOL_SIZE)

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
        for plain in (self.prepared, self.prepared_custom, self.relay_connections):
            if plain is not None:
                await plain.close()
        await self.engine.dispose()


def _ping_on_checkout(engine: AsyncEngine) -> None:
    """A connection taken from the pool is checked first, so one broken by a restarted server is
    replaced instead of failing the request (SQLAlchemy's pre-ping, in one round trip: its own
    wraps the ping in BEGIN and ROLLBACK for pgbouncer's transaction mode, three round trips)."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        try:
            await_only(dbapi_connection.driver_connection.fetchrow(";"))
        except Exception as exc:
            # The pool drops this connection and checks out another (SQLAlchemy's disconnect handling).
            raise DisconnectionError(f"pooled connection is broken: {exc!r}") from exc


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
