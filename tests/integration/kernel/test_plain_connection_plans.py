"""The pollers' plain connections on a real PostgreSQL: which plan cache mode each pool runs with.

Generic plans for the statements whose plan does not depend on their parameters, so PostgreSQL does
not re-plan a feed page at every call on a big table; PostgreSQL's own choice on the other pool,
where a supplier's page is best read by one index or another depending on how many rows it has.
"""

from __future__ import annotations

import asyncpg

from shared.db import Database, PlainConnections


async def _mode(pool_connections: PlainConnections | None) -> str:
    assert pool_connections is not None  # every pool exists on PostgreSQL
    connection: asyncpg.Connection = await pool_connections.acquire()
    try:
        return str(await connection.fetchval("SHOW plan_cache_mode"))
    finally:
        await pool_connections.release(connection)


async def test_pollers_generic_pool_forces_generic_plans_and_the_custom_pool_keeps_postgres_choice(
    postgres_url: str,
) -> None:
    db = Database(postgres_url)
    try:
        assert await _mode(db.prepared) == "force_generic_plan"
        assert await _mode(db.prepared_custom) == "auto"
        assert await _mode(db.relay_connections) == "auto"
    finally:
        await db.dispose()


async def test_a_statement_on_the_generic_pool_is_never_replanned_on_a_large_table(postgres_url: str) -> None:
    """Runs a keyset page 10 times on a 200,000-row table and reads PostgreSQL's own count of the plans
    it used (pg_prepared_statements): none planned for its parameters."""
    db = Database(postgres_url)
    try:
        assert db.prepared is not None
        connection: asyncpg.Connection = await db.prepared.acquire()
        try:
            await connection.execute("CREATE TABLE page_probe (seq bigint PRIMARY KEY, body text)")
            await connection.execute("INSERT INTO page_probe SELECT g, 'x' FROM generate_series(1, 200000) g")
            await connection.execute("ANALYZE page_probe")
            statement = await connection.prepare("SELECT seq FROM page_probe WHERE seq > $1 ORDER BY seq LIMIT $2")
            for after in range(10):
                assert [r["seq"] for r in await statement.fetch(after, 3)] == [after + 1, after + 2, after + 3]
            plans = await connection.fetchrow(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%page_probe%'"
            )
            assert plans is not None
            # Left to choose, PostgreSQL plans the first five executions for their parameters.
            assert plans["custom_plans"] == 0 and plans["generic_plans"] >= 1
        finally:
            await db.prepared.release(connection)
    finally:
        await db.dispose()
