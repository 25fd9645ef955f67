"""The initial schema: every table of storage/models.py as of planwatch 0.1.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:43:48.443377

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table, parents before children."""
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canonical_url', sa.String(length=2048), nullable=True),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('subtitle', sa.Text(), nullable=True),
    sa.Column('outlet', sa.String(length=200), nullable=True),
    sa.Column('author', sa.String(length=200), nullable=True),
    sa.Column('published', sa.DateTime(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=2048), nullable=True),
    sa.Column('relevant', sa.Boolean(), nullable=False),
    sa.Column('relevance_score', sa.Float(), nullable=False),
    sa.Column('relevance_reasons', sa.JSON(), nullable=False),
    sa.Column('extraction', sa.JSON(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('canonical_url', name=op.f('uq_articles_canonical_url')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_articles_content_hash'))
    )
    op.create_table('http_validators',
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('etag', sa.String(length=500), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('url', name=op.f('pk_http_validators'))
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('municipality', sa.String(length=100), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('family', sa.String(length=50), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('phase', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Integer(), nullable=True),
    sa.Column('period_end', sa.Integer(), nullable=True),
    sa.Column('vision', sa.Text(), nullable=True),
    sa.Column('strategies', sa.Integer(), nullable=True),
    sa.Column('tasks', sa.Integer(), nullable=True),
    sa.Column('action_tasks', sa.Integer(), nullable=True),
    sa.Column('projects', sa.Integer(), nullable=True),
    sa.Column('previous_counts', sa.JSON(), nullable=True),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('committee', sa.JSON(), nullable=True),
    sa.Column('partners', sa.JSON(), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=True),
    sa.Column('facts_as_of', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('key', name=op.f('uq_plans_key'))
    )
    op.create_index(op.f('ix_plans_municipality'), 'plans', ['municipality'], unique=False)
    op.create_index(op.f('ix_plans_province'), 'plans', ['province'], unique=False)

    op.create_table('source_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('job', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('new_articles', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_runs'))
    )
    op.create_index('ix_source_runs_source_started', 'source_runs', ['source', 'started_at'], unique=False)

    op.create_table('subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('provinces', sa.JSON(), nullable=False),
    sa.Column('municipalities', sa.JSON(), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('frequency', sa.String(length=10), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('permanent_failure', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
    sa.UniqueConstraint('email', name=op.f('uq_subscribers_email'))
    )
    op.create_table('outgoing_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('transport', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=2048), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_outgoing_messages_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_messages')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outgoing_messages_message_id'))
    )
    op.create_index(op.f('ix_outgoing_messages_subscriber_id'), 'outgoing_messages', ['subscriber_id'], unique=False)

    op.create_table('plan_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('date_precision', sa.String(length=8), nullable=False),
    sa.Column('minhash', sa.LargeBinary(), nullable=True),
    sa.Column('first_reported', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_events_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_events')),
    sa.UniqueConstraint('plan_id', 'type', 'date', name='uq_event_plan_type_date')
    )
    op.create_index(op.f('ix_plan_events_plan_id'), 'plan_events', ['plan_id'], unique=False)

    op.create_table('raw_pages',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_raw_pages_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', name=op.f('pk_raw_pages'))
    )
    op.create_table('digest_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('dedup_key', sa.String(length=300), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('change_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_digest_items_article_id_articles'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['plan_events.id'], name=op.f('fk_digest_items_event_id_plan_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_digest_items_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_items')),
    sa.UniqueConstraint('dedup_key', name='uq_digest_item_key')
    )
    op.create_index(op.f('ix_digest_items_created_at'), 'digest_items', ['created_at'], unique=False)
    op.create_index(op.f('ix_digest_items_plan_id'), 'digest_items', ['plan_id'], unique=False)
    op.create_index(op.f('ix_digest_items_queued_at'), 'digest_items', ['queued_at'], unique=False)

    op.create_table('event_sources',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_event_sources_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['plan_events.id'], name=op.f('fk_event_sources_event_id_plan_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'article_id', name=op.f('pk_event_sources'))
    )
    op.create_table('plan_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old', sa.JSON(), nullable=True),
    sa.Column('new', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['plan_events.id'], name=op.f('fk_plan_changes_event_id_plan_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_changes_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_changes'))
    )
    op.create_index(op.f('ix_plan_changes_plan_id'), 'plan_changes', ['plan_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['digest_items.id'], name=op.f('fk_deliveries_item_id_digest_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], name=op.f('fk_deliveries_subscriber_id_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('subscriber_id', 'item_id', name='uq_delivery_subscriber_item')
    )
    op.create_index(op.f('ix_deliveries_item_id'), 'deliveries', ['item_id'], unique=False)
    op.create_index(op.f('ix_deliveries_message_id'), 'deliveries', ['message_id'], unique=False)
    op.create_index(op.f('ix_deliveries_subscriber_id'), 'deliveries', ['subscriber_id'], unique=False)



def downgrade() -> None:
    """Drop every table, children before parents."""
    op.drop_index(op.f('ix_deliveries_subscriber_id'), table_name='deliveries')
    op.drop_index(op.f('ix_deliveries_message_id'), table_name='deliveries')
    op.drop_index(op.f('ix_deliveries_item_id'), table_name='deliveries')

    op.drop_table('deliveries')
    op.drop_index(op.f('ix_plan_changes_plan_id'), table_name='plan_changes')

    op.drop_table('plan_changes')
    op.drop_table('event_sources')
    op.drop_index(op.f('ix_digest_items_queued_at'), table_name='digest_items')
    op.drop_index(op.f('ix_digest_items_plan_id'), table_name='digest_items')
    op.drop_index(op.f('ix_digest_items_created_at'), table_name='digest_items')

    op.drop_table('digest_items')
    op.drop_table('raw_pages')
    op.drop_index(op.f('ix_plan_events_plan_id'), table_name='plan_events')

    op.drop_table('plan_events')
    op.drop_index(op.f('ix_outgoing_messages_subscriber_id'), table_name='outgoing_messages')

    op.drop_table('outgoing_messages')
    op.drop_table('subscribers')
    op.drop_index('ix_source_runs_source_started', table_name='source_runs')

    op.drop_table('source_runs')
    op.drop_index(op.f('ix_plans_province'), table_name='plans')
    op.drop_index(op.f('ix_plans_municipality'), table_name='plans')

    op.drop_table('plans')
    op.drop_table('http_validators')
    op.drop_table('articles')
