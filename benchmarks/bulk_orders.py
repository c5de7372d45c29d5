"""Orders by the thousand or million, inserted straight into the orders service's tables.

Seeding a million orders over the API would take hours; instead one order created and published
over the API is the template, and ``INSERT ... SELECT`` over ``generate_series`` copies its row in
``orders`` and its row in ``order_changes`` (the published version, as the feed shows it) with a
new id, number and title. Every other column is the template's, whatever columns the service's
migrations have added, so the rows are ones the service itself could have written.
"""

from __future__ import annotations

import random

import asyncpg

# Ids and numbers of bulk rows: a fixed prefix and a year far off, so none collides with the API's.
_ID = "('b0000000-0000-4000-8000-' || lpad(to_hex(g.n), 12, '0'))::uuid"
_NUMBER = "'SDO-' || (2100 + g.n / 1000000)::text || '-' || lpad((g.n % 1000000)::text, 6, '0')"
CHUNK = 100_000


async def _columns(conn: asyncpg.Connection, table: str) -> list[tuple[str, bool]]:
    """(name, has a default) of each column, in table order."""
    rows = await conn.fetch(
        "SELECT column_name, column_default IS NOT NULL OR is_identity = 'YES' AS defaulted"
        " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
        " ORDER BY ordinal_position",
        table,
    )
    return [(r["column_name"], r["defaulted"]) for r in rows]


async def _copy(
    conn: asyncpg.Connection, table: str, key: str, overrides: dict[str, str], omit: set[str], first: int, last: int
) -> None:
    columns = [(name, defaulted) for name, defaulted in await _columns(conn, table) if name not in omit]
    names = ", ".join(f'"{name}"' for name, _ in columns)
    values = ", ".join(overrides.get(name, f't."{name}"') for name, _ in columns)
    await conn.execute(
        f'INSERT INTO "{table}" ({names}) SELECT {values} FROM "{table}" t,'
        f" generate_series($1::bigint, $2::bigint) AS g(n) WHERE {key}",
        first,
        last,
    )


async def _feed_key(conn: asyncpg.Connection) -> tuple[set[str], dict[str, str]]:
    """The feed's sequence column is left to its default when it has one, else numbered after the last."""
    defaulted = dict(await _columns(conn, "order_changes"))
    if defaulted.get("seq"):
        return {"seq"}, {}
    top = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM order_changes")
    return set(), {"seq": f"{int(top)} + g.n"}


async def grow_orders(dsn: str, template_id: str, total: int) -> int:
    """Add bulk orders until the service holds ``total`` orders; returns how many were added."""
    conn = await asyncpg.connect(dsn)
    try:
        have = await conn.fetchval("SELECT count(*) FROM orders")
        done = await conn.fetchval("SELECT count(*) FROM orders WHERE number LIKE 'SDO-21__-%'")
        wanted = total - have
        for start in range(done + 1, done + wanted + 1, CHUNK):
            end = min(start + CHUNK - 1, done + wanted)
            async with conn.transaction():
                overrides = {"id": _ID, "number": _NUMBER, "title": "'Bulk order ' || g.n"}
                await _copy(conn, "orders", f"t.id = '{template_id}'", overrides, set(), start, end)
                omit, seq = await _feed_key(conn)
                feed = {"order_id": _ID, "number": _NUMBER, **seq}
                key = f"t.order_id = '{template_id}' AND t.status = 'published'"
                await _copy(conn, "order_changes", key, feed, omit, start, end)
        # Settled as a long-lived database is: vacuumed (visibility map, hint bits), analysed, and the
        # copy's dirty pages written out, so no autovacuum or checkpoint runs during the measurement.
        await conn.execute("VACUUM (ANALYZE) orders")
        await conn.execute("VACUUM (ANALYZE) order_changes")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return max(0, wanted)


async def sample_ids(dsn: str, count: int) -> list[str]:
    """Ids spread over the whole table, so the pollers do not all read the same few pages."""
    conn = await asyncpg.connect(dsn)
    try:
        total = await conn.fetchval("SELECT count(*) FROM orders")
        fraction = min(100.0, 100.0 * count * 4 / max(1, total))
        rows = await conn.fetch(f"SELECT id FROM orders TABLESAMPLE SYSTEM ({fraction})")
    finally:
        await conn.close()
    ids = [str(r["id"]) for r in rows]
    random.shuffle(ids)
    return ids[:count]
