"""The search queue: which indexed records changed, written in the same transaction.

The database is the truth and the Whoosh index is derived from it. Every flush that
changes a record of a registered source appends a row here inside the same transaction, so
a committed change always leaves a trace even if the process dies before indexing it; the
row is deleted only after the index holds the record's new state (ppid.search.indexing).
"""
import sqlalchemy as sa

from ppid.core.db import UTCDateTime, utcnow
from ppid.extensions import db


class SearchPending(db.Model):
    """A record (doc_type, doc_id) whose index entry must be refreshed."""

    __tablename__ = "search_pending"
    id = sa.Column(sa.Integer, primary_key=True)
    doc_type = sa.Column(sa.String(20), nullable=False)
    doc_id = sa.Column(sa.String(100), nullable=False)
    queued_at = sa.Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self):
        return f"<SearchPending {self.doc_type}:{self.doc_id}>"
