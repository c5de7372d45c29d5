"""notes: the edge test service's one table

Revision ID: edge_0001
Revises:
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'edge_0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('notes',)
depends_on: str | Sequence[str] | None = 'sdo_shared_0001'


def upgrade() -> None:
    op.create_table('notes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('tags', sa.String(length=2000), nullable=False),
    sa.Column('supplier_id', sa.Uuid(), nullable=True),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('notes')
