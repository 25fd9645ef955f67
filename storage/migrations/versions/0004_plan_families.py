"""Plan families: subscribers may filter by family (4ir, smart_city, digital, ai, informatization).

Plans already carry their family (``plans.family``); a subscriber's ``families`` filter is
a JSON list like its other filters, empty for every family. Plans stored under the
family name ``digital_transformation`` are renamed ``digital``, the name used since.

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``subscribers.families`` (every row starts with no family filter) and rename the digital family."""
    with op.batch_alter_table('subscribers') as batch:
        batch.add_column(sa.Column('families', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('subscribers') as batch:
        batch.alter_column('families', server_default=None, existing_type=sa.JSON(), existing_nullable=False)
    plans = sa.table('plans', sa.column('family', sa.String(50)), sa.column('key', sa.String(300)))
    op.execute(
        plans.update()
        .where(plans.c.family == 'digital_transformation')
        .values(family='digital', key=sa.func.replace(plans.c.key, '|digital_transformation|', '|digital|'))
    )


def downgrade() -> None:
    """Drop the filter; plans keep the ``digital`` name."""
    with op.batch_alter_table('subscribers') as batch:
        batch.drop_column('families')
