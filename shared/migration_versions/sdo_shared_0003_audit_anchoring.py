"""Audit anchoring: the checkpoints a service keeps of the others' chains, the last head it published,
and on PostgreSQL a trigger that refuses UPDATE, DELETE and TRUNCATE on the audit log.

The head row (``sdo_audit_head``) stays updatable: every append moves it.

Revision ID: sdo_shared_0003
Revises: sdo_shared_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sdo_shared_0003"
down_revision: str | Sequence[str] | None = "sdo_shared_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION sdo_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'sdo_audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit entries are only ever appended, through the service';
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("sdo_audit_head") as batch:
        batch.add_column(sa.Column("checkpoint_seq", _BigId, nullable=True))
    op.create_table(
        "sdo_audit_checkpoints",
        sa.Column("id", _BigId, primary_key=True, autoincrement=True),
        sa.Column("service", sa.String(length=60), nullable=False),
        sa.Column("entries", _BigId, nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("service", "entries", "head_hash", name="uq_sdo_audit_checkpoints_head"),
    )
    op.create_index("ix_sdo_audit_checkpoints_service", "sdo_audit_checkpoints", ["service", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER sdo_audit_log_append_only BEFORE UPDATE OR DELETE ON sdo_audit_log "
            "FOR EACH ROW EXECUTE FUNCTION sdo_audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER sdo_audit_log_no_truncate BEFORE TRUNCATE ON sdo_audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION sdo_audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sdo_audit_log_no_truncate ON sdo_audit_log")
        op.execute("DROP TRIGGER IF EXISTS sdo_audit_log_append_only ON sdo_audit_log")
        op.execute("DROP FUNCTION IF EXISTS sdo_audit_log_append_only()")
    op.drop_index("ix_sdo_audit_checkpoints_service", table_name="sdo_audit_checkpoints")
    op.drop_table("sdo_audit_checkpoints")
    with op.batch_alter_table("sdo_audit_head") as batch:
        batch.drop_column("checkpoint_seq")
