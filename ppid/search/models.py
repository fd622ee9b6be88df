"""What the search backends keep in the database.

- ``search_pending`` (Whoosh backend): which indexed records changed, written in the same
  transaction. A committed change always leaves a trace even if the process dies before
  indexing it; the row is deleted only after the index holds the record's new state.
- ``search_documents`` and ``search_words`` (PostgreSQL backend only, see
  ppid.search.postgres): the searchable text of each public record as weighted
  ``tsvector`` columns with a GIN index, and the vocabulary for "did you mean" with a
  ``pg_trgm`` index, written in the same transaction as the record. They exist only on
  PostgreSQL (``info["dialect"]``); the migration creates nothing on SQLite.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db

# On SQLite (where nothing uses them) the PostgreSQL-only columns are plain text.
TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
JSONB = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# Derived data, never archived (ppid.core.backup): the restore's reindex rebuilds them.
POSTGRESQL_ONLY = {"dialect": "postgresql", "derived": True}


class SearchPending(db.Model):
    """A record (doc_type, doc_id) whose index entry must be refreshed."""

    __tablename__ = "search_pending"
    id = sa.Column(sa.Integer, primary_key=True)
    doc_type = sa.Column(sa.String(20), nullable=False)
    doc_id = sa.Column(sa.String(100), nullable=False)
    queued_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self):
        return f"<SearchPending {self.doc_type}:{self.doc_id}>"


class SearchDocument(db.Model):
    """One public search document (PostgreSQL backend). ``terms``: the Sastrawi stems,
    weighted A (title), B (summary), C (document text), D (agency name and other
    secondary words); ``exact``: the folded words unstemmed, for phrases."""

    __tablename__ = "search_documents"
    __table_args__ = (
        sa.Index("ix_search_documents_terms", "terms", postgresql_using="gin"),
        sa.Index("ix_search_documents_date", "date"),
        {"info": POSTGRESQL_ONLY},
    )
    doc_type = sa.Column(sa.String(20), primary_key=True)
    doc_id = sa.Column(sa.String(100), primary_key=True)
    public_id = sa.Column(sa.String(100), nullable=False)
    title = sa.Column(sa.Text, nullable=False)
    agency = sa.Column(sa.String(100), nullable=False)
    agency_name = sa.Column(sa.Text, nullable=False)
    category = sa.Column(sa.String(40), nullable=False)
    year = sa.Column(sa.String(4), nullable=False)
    date = sa.Column(sa.Date)
    url = sa.Column(sa.Text, nullable=False)
    snip = sa.Column(sa.Text, nullable=False)
    extra = sa.Column(JSONB, nullable=False)
    hash = sa.Column(sa.String(40), nullable=False)
    terms = sa.Column(TSVECTOR, nullable=False)
    exact = sa.Column(TSVECTOR, nullable=False)


class SearchWord(db.Model):
    """A word of the indexed texts (folded, unstemmed): the "did you mean" vocabulary."""

    __tablename__ = "search_words"
    __table_args__ = (
        sa.Index("ix_search_words_trigrams", "word", postgresql_using="gin",
                 postgresql_ops={"word": "gin_trgm_ops"}),
        {"info": POSTGRESQL_ONLY},
    )
    word = sa.Column(sa.String(100), primary_key=True)


# pg_trgm ships with PostgreSQL (contrib); the trigram index needs it (also for create_all).
sa.event.listen(SearchWord.__table__, "before_create",
                sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(
                    dialect="postgresql"))

