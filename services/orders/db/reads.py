"""The read side, every GET's query: Core selects of the columns each answer needs, no ORM objects.

Whole orders come back as the domain aggregate (``order_from_row``, the repository's mapping), so
``OrderPublic.of`` renders one shape; the pollers' status and feed stay plain rows.
Every read takes the caller's supplier scope: a supplier sees only rows that name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from services.orders.db.repository import amendment_from_row, order_from_row, order_key, rate_entry
from services.orders.db.tables import ExchangeRate as RateRow
from services.orders.db.tables import ExchangeRateHistory as RateHistoryRow
from services.orders.db.tables import Order as OrderRow
from services.orders.db.tables import OrderAmendment, OrderChange, OrderHistory, OrderShipment, metadata
from services.orders.domain.amendment import Amendment
from services.orders.domain.kpi import COUNTED_STATUSES, KPI_CATEGORIES, ContractedOrder
from services.orders.domain.numbering import is_order_number
from services.orders.domain.order import Order
from services.orders.domain.pricing import DEFAULT_RATES, KZT, CurrencyRates, ExchangeRate, RateEntry
from shared.db import Database
from shared.http.responses import dumps

orders = metadata.tables[OrderRow.__tablename__]
history = metadata.tables[OrderHistory.__tablename__]
changes = metadata.tables[OrderChange.__tablename__]
rates = metadata.tables[RateRow.__tablename__]
rate_history = metadata.tables[RateHistoryRow.__tablename__]
shipments = metadata.tables[OrderShipment.__tablename__]
amendments = metadata.tables[OrderAmendment.__tablename__]

Executor = AsyncConnection | AsyncSession


def poll_engine(db: Database) -> AsyncEngine:
    """The engine for the pollers' one-statement reads (no transaction around the SELECT)."""
    return db.single_statement_engine


def _scoped(query, supplier_scope: UUID | None, table=orders):  # type: ignore[no-untyped-def]
    return query if supplier_scope is None else query.where(table.c.supplier_id == supplier_scope)


async def order_status(conn: Executor, ref: str, supplier_scope: UUID | None) -> Row[Any] | None:
    """The poller's five columns, by primary key (or the unique number)."""
    key = order_key(ref)
    if key is None:
        return None
    query = select(orders.c.id, orders.c.number, orders.c.status, orders.c.version, orders.c.updated_at).where(key)
    return (await conn.execute(_scoped(query, supplier_scope))).first()


@dataclass(frozen=True)
class StatusAnswer:
    """An order's status as the poller gets it: its version (the ETag) and the body, encoded."""

    version: int
    body: bytes


@dataclass(frozen=True)
class ChangesPage:
    """A page of the feed, encoded: ``{"changes": [...], "last_seq": N}``; true when it holds a change."""

    count: int
    last_seq: int
    body: bytes

    def __bool__(self) -> bool:
        return self.count > 0


def _utc_text(column: str) -> str:
    """SQL for a timestamptz as the API writes it (orjson's UTC form): ``2030-01-31T09:00:00[.ffffff]Z``."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"""to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS') """
        f"""|| CASE WHEN to_char({utc}, 'US') = '000000' THEN '' ELSE to_char({utc}, '.US') END || 'Z'"""
    )


# The pollers' statements as PostgreSQL runs them, prepared once per pooled connection: by id or by
# number (both unique indexes), with or without the supplier's scope. PostgreSQL writes the JSON
# (row_to_json, compact, columns in the answer's order), so no row is decoded and re-encoded here.
_STATUS_SQL = {
    (by_number, scoped): "SELECT version, row_to_json(t)::text AS body FROM ("
    f"SELECT id, number, status, version, {_utc_text('updated_at')} AS updated_at FROM {orders.name} "
    f"WHERE {'number' if by_number else 'id'} = $1" + (" AND supplier_id = $2" if scoped else "") + ") t"
    for by_number in (False, True)
    for scoped in (False, True)
}
_CHANGES_SQL = {
    scoped: "SELECT count(*) AS count, max(seq) AS last_seq, "
    "coalesce('[' || string_agg(row_to_json(t)::text, ',' ORDER BY seq) || ']', '[]') AS changes FROM ("
    f"SELECT seq, order_id, number, status, version, {_utc_text('at')} AS at FROM {changes.name} WHERE seq > $1"
    + (" AND supplier_id = $3" if scoped else "")
    + " ORDER BY seq LIMIT $2) t"
    for scoped in (False, True)
}


def _poll_key(ref: str) -> tuple[bool, str | UUID] | None:
    """(by number?, value) for an order named by its number or its id, as ``order_key`` reads it."""
    if is_order_number(ref):
        return True, ref
    try:
        return False, UUID(ref)
    except ValueError:
        return None


async def poll_status(db: Database, ref: str, supplier_scope: UUID | None) -> StatusAnswer | None:
    """``order_status``, encoded: a prepared statement on PostgreSQL, the Core select on SQLite."""
    if db.prepared is None:
        async with poll_engine(db).connect() as conn:
            row = await order_status(conn, ref, supplier_scope)
        return None if row is None else StatusAnswer(row.version, dumps(row._asdict()))
    key = _poll_key(ref)
    if key is None:
        return None
    by_number, value = key
    if supplier_scope is None:
        found = await db.prepared.fetchrow(_STATUS_SQL[by_number, False], value)
    else:
        found = await db.prepared.fetchrow(_STATUS_SQL[by_number, True], value, supplier_scope)
    return None if found is None else StatusAnswer(found["version"], found["body"].encode())


async def find_order(conn: Executor, ref: str, supplier_scope: UUID | None) -> Order | None:
    key = order_key(ref)
    if key is None:
        return None
    row = (await conn.execute(_scoped(select(orders).where(key), supplier_scope))).first()
    return None if row is None else (await _aggregates(conn, [row]))[0]


async def _aggregates(conn: Executor, rows: Sequence[Row[Any]]) -> list[Order]:
    """The aggregates of order rows, with their shipments and amendments read in one more query each."""
    ids = [row.id for row in rows]
    shipped: dict[UUID, list[Row[Any]]] = {order_id: [] for order_id in ids}
    amended: dict[UUID, list[Row[Any]]] = {order_id: [] for order_id in ids}
    if ids:
        for shipment in (await conn.execute(select(shipments).where(shipments.c.order_id.in_(ids)))).all():
            shipped[shipment.order_id].append(shipment)
        for amendment in (await conn.execute(select(amendments).where(amendments.c.order_id.in_(ids)))).all():
            amended[amendment.order_id].append(amendment)
    return [order_from_row(row, shipped[row.id], amended[row.id]) for row in rows]


async def order_amendments(conn: Executor, order_id: UUID, limit: int, after_no: int | None) -> list[Amendment]:
    """An order's amendments by number, keyset-paged."""
    query = select(amendments).where(amendments.c.order_id == order_id).order_by(amendments.c.number)
    if after_no is not None:
        query = query.where(amendments.c.number > after_no)
    return [amendment_from_row(row) for row in (await conn.execute(query.limit(limit + 1))).all()]


async def order_amendment(conn: Executor, order_id: UUID, number: int) -> Amendment | None:
    query = select(amendments).where(amendments.c.order_id == order_id, amendments.c.number == number)
    row = (await conn.execute(query)).first()
    return None if row is None else amendment_from_row(row)


async def order_shipments(conn: Executor, order_id: UUID, limit: int, after_no: int | None) -> Sequence[Row[Any]]:
    """An order's shipments by number, keyset-paged."""
    query = select(shipments).where(shipments.c.order_id == order_id).order_by(shipments.c.shipment_no)
    if after_no is not None:
        query = query.where(shipments.c.shipment_no > after_no)
    rows: Sequence[Row[Any]] = (await conn.execute(query.limit(limit + 1))).all()
    return rows


async def order_id_visible(conn: Executor, ref: str, supplier_scope: UUID | None) -> UUID | None:
    key = order_key(ref)
    if key is None:
        return None
    return (await conn.execute(_scoped(select(orders.c.id).where(key), supplier_scope))).scalar_one_or_none()


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    category: str | None = None
    supplier_id: UUID | None = None
    updated_since: datetime | None = None


async def list_orders(
    conn: Executor, where: OrderFilter, supplier_scope: UUID | None, limit: int, before_number: str | None
) -> list[Order]:
    """Newest first (numbers grow with creation), keyset-paged on the unique number."""
    query = _scoped(select(orders), supplier_scope).order_by(orders.c.number.desc()).limit(limit + 1)
    if where.status:
        query = query.where(orders.c.status == where.status)
    if where.category:
        query = query.where(orders.c.category == where.category)
    if where.supplier_id:
        query = query.where(orders.c.supplier_id == where.supplier_id)
    if where.updated_since:
        query = query.where(orders.c.updated_at >= where.updated_since)
    if before_number:
        query = query.where(orders.c.number < before_number)
    return await _aggregates(conn, (await conn.execute(query)).all())


async def order_history(conn: Executor, order_id: UUID, limit: int, after_id: int | None) -> Sequence[Row[Any]]:
    query = select(history).where(history.c.order_id == order_id).order_by(history.c.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(history.c.id > after_id)
    rows: Sequence[Row[Any]] = (await conn.execute(query)).all()
    return rows


async def changes_after(conn: Executor, after: int, limit: int, supplier_scope: UUID | None) -> Sequence[Row[Any]]:
    """Feed rows with seq > after, oldest first. Seqs are taken in commit order, so none appears later below."""
    query = select(
        changes.c.seq, changes.c.order_id, changes.c.number, changes.c.status, changes.c.version, changes.c.at
    ).where(changes.c.seq > after)
    query = _scoped(query, supplier_scope, changes).order_by(changes.c.seq).limit(limit)
    return (await conn.execute(query)).all()


async def poll_changes(db: Database, after: int, limit: int, supplier_scope: UUID | None) -> ChangesPage:
    """``changes_after``, encoded: a prepared statement on PostgreSQL, the Core select on SQLite."""
    if db.prepared is None:
        async with poll_engine(db).connect() as conn:
            rows = [row._asdict() for row in await changes_after(conn, after, limit, supplier_scope)]
        last_seq = rows[-1]["seq"] if rows else after
        return ChangesPage(len(rows), last_seq, dumps({"changes": rows, "last_seq": last_seq}))
    if supplier_scope is None:
        found = await db.prepared.fetchrow(_CHANGES_SQL[False], after, limit)
    else:
        # A supplier's page is best read by its own index or by seq, as its rows are few or many.
        assert db.prepared_custom is not None  # both pools exist on PostgreSQL
        found = await db.prepared_custom.fetchrow(_CHANGES_SQL[True], after, limit, supplier_scope)
    assert found is not None  # an aggregate answers one row
    last_seq = found["last_seq"] if found["count"] else after
    body = b'{"changes":' + found["changes"].encode() + b',"last_seq":' + str(last_seq).encode() + b"}"
    return ChangesPage(found["count"], last_seq, body)


async def contracted_totals(conn: Executor) -> list[ContractedOrder]:
    """Contracted value in KZT per KPI category, supplier country and local content share, summed in the database.

    The share is an exact decimal kept as text, so the weighting by it is the domain's (``compute_kpi``).
    """
    share = orders.c.local_content_share
    query = (
        select(
            orders.c.category,
            orders.c.supplier_country,
            share,
            func.sum(orders.c.contract_price_kzt).label("total"),
        )
        .where(orders.c.status.in_([str(s) for s in COUNTED_STATUSES]))
        .where(orders.c.category.in_([str(c) for c in KPI_CATEGORIES]))
        .group_by(orders.c.category, orders.c.supplier_country, share)
    )
    rows = (await conn.execute(query)).all()
    return [
        ContractedOrder(r.category, r.total, r.supplier_country or "", r.local_content_share)
        for r in rows
        if r.total is not None
    ]


async def currency_rates(conn: Executor) -> list[CurrencyRates]:
    """Every currency but KZT, by code: the defaults (version 0) and those set through the API, with their rates."""
    entries: dict[str, list[RateEntry]] = {}
    for row in (await conn.execute(select(rate_history).order_by(rate_history.c.version))).all():
        entries.setdefault(row.currency, []).append(rate_entry(row))
    known = {
        row.currency: CurrencyRates(
            row.currency, entries.get(row.currency, []), row.version, row.updated_at, row.updated_by
        )
        for row in (await conn.execute(select(rates))).all()
    }
    found = [*known.values(), *(CurrencyRates(code) for code in DEFAULT_RATES if code not in known)]
    return sorted((r for r in found if r.currency != KZT), key=lambda r: r.currency)


async def exchange_rates(conn: Executor, at: datetime) -> list[ExchangeRate]:
    """Every rate but KZT's in force at ``at``, by currency (a currency whose first rate applies later: left out)."""
    found = (rates.as_of(at) for rates in await currency_rates(conn))
    return [rate for rate in found if rate is not None]


async def currency(conn: Executor, code: str) -> CurrencyRates | None:
    """One currency's rates; None when it has neither a default nor a rate set."""
    return next((r for r in await currency_rates(conn) if r.currency == code), None)
