"""Idempotency keys scoped to the caller's issuer, sub and supplier id, not to the sub alone.

Two suppliers whose tokens share a ``sub`` were one caller to the store: the second could replay
the first's response. Records made under the old scope cannot tell those callers apart, so they
are dropped with the old table (they would expire within the retention window anyway); a retry
of such a request is handled as a new request.

Revision ID: sdo_shared_0002
Revises: sdo_shared_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sdo_shared_0002"
down_revision: str | Sequence[str] | None = "sdo_shared_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common() -> list[sa.Column]:
    return [
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('headers', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.drop_table('sdo_idempotency')
    op.create_table('sdo_idempotency',
    sa.Column('issuer', sa.String(length=200), server_default='', nullable=False),
    sa.Column('principal', sa.String(length=200), nullable=False),
    sa.Column('supplier_id', sa.String(length=36), server_default='', nullable=False),
    *_common(),
    sa.PrimaryKeyConstraint('issuer', 'principal', 'supplier_id', 'key')
    )


def downgrade() -> None:
    op.drop_table('sdo_idempotency')
    op.create_table('sdo_idempotency',
    sa.Column('principal', sa.String(length=200), nullable=False),
    *_common(),
    sa.PrimaryKeyConstraint('principal', 'key')
    )
