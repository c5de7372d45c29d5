"""Append-only, hash-chained audit log: each entry holds the SHA-256 of the one before.

A head row keeps the last sequence number and hash, so a truncated tail is detected too.
Entries are appended by the unit of work under the service's writer lock, so the chain never forks.

Anchoring: the head lives in the same database as the chain, so whoever can rewrite the chain can
rewrite the head. Each service therefore publishes its head now and then (a checkpoint: entry count
and hash, ``claim_checkpoint``), and every other service keeps the checkpoints it receives
(``audit_checkpoints``, ``keep_checkpoint``); ``anchoring`` tells whether the local chain still holds
every checkpoint the others kept of it. On PostgreSQL a trigger refuses UPDATE, DELETE and
TRUNCATE on the log (migration ``sdo_shared_0003``); the head row stays updatable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from shared.db import shared_metadata

GENESIS = "0" * 64
_BigId = BigInteger().with_variant(Integer, "sqlite")

audit_log = Table(
    "sdo_audit_log",
    shared_metadata,
    Column("seq", _BigId, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("resource_type", String(50), nullable=False),
    Column("resource_id", String(100), nullable=False),
    Column("details", Text, nullable=False),
    Column("request_id", String(128)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_sdo_audit_log_resource", "resource_id", "seq"),
)

audit_head = Table(
    "sdo_audit_head",
    shared_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", _BigId, nullable=False),
    Column("hash", String(64), nullable=False),
    # The last entry published as a checkpoint (None: none yet); only spares publishing an unchanged head.
    Column("checkpoint_seq", _BigId),
)

# Checkpoints of the other services' chains, as received: kept, never updated. The same count with
# another hash is kept too (a service that rewrote its chain and published the new head).
audit_checkpoints = Table(
    "sdo_audit_checkpoints",
    shared_metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("service", String(60), nullable=False),
    Column("entries", _BigId, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("service", "entries", "head_hash", name="uq_sdo_audit_checkpoints_head"),
    Index("ix_sdo_audit_checkpoints_service", "service", "id"),
)

_HASHED = ("seq", "id", "at", "actor", "action", "resource_type", "resource_id", "details", "request_id", "prev_hash")


@dataclass(frozen=True)
class AuditRecord:
    actor: str
    action: str
    resource_type: str
    resource_id: str
    details: dict[str, Any]
    request_id: str | None = None


def entry_hash(row: dict[str, Any]) -> str:
    canonical = orjson.dumps({k: row[k] for k in _HASHED}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def _canonical_details(details: dict[str, Any]) -> str:
    return orjson.dumps(details, option=orjson.OPT_SORT_KEYS, default=str).decode()


# PostgreSQL: the entries, the transaction's outbox rows and the chain's new head in one statement,
# its text the same whatever the number of rows (arrays), so it is prepared once per connection.
_PG_APPEND = """
WITH appended AS (
    INSERT INTO sdo_audit_log (seq, id, at, actor, action, resource_type, resource_id, details, request_id,
                               prev_hash, hash)
    SELECT * FROM unnest($1::bigint[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],
                         $6::varchar[], $7::varchar[], $8::text[], $9::varchar[], $10::varchar[], $11::varchar[])
), added AS (
    INSERT INTO sdo_outbox (event_id, event_type, routing_key, body, created_at, attempts)
    SELECT *, 0 FROM unnest($12::varchar[], $13::varchar[], $14::varchar[], $15::bytea[], $16::timestamptz[])
)
INSERT INTO sdo_audit_head (id, seq, hash) VALUES (1, $17, $18)
ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
"""
_PG_OUTBOX = """
INSERT INTO sdo_outbox (event_id, event_type, routing_key, body, created_at, attempts)
SELECT *, 0 FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::bytea[], $5::timestamptz[])
"""
# PostgreSQL: the service's writer lock is the head row, locked FOR UPDATE and read in the same
# statement (READ COMMITTED hands back the version the writer before committed), with the commit
# signal's NOTIFY (delivered at commit). At the first write of a database the row is made, locked too.
_NOTIFY = "(SELECT count(pg_notify(channel, '')) FROM unnest($1::text[]) AS channel)"
_PG_LOCK_HEAD = f"SELECT seq, hash, {_NOTIFY} FROM sdo_audit_head WHERE id = 1 FOR UPDATE"
_PG_MAKE_HEAD = f"""
INSERT INTO sdo_audit_head (id, seq, hash) VALUES (1, 0, $2)
ON CONFLICT (id) DO UPDATE SET seq = sdo_audit_head.seq
RETURNING seq, hash, {_NOTIFY}
"""
_OUTBOX_COLUMNS = ("event_id", "event_type", "routing_key", "body", "created_at")


def _chain(records: list[AuditRecord], seq: int, prev: str) -> list[dict[str, Any]]:
    rows = []
    for record in records:
        seq += 1
        row = {
            "seq": seq,
            "id": str(uuid4()),
            "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "actor": record.actor,
            "action": record.action,
            "resource_type": record.resource_type,
            "resource_id": record.resource_id,
            "details": _canonical_details(record.details),
            "request_id": record.request_id,
            "prev_hash": prev,
        }
        row["hash"] = prev = entry_hash(row)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Head:
    """The chain's last entry (``seq`` 0 and ``GENESIS`` before the first), as read under the writer lock."""

    seq: int
    hash: str


async def lock_writers(session: AsyncSession, notify: Collection[str] = ()) -> Head:
    """PostgreSQL: take the service's writer lock (the head row) and read the head, in one round trip.

    Every writer of the database takes it at commit, so the audit chain, the outbox order and any
    feed sequence follow commit order, across replicas. ``notify`` channels are sent in the same
    statement. (SQLite has one writer at a time already: the write session began with BEGIN IMMEDIATE.)
    """
    raw = await _raw_connection(session)
    channels = list(notify)
    head = await raw.fetchrow(_PG_LOCK_HEAD, channels)
    if head is None:
        head = await raw.fetchrow(_PG_MAKE_HEAD, channels, GENESIS)
        assert head is not None  # RETURNING of an upsert answers one row
    return Head(int(head["seq"]), str(head["hash"]))


async def append(
    session: AsyncSession,
    records: list[AuditRecord],
    *,
    outbox_rows: list[dict[str, Any]] | None = None,
    head: Head | None = None,
) -> None:
    """Chain ``records`` after the current head. The caller holds the writer lock.

    ``outbox_rows`` (the transaction's events) are written with them: on PostgreSQL the entries, the
    outbox rows and the new head go in one prepared statement on the session's own connection, after
    ``head`` (from ``lock_writers``).
    """
    outbox_rows = outbox_rows or []
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        if head is None:
            raise ValueError("on PostgreSQL the head comes from lock_writers, read under the lock")
        await _append_postgres(session, records, outbox_rows, head)
        return
    if outbox_rows:
        await session.execute(insert(shared_outbox()), outbox_rows)
    if not records:
        return
    row = (await session.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1))).first()
    seq, prev = (row.seq, row.hash) if row else (0, GENESIS)
    rows = _chain(records, seq, prev)
    await session.execute(insert(audit_log), rows)
    last = rows[-1]
    if row:
        await session.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=last["seq"], hash=last["hash"]))
    else:
        await session.execute(insert(audit_head).values(id=1, seq=last["seq"], hash=last["hash"]))


async def _raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's transaction: the kernel's statements skip the ORM."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    return raw


async def _append_postgres(
    session: AsyncSession, records: list[AuditRecord], outbox_rows: list[dict[str, Any]], head: Head
) -> None:
    raw = await _raw_connection(session)
    events = [[row[column] for row in outbox_rows] for column in _OUTBOX_COLUMNS]
    if not records:
        if outbox_rows:
            await raw.execute(_PG_OUTBOX, *events)
        return
    rows = _chain(records, head.seq, head.hash)
    entries = [[row[column] for row in rows] for column in (*_HASHED, "hash")]
    await raw.execute(_PG_APPEND, *entries, *events, rows[-1]["seq"], rows[-1]["hash"])


def shared_outbox() -> Table:
    """The kernel's outbox table (``shared.messaging.outbox``), looked up here to keep imports one way."""
    return shared_metadata.tables["sdo_outbox"]


def public_entry(row: Any) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "id": row.id,
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "resource_type": row.resource_type,
        "resource_id": row.resource_id,
        "details": orjson.loads(row.details),
        "request_id": row.request_id,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


async def verify(conn: AsyncConnection, batch: int = 1000) -> dict[str, Any]:
    """Walk the chain from the start; report the first entry that does not hold.

    The head is read first and the whole walk sees one snapshot, so appends committed meanwhile
    are neither half-seen nor mistaken for tampering.
    """
    if conn.dialect.name == "postgresql" and not conn.in_transaction():
        # READ COMMITTED would let the head and later batches see commits the first batch did not.
        await conn.execution_options(isolation_level="REPEATABLE READ")
    head = (await conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1))).first()
    head_seq = head.seq if head is not None else 0
    prev, expected_seq, count = GENESIS, 1, 0
    while True:
        query = select(audit_log).order_by(audit_log.c.seq).limit(batch)
        if count:
            query = query.where(audit_log.c.seq >= expected_seq)
        # The first batch has no lower bound, so an entry slipped in before entry 1 is seen too.
        rows = (await conn.execute(query)).mappings().all()
        if not rows:
            break
        for row in rows:
            problem = None
            if row["seq"] > head_seq:
                problem = (
                    "the head is missing"
                    if head is None
                    else f"entry {row['seq']} lies past the head (entry {head_seq}): it was added outside the log"
                )
            elif row["seq"] != expected_seq:
                problem = f"expected entry {expected_seq}, found {row['seq']} (an entry is missing or was inserted)"
            elif row["prev_hash"] != prev:
                problem = "prev_hash does not match the previous entry's hash"
            elif entry_hash(dict(row)) != row["hash"]:
                problem = "the entry's content does not match its hash"
            if problem:
                return _broken(count, row["seq"], row["id"], problem)
            prev, expected_seq, count = row["hash"], expected_seq + 1, count + 1
    if count < head_seq:
        reason = f"the log ends at entry {count} but the head records entry {head_seq} (entries were removed)"
        return _broken(count, count + 1, None, reason)
    if head is not None and head.hash != prev:
        return _broken(count, head_seq, None, "the head's hash does not match the last entry")
    return {"valid": True, "entries": count}


def _broken(entries: int, seq: int, entry_id: str | None, reason: str) -> dict[str, Any]:
    return {"valid": False, "entries": entries, "broken_at": {"seq": seq, "id": entry_id, "reason": reason}}


# -- anchoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A chain head as published: ``entries`` entries, the last of which hashes to ``head_hash``."""

    service: str
    entries: int
    head_hash: str


async def claim_checkpoint(session: AsyncSession) -> tuple[int, str] | None:
    """The head to publish as a checkpoint, or None when it was published already (or is empty).

    The caller holds the writer lock, so replicas publishing at the same time claim each head once.
    """
    query = select(audit_head.c.seq, audit_head.c.hash, audit_head.c.checkpoint_seq).where(audit_head.c.id == 1)
    head = (await session.execute(query)).first()
    if head is None or head.seq == 0 or head.checkpoint_seq == head.seq:
        return None
    await session.execute(update(audit_head).where(audit_head.c.id == 1).values(checkpoint_seq=head.seq))
    return int(head.seq), str(head.hash)


async def keep_checkpoint(
    session: AsyncSession, checkpoint: Checkpoint, *, event_id: str, published_at: datetime
) -> bool:
    """Keep another service's checkpoint; False when that very head was kept before."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert_(audit_checkpoints)
        .values(
            service=checkpoint.service,
            entries=checkpoint.entries,
            head_hash=checkpoint.head_hash,
            event_id=event_id,
            published_at=published_at,
            received_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["service", "entries", "head_hash"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]  # a CursorResult for an INSERT


def public_checkpoint(row: Any) -> dict[str, Any]:
    return {
        "service": row.service,
        "entries": row.entries,
        "head_hash": row.head_hash,
        "event_id": row.event_id,
        "published_at": _utc(row.published_at),
        "received_at": _utc(row.received_at),
    }


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value  # SQLite hands back naive datetimes


async def compare_checkpoints(
    conn: AsyncConnection, held: Mapping[tuple[int, str], Collection[str]], batch: int = 500
) -> list[dict[str, Any]]:
    """The checkpoints (entries, head_hash) -> the peers holding them that the local chain no longer
    contains: entry ``entries`` is missing or hashes otherwise. Empty when every one is there.

    One entry's hash stands for the whole chain up to it (each entry hashes the one before), so
    with ``verify`` holding, every entry up to a matching checkpoint is as it was when published.
    """
    wanted = sorted({entries for entries, _ in held if entries > 0})
    local: dict[int, str] = {0: GENESIS}
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        rows = await conn.execute(select(audit_log.c.seq, audit_log.c.hash).where(audit_log.c.seq.in_(chunk)))
        local.update({int(seq): str(hash_) for seq, hash_ in rows})
    return [
        {"entries": entries, "head_hash": head_hash, "local_hash": local.get(entries), "held_by": sorted(peers)}
        for (entries, head_hash), peers in sorted(held.items())
        if local.get(entries) != head_hash
    ]
