"""Keeping search right: every flush that changes a record of a registered source
(ppid.search.sources) is seen here, and each backend takes it its own way.

PostgreSQL backend: the touched records are collected per transaction and their search
rows written just before it commits (``before_commit``), in the same transaction: nothing
to queue, drain or repair (ppid.search.postgres).

Whoosh backend: one way of applying changes.
1. ``after_flush``: each changed record adds a ``search_pending`` row in the same
   transaction, so no committed change can be lost, even if the process dies.
2. The indexer (:func:`run_indexer`, ``flask ppid search-indexer``, which gunicorn.conf.py
   runs beside the workers) applies the queue every ``SEARCH_DRAIN_DELAY`` seconds:
   :func:`drain` takes the single-writer lock, loads the queued records' current state in
   its own session, writes it to Whoosh in one commit, and deletes exactly the queue rows
   it applied. A failure leaves the rows for the next round.
3. Where no indexer runs (the development server, tests, CLI tools) or it died (its
   heartbeat is stale), a search applies what is queued before it reads the index
   (:func:`catch_up`), so it never shows less than the database holds.
"""
import logging
import os
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ppid.core.db import utcnow, wants_write_lock
from ppid.search import backend
from ppid.search import index as sindex
from ppid.search.sources import doc_key, ids_touched, registered, watched_classes

log = logging.getLogger(__name__)

DRAIN_BATCH = 500
_QUEUED = "ppid_search_queued"     # Whoosh: keys queued in this transaction
_TOUCHED = "ppid_search_touched"   # PostgreSQL: keys to write before this commit
_WRITING = "ppid_search_writing"   # this transaction took SQLite's write lock
_installed = {"done": False}


def _backend_of(session):
    if has_app_context():
        return backend.name(current_app)
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "whoosh"


def _after_flush(session, flush_context):
    if not registered():
        return
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
    from ppid.search import postgres
    if keys and _table_exists(session.connection(), "search_documents"):
        postgres.write(session, keys)


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


def _after_begin(session, transaction, connection):
    # Whether this transaction writes (SQLite: began IMMEDIATE, holding the write lock),
    # decided as ppid.core.db decides it, at its beginning (see _holds_write_transaction).
    if transaction.parent is None:
        session.info[_WRITING] = wants_write_lock()


def _after_transaction_end(session, transaction):
    # Only the outermost transaction's end: SQLAlchemy also reports a savepoint's release
    # as a commit, and the records touched before it still await the outer one.
    if transaction.parent is None:
        for key in (_QUEUED, _TOUCHED, _WRITING):
            session.info.pop(key, None)


def _after_rollback(session, previous_transaction):
    # A savepoint's rollback may have undone queue rows: queue anew what follows (records
    # touched before it still count).
    if previous_transaction.nested:
        session.info.pop(_QUEUED, None)


def install_listeners():
    """Session events, installed once per process (create_app runs several times)."""
    if _installed["done"]:
        return
    event.listen(Session, "after_begin", _after_begin)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed["done"] = True


def init_app(app):
    install_listeners()


# --- The indexer (Whoosh backend) ------------------------------------------------------

HEARTBEAT = "indexer.alive"
_alive_checked = {}


def heartbeat_path(app):
    return sindex.index_dir(app) / HEARTBEAT


def stale_after(app):
    """Seconds after which an indexer that should have acted is taken for dead."""
    return max(5.0, 4 * float(app.config.get("SEARCH_DRAIN_DELAY") or 1.0))


def indexer_alive(app):
    """Whether an indexer process touched the heartbeat lately (looked at once a second)."""
    now = time.monotonic()
    checked = _alive_checked.get(id(app))
    if checked is not None and now - checked[0] < 1.0:
        return checked[1]
    try:
        alive = time.time() - os.stat(heartbeat_path(app)).st_mtime < stale_after(app)
    except OSError:
        alive = False
    _alive_checked[id(app)] = (now, alive)
    return alive


def run_indexer(app, stop):
    """Apply the queue every SEARCH_DRAIN_DELAY seconds until ``stop`` (a
    threading.Event) is set, then once more; the heartbeat file tells searches that the
    queue is being applied."""
    delay = float(app.config.get("SEARCH_DRAIN_DELAY") or 0) or 1.0
    beat = heartbeat_path(app)
    beat.parent.mkdir(parents=True, exist_ok=True)
    log.info("search indexer: applying the queue every %.1f s (heartbeat %s)", delay, beat)
    try:
        while not stop.is_set():
            beat.touch()
            with app.app_context():
                try:
                    if not _nothing_queued():
                        drain(app, lock_timeout=delay)
                except TimeoutError:
                    pass   # a reindex holds the index: next round
                except Exception:  # noqa: BLE001 - the rows stay queued for the next round
                    log.exception("search indexer: applying the queue failed")
            stop.wait(delay)
    finally:
        try:
            beat.unlink()
        except OSError:
            pass
        with app.app_context():
            try:
                drain(app, lock_timeout=10.0)
            except Exception:  # noqa: BLE001 - the rows stay queued for the next drain
                log.warning("search indexer: changes left queued at exit", exc_info=True)


def _reader():
    """An engine whose SQLite transactions only read (they take no write lock)."""
    from ppid.extensions import db
    return db.engine.execution_options(ppid_read_only=True)


def pending_count(session=None):
    from ppid.search.models import SearchPending
    if session is None:
        with Session(_reader()) as s:
            return s.execute(sa.select(sa.func.count(SearchPending.id))).scalar_one()
    return session.execute(sa.select(sa.func.count(SearchPending.id))).scalar_one()


def _nothing_queued(older_than=None):
    from ppid.search.models import SearchPending
    stmt = sa.select(SearchPending.id).limit(1)
    if older_than is not None:
        stmt = stmt.where(SearchPending.queued_at <= utcnow() - older_than)
    with Session(_reader()) as session:
        return session.execute(stmt).first() is None


def drain(app=None, *, max_batches=50, lock_timeout=sindex.LOCK_TIMEOUT):
    """Apply queued changes to the index; returns how many queue rows were applied.

    After releasing the writer lock it looks once more for rows queued meanwhile and
    drains those too."""
    app = app or current_app._get_current_object()
    if not registered():
        return 0
    applied = 0
    for _round in range(5):
        applied += _drain_locked(app, max_batches, lock_timeout)
        if _nothing_queued():
            break
    return applied


def _drain_locked(app, max_batches, lock_timeout):
    from ppid.extensions import db
    from ppid.search.models import SearchPending

    types = list(registered())
    ix = sindex.get_index(app)
    applied = 0
    with sindex.writer_lock(sindex.index_dir(app), timeout=lock_timeout):
        for _ in range(max_batches):
            with Session(_reader()) as session:
                rows = session.execute(
                    sa.select(SearchPending.id, SearchPending.doc_type, SearchPending.doc_id)
                    .where(SearchPending.doc_type.in_(types))
                    .order_by(SearchPending.id).limit(DRAIN_BATCH)).all()
                if not rows:
                    break
                wanted = {}
                for _id, doc_type, doc_id in rows:
                    wanted.setdefault(doc_type, set()).add(doc_id)
                docs = {}
                for doc_type, ids in wanted.items():
                    loaded = registered()[doc_type].load(session, sorted(ids))
                    for i in ids:
                        docs[doc_key(doc_type, i)] = loaded.get(i)
                session.rollback()  # release the read (SQLite) before the index write
            sindex.write_docs(ix, docs)
            row_ids = [r[0] for r in rows]
            with Session(db.engine) as session:
                session.execute(sa.delete(SearchPending).where(SearchPending.id.in_(row_ids)))
                session.commit()
            applied += len(row_ids)
            if len(rows) < DRAIN_BATCH:
                break
    return applied


LEFTOVER_CHECK_INTERVAL = 1.0  # seconds
_leftovers_checked = {}


def catch_up(app=None):
    """Before a search: apply what is queued when no indexer is alive to do it, or what a
    dead one left (rows older than :func:`stale_after`, looked for once a second).

    Never waits for another process holding the writer lock (it is applying them)."""
    if not registered() or _holds_write_transaction():
        return
    app = app or current_app._get_current_object()
    older_than = None
    if indexer_alive(app):
        now = time.monotonic()
        if now - _leftovers_checked.get(id(app), float("-inf")) < LEFTOVER_CHECK_INTERVAL:
            return
        _leftovers_checked[id(app)] = now
        older_than = timedelta(seconds=stale_after(app))
    try:
        if _nothing_queued(older_than):
            return
        drain(app, max_batches=4, lock_timeout=0.0)
    except TimeoutError:
        return
    except Exception:  # noqa: BLE001 - searching works on the index as it is
        log.exception("search: applying queued changes before the query failed")


def _holds_write_transaction():
    """True when this thread's session has an SQLite transaction that took the write lock
    (outside reading web requests every SQLite transaction does: see ppid.core.db): the
    queue's rows could not be deleted before it ends."""
    from ppid.extensions import db
    session = db.session()
    if db.engine.dialect.name != "sqlite" or not session.in_transaction():
        return False
    return session.info.get(_WRITING, True)
