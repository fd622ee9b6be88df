"""Keeping the index right: queue changes on flush, apply them after commit.

1. ``after_flush``: each changed object of a watched class adds a ``search_pending`` row in
   the same transaction (so no committed change can be lost, even if the process dies).
2. ``after_commit``: in a web request the queue is drained off the request's path. Under
   gunicorn the search indexer process (:func:`run_indexer`) drains it every
   ``SEARCH_DRAIN_DELAY`` seconds; without a live one, a per-process background thread
   drains it that long after the first change it hears of. Either way the changes of
   many requests share one Whoosh commit (a commit costs tens of milliseconds whatever
   its size). With a delay of 0 it is drained after the response has been sent
   (``call_on_close``). Elsewhere (CLI, services in tests) it is drained at once.
3. :func:`drain` takes the single-writer lock, loads the queued records' current state in
   its own session, writes it to Whoosh, and deletes exactly the queue rows it applied.
   A failure leaves the rows for the next drain (next commit, next search, ``flask ppid
   search-drain`` or ``reindex``) and never touches the database write that queued them.
"""
import atexit
import logging
import os
import threading
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ppid.core.db import utcnow, wants_write_lock
from ppid.search import index as sindex
from ppid.search.sources import SOURCES, doc_key, ids_touched, watched_classes

log = logging.getLogger(__name__)

DRAIN_BATCH = 500
_FLAG = "ppid_search_dirty"
_QUEUED = "ppid_search_queued"
_installed = {"done": False}


def _after_flush(session, flush_context):
    if not SOURCES:
        return
    classes = watched_classes()
    if not classes:
        return
    touched = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, classes):
            touched |= ids_touched(session, obj)
    # A document is queued once per transaction, however many flushes touch it (a new
    # request's event, letter and mail all touch the request).
    queued = session.info.setdefault(_QUEUED, set())
    touched -= queued
    if not touched:
        return
    from ppid.search.models import SearchPending
    conn = session.connection()
    if not _queue_table_exists(conn):
        return
    now = utcnow()
    conn.execute(
        sa.insert(SearchPending.__table__),
        [{"doc_type": t, "doc_id": i[:100], "queued_at": now} for t, i in sorted(touched)])
    queued |= touched
    session.info[_FLAG] = True


_table_seen = set()


def _queue_table_exists(conn):
    """A database migrated before the search feature has no queue table yet: then changes
    are not queued (warned once), and ``flask ppid reindex`` builds the index later."""
    key = str(conn.engine.url)
    if key in _table_seen:
        return True
    if sa.inspect(conn).has_table("search_pending"):
        _table_seen.add(key)
        return True
    log.warning("table search_pending is missing (run the migrations); search updates are "
                "not queued until it exists")
    return False


def _after_commit(session):
    session.info.pop(_QUEUED, None)
    if not session.info.pop(_FLAG, False):
        return
    if not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config.get("SEARCH_AUTO_INDEX", True):
        return
    if has_request_context():
        g.ppid_search_dirty = True  # drained after the response (see init_app)
    else:
        drain_quietly(app)


def _after_rollback(session, previous_transaction):
    # Any rollback, a savepoint's too, may have undone queue rows: queue anew what follows.
    session.info.pop(_QUEUED, None)
    if not previous_transaction.nested:  # rows queued before a savepoint still count
        session.info.pop(_FLAG, None)


def install_listeners():
    """Session events, installed once per process (create_app runs several times)."""
    if _installed["done"]:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed["done"] = True


def init_app(app):
    install_listeners()
    app.config.setdefault("SEARCH_AUTO_INDEX", True)

    @app.after_request
    def _schedule_drain(response):
        if g.pop("ppid_search_dirty", False):
            if float(app.config["SEARCH_DRAIN_DELAY"]) > 0:
                if not indexer_alive(app):  # else the indexer process applies it
                    background_drainer(app).notify()
            else:
                response.call_on_close(lambda: _drain_in_context(app))
        return response


# --- The indexer process ------------------------------------------------------------------
# Whoosh is pure Python: a drain in a web worker's thread competes for that worker's GIL
# with its requests (each SQLite call that releases the GIL can then wait a whole switch
# interval to get it back, while the request may hold the database's write lock). Under
# gunicorn one separate process (``flask ppid search-indexer``, started by
# gunicorn.conf.py) applies the queue instead; it proves it is alive by touching a file in
# the index directory, and workers drain in their own thread only when it is not.

HEARTBEAT = "indexer.alive"
_alive_checked = {}


def heartbeat_path(app):
    return sindex.index_dir(app) / HEARTBEAT


def stale_after(app):
    """Seconds after which a drainer that should have acted is taken for dead: its
    heartbeat (the indexer's) or its queue rows (a worker's) are older than this."""
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
    """Apply the queue at every drain slot until ``stop`` (a threading.Event) is set, then
    once more; the heartbeat file says the workers may leave the queue to this process."""
    delay = float(app.config.get("SEARCH_DRAIN_DELAY") or 0) or 1.0
    beat = heartbeat_path(app)
    beat.parent.mkdir(parents=True, exist_ok=True)
    log.info("search indexer: applying the queue every %.1f s (heartbeat %s)", delay, beat)
    try:
        while not stop.is_set():
            beat.touch()
            if not _queue_is_empty(app):
                _drain_in_context(app)
            stop.wait(until_next_slot(delay))
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


class BackgroundDrainer:
    """One daemon thread per process and app that drains the queue a moment after it is
    told of a change. Changes arriving while it waits or drains share the next commit.

    Nothing is lost if the process dies: the queue rows stay in the database and are
    applied by the next drain of any process (or by a search, see drain_if_pending)."""

    def __init__(self, app):
        self.app = app
        self.pid = os.getpid()
        self._wake = threading.Event()
        self._draining = False
        self._thread = threading.Thread(target=self._run, name="ppid-search-drain",
                                        daemon=True)
        self._thread.start()
        # A worker stopped gracefully (gunicorn's SIGTERM: sys.exit) applies what it
        # queued last, so a restart leaves no index drift behind.
        atexit.register(self.flush)

    def flush(self):
        """Apply changes this drainer was told of and has not applied yet."""
        if self.pid == os.getpid() and (self._wake.is_set() or self._draining):
            with self.app.app_context():
                try:
                    drain(self.app, lock_timeout=10.0)
                except Exception:  # noqa: BLE001 - the rows stay queued for the next drain
                    log.warning("search: changes left queued at exit", exc_info=True)

    def notify(self):
        self._wake.set()

    def is_alive(self):
        return self.pid == os.getpid() and self._thread.is_alive()

    def _run(self):
        while True:
            self._wake.wait()
            # Let more changes arrive: one commit for all of them, and for those of the
            # other processes too, which wake at the same slot of the shared clock.
            time.sleep(until_next_slot(float(self.app.config.get("SEARCH_DRAIN_DELAY") or 0)))
            self._wake.clear()      # changes from now on ask for another round
            self._draining = True
            try:
                if _queue_is_empty(self.app):
                    continue        # another process's drain applied them
                if _drain_in_context(self.app) is None:
                    self._wake.set()  # the writer lock was busy: look again next slot
            finally:
                self._draining = False


def until_next_slot(delay, now=None):
    """Seconds until the next multiple of ``delay`` on the wall clock (0 < result <= delay).

    Every worker process drains at these instants, so one of them takes the index writer
    lock and applies the changes of all, instead of each process making its own commit.
    """
    if delay <= 0:
        return 0.0
    now = time.time() if now is None else now
    return delay - (now % delay)


def _queue_is_empty(app):
    from ppid.extensions import db
    try:
        with app.app_context(), \
                Session(db.engine.execution_options(ppid_read_only=True)) as session:
            return _nothing_queued(session)
    except Exception:  # noqa: BLE001 - let the drain itself try (and log what fails)
        return False


_drainers = {}
_drainers_lock = threading.Lock()


def background_drainer(app):
    """This process's drainer for ``app`` (a new one after a fork: threads do not survive
    it, and gunicorn forks its workers)."""
    key = id(app)
    drainer = _drainers.get(key)
    if drainer is None or not drainer.is_alive():
        with _drainers_lock:
            drainer = _drainers.get(key)
            if drainer is None or not drainer.is_alive():
                drainer = _drainers[key] = BackgroundDrainer(app)
    return drainer


def _drain_in_context(app):
    # In production no app context is active when the response closes. One is only when a
    # test client shares the test's context: if that session holds the SQLite write lock,
    # waiting for it would only time out; the queue is applied at the next drain instead.
    if has_app_context() and _holds_write_transaction():
        return
    with app.app_context():
        # Never queue up behind another worker: whoever holds the writer lock drains
        # everything queued, and checks again after releasing it (see drain()).
        try:
            return drain(app, lock_timeout=0.0)
        except TimeoutError:
            return None
        except Exception:  # noqa: BLE001 - the queue keeps the work for the next attempt
            log.exception("search indexing failed; the changes stay queued for the next attempt")
            return 0


def drain_quietly(app=None):
    """:func:`drain`, logging instead of raising: indexing never fails a database write."""
    try:
        return drain(app)
    except Exception:  # noqa: BLE001 - the queue keeps the work for the next attempt
        log.exception("search indexing failed; the changes stay queued for the next attempt")
        return 0


def pending_count(session=None):
    from ppid.search.models import SearchPending
    from ppid.extensions import db
    if session is None:
        with Session(db.engine.execution_options(ppid_read_only=True)) as s:
            return s.execute(sa.select(sa.func.count(SearchPending.id))).scalar_one()
    return session.execute(sa.select(sa.func.count(SearchPending.id))).scalar_one()


def drain(app=None, *, max_batches=50, lock_timeout=sindex.LOCK_TIMEOUT):
    """Apply queued changes to the index; returns how many queue rows were applied.

    After releasing the writer lock it looks once more for rows queued meanwhile (by
    workers that found the lock busy and left their rows to us) and drains those too.
    """
    from ppid.extensions import db

    app = app or current_app._get_current_object()
    if not SOURCES:
        return 0
    applied = 0
    for _round in range(5):
        applied += _drain_locked(app, max_batches, lock_timeout)
        with Session(db.engine.execution_options(ppid_read_only=True)) as session:
            if _nothing_queued(session):
                break
    return applied


def _nothing_queued(session):
    from ppid.search.models import SearchPending
    return session.execute(sa.select(SearchPending.id).limit(1)).first() is None


def _drain_locked(app, max_batches, lock_timeout):
    from ppid.extensions import db
    from ppid.search.models import SearchPending

    types = list(SOURCES)
    ix = sindex.get_index(app)
    applied = 0
    reader = db.engine.execution_options(ppid_read_only=True)
    with sindex.writer_lock(sindex.index_dir(app), timeout=lock_timeout):
        for _ in range(max_batches):
            with Session(reader) as session:
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
                    loaded = SOURCES[doc_type].load(session, sorted(ids))
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


def leftover_age(app):
    """How old a queue row must be before a search applies it itself: with a background
    drainer, younger rows are its work (a search doing it would only slow itself down)."""
    delay = float(app.config.get("SEARCH_DRAIN_DELAY", 0))
    return timedelta(seconds=stale_after(app)) if delay > 0 else timedelta(0)


LEFTOVER_CHECK_INTERVAL = 1.0  # seconds
_leftovers_checked = {}


def drain_if_pending(app=None):
    """Cheap check before a search: apply leftovers of an earlier failed drain, if any.

    Does not wait when another process holds the writer lock (it is draining already).
    """
    from ppid.extensions import db
    from ppid.search.models import SearchPending
    if not SOURCES:
        return
    if _holds_write_transaction():
        return  # the caller's open SQLite write transaction would block our delete
    app = app or current_app._get_current_object()
    age = leftover_age(app)
    if age:
        # Leftovers are rows at least ``age`` old (a dead drainer's): looking once a
        # second per process finds them as soon, without a query on every search.
        now = time.monotonic()
        if now - _leftovers_checked.get(id(app), float("-inf")) < LEFTOVER_CHECK_INTERVAL:
            return
        _leftovers_checked[id(app)] = now
    try:
        with Session(db.engine.execution_options(ppid_read_only=True)) as session:
            older = utcnow() - age
            if session.execute(sa.select(SearchPending.id)
                               .where(SearchPending.queued_at <= older).limit(1)
                               ).first() is None:
                return
        drain(app, max_batches=4, lock_timeout=0.0)
    except TimeoutError:
        return
    except Exception:  # noqa: BLE001 - searching works on the index as it is
        log.exception("search: applying queued changes before the query failed")


def _holds_write_transaction():
    """True when this thread's session has an SQLite transaction that took the write lock
    (outside reading web requests every SQLite transaction does: see ppid.core.db)."""
    from ppid.extensions import db
    if db.engine.dialect.name != "sqlite" or not db.session().in_transaction():
        return False
    return wants_write_lock()
