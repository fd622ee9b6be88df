"""search: PostgreSQL full-text search columns and indexes

Revision ID: e5a7c3d91401
Revises: d9f3b5a21203
Create Date: 2026-12-02 07:40:00

The PostgreSQL search backend's tables (ppid.search.models): one row per public record
with weighted tsvector columns under a GIN index, and the "did you mean" vocabulary under
a pg_trgm index. Nothing on SQLite, where search is a Whoosh index. After upgrading an
existing PostgreSQL database, `flask ppid reindex` fills the rows of the records it holds.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import ppid.core.db


# revision identifiers, used by Alembic.
revision = 'e5a7c3d91401'
down_revision = 'd9f3b5a21203'
branch_labels = None
depends_on = None


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgresql():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('search_documents',
    sa.Column('doc_type', sa.String(length=20), nullable=False),
    sa.Column('doc_id', sa.String(length=100), nullable=False),
    sa.Column('public_id', sa.String(length=100), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('agency', sa.String(length=100), nullable=False),
    sa.Column('agency_name', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('year', sa.String(length=4), nullable=False),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('snip', sa.Text(), nullable=False),
    sa.Column('extra', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('hash', sa.String(length=40), nullable=False),
    sa.Column('terms', postgresql.TSVECTOR(), nullable=False),
    sa.Column('exact', postgresql.TSVECTOR(), nullable=False),
    sa.PrimaryKeyConstraint('doc_type', 'doc_id', name=op.f('pk_search_documents'))
    )
    op.create_index('ix_search_documents_terms', 'search_documents', ['terms'],
                    unique=False, postgresql_using='gin')
    op.create_index('ix_search_documents_date', 'search_documents', ['date'], unique=False)
    op.create_table('search_words',
    sa.Column('word', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words'))
    )
    op.create_index('ix_search_words_trigrams', 'search_words', ['word'], unique=False,
                    postgresql_using='gin', postgresql_ops={'word': 'gin_trgm_ops'})


def downgrade():
    if not _postgresql():
        return
    op.drop_index('ix_search_words_trigrams', table_name='search_words')
    op.drop_table('search_words')
    op.drop_index('ix_search_documents_date', table_name='search_documents')
    op.drop_index('ix_search_documents_terms', table_name='search_documents')
    op.drop_table('search_documents')
