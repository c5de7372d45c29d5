"""Webhooks: subscriptions, the deliveries written at commit beside the outbox rows, and their attempts.

Revision ID: sdo_shared_0004
Revises: sdo_shared_0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sdo_shared_0004"
down_revision: str | Sequence[str] | None = "sdo_shared_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sdo_webhook_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("owner_issuer", sa.String(length=200), nullable=False),
        sa.Column("owner_sub", sa.String(length=200), nullable=False),
        sa.Column("supplier_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sdo_webhook_subscriptions_owner",
        "sdo_webhook_subscriptions",
        ["owner_issuer", "owner_sub", "created_at"],
    )
    op.create_index(
        "ix_sdo_webhook_subscriptions_supplier", "sdo_webhook_subscriptions", ["supplier_id", "created_at"]
    )
    op.create_table(
        "sdo_webhook_deliveries",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=120), nullable=False),
        sa.Column("event", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_sdo_webhook_deliveries_event"),
    )
    op.create_index(
        "ix_sdo_webhook_deliveries_subscription", "sdo_webhook_deliveries", ["subscription_id", "id"]
    )
    op.create_index(
        "ix_sdo_webhook_deliveries_due",
        "sdo_webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "sdo_webhook_attempts",
        sa.Column("id", _BigId, autoincrement=True, nullable=False),
        sa.Column("delivery_id", _BigId, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sdo_webhook_attempts_delivery", "sdo_webhook_attempts", ["delivery_id", "number"])


def downgrade() -> None:
    op.drop_index("ix_sdo_webhook_attempts_delivery", table_name="sdo_webhook_attempts")
    op.drop_table("sdo_webhook_attempts")
    op.drop_index("ix_sdo_webhook_deliveries_due", table_name="sdo_webhook_deliveries")
    op.drop_index("ix_sdo_webhook_deliveries_subscription", table_name="sdo_webhook_deliveries")
    op.drop_table("sdo_webhook_deliveries")
    op.drop_index("ix_sdo_webhook_subscriptions_supplier", table_name="sdo_webhook_subscriptions")
    op.drop_index("ix_sdo_webhook_subscriptions_owner", table_name="sdo_webhook_subscriptions")
    op.drop_table("sdo_webhook_subscriptions")
