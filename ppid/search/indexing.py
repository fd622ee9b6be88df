"""Keeping search right: every flush that changes a record of a registered source
(ppid.search.sources) is seen here, and each backend takes it its own way.

PostgreSQL backend: the touched records are collected per transaction and their search
rows written just before it commits (``before_commit``), in the same transaction: nothing
to queue, drain or repair (ppid.search.postgres).

Whoosh backend: a queue, and one way of applying it.
1. ``after_flush``: each changed record adds a ``search_pending`` row in the same
   transaction, so no committed change can be lost, even if the process dies.
2. :func:`drain` applies it: it loads the queued records' current state in its own
   session and writes it to Whoosh under the single-writer lock, then deletes exactly the
   queue rows it applied. A failure leaves the rows for the next round. Its one runner is
   the job worker (``flask ppid worker``, which gunicorn.conf.py starts beside the web
   workers): :func:`run_indexer`, a thread of it, drains every ``SEARCH_DRAIN_DELAY``
   seconds (``worker --once`` drains once). ``flask ppid search-drain`` drains by hand;
   tests drain explicitly. A search never applies it: a GET never writes.
"""
import logging

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ppid.core.db import utcnow
from ppid.search import backend
from ppid.search import index as sindex
from ppid.search.sources import built_key, ids_touched, registered, watched_classes

log = logging.getLogger(__name__)

DRAIN_BATCH = 500
_QUEUED = "ppid_search_queued"     # Whoosh: keys queued in this transaction
_TOUCHED = "ppid_search_touched"   # PostgreSQL: keys to write before this commit
_CREATED = "ppid_search_created"   # PostgreSQL: {key: record} inserted in this transaction
_installed = {"done": False}


def _backend_of(session):
    if has_app_context():
        return backend.name(current_app)
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "whoosh"


def _after_flush(session, flush_context):
    classes = watched_classes()
    if not classes:
        return
    touched = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, classes):
            touched |= ids_touched(session, obj)
    if not touched:
        return
    if _backend_of(session) == "postgresql":
        session.info.setdefault(_TOUCHED, set()).update(touched)
        # Records inserted now: their documents are built from the session at commit,
        # without reloading them (ppid.search.postgres.write).
        for obj in session.new:
            key = built_key(obj)
            if key is not None:
                session.info.setdefault(_CREATED, {})[key] = obj
        return
    # A document is queued once per transaction, however many flushes touch it (a new
    # request's event, letter and mail all touch the request).
    queued = session.info.setdefault(_QUEUED, set())
    touched -= queued
    if not touched:
        return
    from ppid.search.models import SearchPending
    conn = session.connection()
    if not _table_exists(conn, "search_pending"):
        return
    now = utcnow()
    conn.execute(
        sa.insert(SearchPending.__table__),
        [{"doc_type": t, "doc_id": i[:100], "queued_at": now} for t, i in sorted(touched)])
    queued |= touched


def _before_commit(session):
    if session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()   # (commit flushes after this event: the changes are seen now)
    if not session.info.get(_TOUCHED):
        return
    keys = session.info.pop(_TOUCHED, set())
    created = session.info.pop(_CREATED, {})
    from ppid.search import postgres
    if keys and _table_exists(session.connection(), "search_documents"):
        postgres.write(session, keys, created)


_table_seen = set()


def _table_exists(conn, name):
    """A database migrated before the search feature has no search tables yet: then
    changes are not recorded (warned once), and ``flask ppid reindex`` catches up later."""
    key = (str(conn.engine.url), name)
    if key in _table_seen:
        return True
    if sa.inspect(conn).has_table(name):
        _table_seen.add(key)
        return True
    log.warning("table %s is missing (run the migrations); search updates are not "
                "recorded until it exists", name)
    return False


def _after_transaction_end(session, transaction):
    # Only the outermost transaction's end: SQLAlchemy also reports a savepoint's release
    # as a commit, and the records touched before it still await the outer one.
    if transaction.parent is None:
        for key in (_QUEUED, _TOUCHED, _CREATED):
            session.info.pop(key, None)


def _after_rollback(session, previous_transaction):
    # A savepoint's rollback may have undone queue rows: queue anew what follows (records
    # touched before it still count).
    if previous_transaction.nested:
        session.info.pop(_QUEUED, None)


def init_app(app):
    """Session events, installed once per process (create_app runs several times)."""
    if _installed["done"]:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed["done"] = True


# --- Applying the queue (Whoosh backend) ------------------------------------------------

def run_indexer(app, stop):
    """Drain every SEARCH_DRAIN_DELAY seconds until ``stop`` (a threading.Event) is set,
    then once more (a thread of ``flask ppid worker``; nothing to do on PostgreSQL). First
    it opens the index, so a missing or older one is rebuilt at start, not by a search."""
    if backend.name(app) != "whoosh":
        return
    delay = float(app.config.get("SEARCH_DRAIN_DELAY") or 0) or 1.0
    log.info("search indexer: applying the queue every %.1f s", delay)
    with app.app_context():
        try:
            sindex.get_index(app)
        except Exception:  # noqa: BLE001 - searches answer 503 meanwhile; drains retry
            log.exception("search indexer: the index cannot be opened nor rebuilt")
    while True:
        last = stop.is_set()
        with app.app_context():
            try:
                drain(app, lock_timeout=10.0 if last else delay)
            except TimeoutError:
                pass   # a reindex holds the index: next round
            except Exception:  # noqa: BLE001 - the rows stay queued for the next round
                log.exception("search indexer: applying the queue failed")
        if last:
            return
        stop.wait(delay)


def _reader():
    """An engine whose SQLite transactions only read (they take no write lock)."""
    from ppid.extensions import db
    return db.engine.execution_options(ppid_read_only=True)


def pending_count():
    from ppid.search.models import SearchPending
    with Session(_reader()) as s:
        return s.execute(sa.select(sa.func.count(SearchPending.id))).scalar_one()


def drain(app=None, *, max_batches=50, lock_timeout=sindex.LOCK_TIMEOUT):
    """Apply queued changes to the Whoosh index; returns how many queue rows were applied
    (0 on PostgreSQL, which has no queue). Raises TimeoutError when the index is busy."""
    from ppid.extensions import db
    from ppid.search.models import SearchPending
    app = app or current_app._get_current_object()
    if backend.name(app) != "whoosh" or not registered():
        return 0
    applied = 0
    for _ in range(max_batches):
        with Session(_reader()) as session:
            rows = session.execute(
                sa.select(SearchPending.id, SearchPending.doc_type, SearchPending.doc_id)
                .where(SearchPending.doc_type.in_(list(registered())))
                .order_by(SearchPending.id).limit(DRAIN_BATCH)).all()
        if not rows:
            break
        sindex.refresh(app, {(t, i) for _id, t, i in rows}, lock_timeout)
        with Session(db.engine) as session:
            session.execute(sa.delete(SearchPending)
                            .where(SearchPending.id.in_([r[0] for r in rows])))
            session.commit()
        applied += len(rows)
        if len(rows) < DRAIN_BATCH:
            break
    return applied
