"""Append-only, hash-chained audit log: each entry holds the SHA-256 of the one before.

A head row keeps the last sequence number and hash, so a truncated tail is detected too.
Entries are appended by the unit of work under the service's writer lock, so the chain never forks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import orjson
from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text, insert, select, update
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


async def append(session: AsyncSession, records: list[AuditRecord]) -> None:
    """Chain ``records`` after the current head. The caller holds the writer lock."""
    if not records:
        return
    head = (await session.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1))).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
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
    await session.execute(insert(audit_log), rows)
    if head:
        await session.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
    else:
        await session.execute(insert(audit_head).values(id=1, seq=seq, hash=prev))


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
