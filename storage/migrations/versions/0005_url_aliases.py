"""URL aliases: other URLs of a stored article, remembered once they led to it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 01:10:00

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('url_aliases',
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_url_aliases_article_id_articles'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('url', name=op.f('pk_url_aliases'))
    )
    op.create_index(op.f('ix_url_aliases_article_id'), 'url_aliases', ['article_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_url_aliases_article_id'), table_name='url_aliases')
    op.drop_table('url_aliases')
