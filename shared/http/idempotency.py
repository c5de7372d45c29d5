"""Idempotency-Key records, scoped to the caller and written in the business transaction.

Same key and same request within the retention window: the first response is replayed.
Same key, different request: 422. Same key while the first request is still running: 409.
The caller is the token's issuer, ``sub`` and ``supplier_id`` (``Principal.caller``): one caller
never replays, blocks or learns of another's key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import shared_metadata
from shared.http.problems import Conflict, ValidationProblem
from shared.principal import Caller

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# Visible ASCII with inner spaces (an sf-string, as in the IETF Idempotency-Key draft): what a header
# carries unchanged; the OpenAPI document declares the same pattern.
KEY_PATTERN = rf"^[!-~](?:[ -~]{{0,{MAX_KEY_LENGTH - 2}}}[!-~])?$"
_KEY = re.compile(KEY_PATTERN)

idempotency_keys = Table(
    "sdo_idempotency",
    shared_metadata,
    # The caller: issuer, sub ("principal") and supplier id ("" when none); see sdo_shared_0002.
    Column("issuer", String(200), nullable=False, server_default=""),
    Column("principal", String(200), nullable=False),
    Column("supplier_id", String(36), nullable=False, server_default=""),
    Column("key", String(MAX_KEY_LENGTH), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("headers", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("issuer", "principal", "supplier_id", "key"),
)


def _of(caller: Caller, key: str | None = None) -> list[Any]:
    """The WHERE clause of one caller's records (and of one key of theirs)."""
    issuer, sub, supplier_id = caller
    c = idempotency_keys.c
    clauses = [c.issuer == issuer, c.principal == sub, c.supplier_id == supplier_id]
    return [*clauses, c.key == key] if key is not None else clauses


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes
    headers: dict[str, str]


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """A digest of the request; JSON bodies are canonicalized so key order does not matter."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), query.encode(), canonical])).hexdigest()


def validate_key(key: str) -> str:
    if not _KEY.match(key):
        message = f"must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (inner spaces allowed)"
        raise ValidationProblem([{"field": HEADER, "message": message}])
    return key


class InFlight:
    """Keys being handled by this process right now."""

    def __init__(self) -> None:
        self._keys: set[tuple[Caller, str]] = set()

    def enter(self, caller: Caller, key: str) -> None:
        if (caller, key) in self._keys:
            raise _in_flight()
        self._keys.add((caller, key))

    def leave(self, caller: Caller, key: str) -> None:
        self._keys.discard((caller, key))


def _in_flight() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        slug="idempotency-in-flight",
        headers={"Retry-After": "1"},
    )


def _lock_id(caller: Caller, key: str) -> int:
    """A signed 64-bit advisory lock id for one caller's key: callers sharing one would block each other."""
    digest = hashlib.sha256(orjson.dumps([*caller, key])).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def guard_across_replicas(session: AsyncSession, caller: Caller, key: str) -> None:
    """On PostgreSQL a transaction-scoped advisory lock makes the in-flight check hold across replicas."""
    if session.bind is None or session.bind.dialect.name != "postgresql":
        return
    lock = _lock_id(caller, key)
    got = (await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock})).scalar()
    if not got:
        raise _in_flight()


async def lookup(session: AsyncSession, caller: Caller, key: str, request_hash: str) -> StoredResponse | None:
    row = (await session.execute(select(idempotency_keys).where(*_of(caller, key)))).mappings().first()
    if row is None:
        return None
    expires_at = row["expires_at"]
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    if expires_at <= datetime.now(UTC):
        await session.execute(delete(idempotency_keys).where(*_of(caller, key)))
        return None
    if row["request_hash"] != request_hash:
        raise ValidationProblem(
            [{"field": HEADER, "message": "this key was already used with a different request"}],
            detail="The Idempotency-Key was already used with a different request body.",
        )
    return StoredResponse(row["status_code"], row["body"], orjson.loads(row["headers"]))


async def store(
    session: AsyncSession,
    caller: Caller,
    key: str,
    request_hash: str,
    response: StoredResponse,
    ttl: timedelta,
) -> None:
    now = datetime.now(UTC)
    # Records are kept for the TTL only: the caller's expired ones go as it stores a new one
    # (a range on the primary key's leading columns, so the table stays bounded without a sweeper).
    await session.execute(delete(idempotency_keys).where(*_of(caller), idempotency_keys.c.expires_at <= now))
    issuer, sub, supplier_id = caller
    await session.execute(
        insert(idempotency_keys).values(
            issuer=issuer,
            principal=sub,
            supplier_id=supplier_id,
            key=key,
            request_hash=request_hash,
            status_code=response.status_code,
            body=response.body,
            headers=orjson.dumps(response.headers).decode(),
            created_at=now,
            expires_at=now + ttl,
        )
    )
