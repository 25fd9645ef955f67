"""Subscribers get a state (``pending`` until a web subscription's address is confirmed); plans an
index on ``updated_at`` (the web desk's default order).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 01:10:00

Every subscriber stored before this revision was added by an operator and is
``confirmed``.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('subscribers') as batch:
        batch.add_column(sa.Column('state', sa.String(length=12), nullable=False, server_default='confirmed'))
    op.create_index(op.f('ix_plans_updated_at'), 'plans', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_plans_updated_at'), table_name='plans')
    with op.batch_alter_table('subscribers') as batch:
        batch.drop_column('state')
