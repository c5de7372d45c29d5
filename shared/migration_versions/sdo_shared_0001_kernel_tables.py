"""Tables every service carries: audit log and head, idempotency keys, inbox, outbox.

The base of the ``shared`` branch; each service's first revision depends on it, so these tables
are described once here and every service database gets them.

Revision ID: sdo_shared_0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sdo_shared_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("shared",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sdo_audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('sdo_audit_log',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('resource_type', sa.String(length=50), nullable=False),
    sa.Column('resource_id', sa.String(length=100), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('request_id', sa.String(length=128), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('id')
    )
    with op.batch_alter_table('sdo_audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_sdo_audit_log_resource', ['resource_id', 'seq'], unique=False)

    op.create_table('sdo_idempotency',
    sa.Column('principal', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('headers', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('principal', 'key')
    )
    op.create_table('sdo_inbox',
    sa.Column('consumer', sa.String(length=60), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id')
    )
    op.create_table('sdo_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('routing_key', sa.String(length=120), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('sdo_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_sdo_outbox_unsent', ['id'], unique=False, postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('sdo_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_sdo_outbox_unsent', postgresql_where=sa.text('sent_at IS NULL'), sqlite_where=sa.text('sent_at IS NULL'))

    op.drop_table('sdo_outbox')
    op.drop_table('sdo_inbox')
    op.drop_table('sdo_idempotency')
    with op.batch_alter_table('sdo_audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_sdo_audit_log_resource')

    op.drop_table('sdo_audit_log')
    op.drop_table('sdo_audit_head')
