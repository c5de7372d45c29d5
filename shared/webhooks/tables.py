"""The webhook tables every service carries (migration ``sdo_shared_0004``)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from shared.db import shared_metadata

_BigId = BigInteger().with_variant(Integer, "sqlite")

PENDING, DELIVERED, PARKED = "pending", "delivered", "parked"
STATUSES = (PENDING, DELIVERED, PARKED)

subscriptions = Table(
    "sdo_webhook_subscriptions",
    shared_metadata,
    Column("id", String(36), primary_key=True),
    Column("url", String(2000), nullable=False),
    # JSON list of event types or patterns (`*` matches any run of characters).
    Column("events", Text, nullable=False),
    Column("description", String(500)),
    # The signing secret (`whsec_...`): kept as it is, since every delivery is signed with it.
    Column("secret", String(100), nullable=False),
    # Who made it (issuer and sub) and, for a supplier, the supplier: the owner, and the scope of
    # what it receives (only events whose data names that supplier).
    Column("owner_issuer", String(200), nullable=False),
    Column("owner_sub", String(200), nullable=False),
    Column("supplier_id", String(36)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_sdo_webhook_subscriptions_owner", "owner_issuer", "owner_sub", "created_at"),
    Index("ix_sdo_webhook_subscriptions_supplier", "supplier_id", "created_at"),
)

deliveries = Table(
    "sdo_webhook_deliveries",
    shared_metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("subscription_id", String(36), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(120), nullable=False),
    # The CloudEvent as it went into the outbox (structured JSON); sent in binary mode.
    Column("event", LargeBinary, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    # When a pending delivery is due (also the lease of a dispatcher that took it); NULL once settled.
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    UniqueConstraint("subscription_id", "event_id", name="uq_sdo_webhook_deliveries_event"),
    Index("ix_sdo_webhook_deliveries_subscription", "subscription_id", "id"),
    Index(
        "ix_sdo_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
)

attempts = Table(
    "sdo_webhook_attempts",
    shared_metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("delivery_id", _BigId, nullable=False),
    Column("number", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    # The receiver's status, or NULL when there was no answer (then `error` says why).
    Column("status_code", Integer),
    Column("error", String(500)),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_sdo_webhook_attempts_delivery", "delivery_id", "number"),
)
