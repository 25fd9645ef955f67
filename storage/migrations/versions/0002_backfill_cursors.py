"""Backfill: where `planwatch backfill` of each source stopped, and which digest items it found.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 01:05:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('backfill_cursors',
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('query_index', sa.Integer(), nullable=False),
    sa.Column('window_index', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('next_url', sa.String(length=2048), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('pages_read', sa.Integer(), nullable=False),
    sa.Column('articles_found', sa.Integer(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'since', name=op.f('pk_backfill_cursors'))
    )
    op.add_column('digest_items', sa.Column('history', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('digest_items') as batch_op:
        batch_op.drop_column('history')
    op.drop_table('backfill_cursors')
