"""Database base pieces: naming convention, UTC timestamps, SQLite transaction mode."""
import fcntl
import os
from contextlib import contextmanager
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timestamp stored as naive UTC everywhere and returned timezone-aware (UTC)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow():
    return datetime.now(timezone.utc)


READING_METHODS = ("GET", "HEAD", "OPTIONS")


def wants_write_lock():
    """Whether a transaction beginning now is a writing one (SQLite: BEGIN IMMEDIATE).

    Reading web requests take no write lock, nor does a writing request during its
    :func:`read_phase`; everything else (forms, API writes, CLI, jobs) does.
    """
    from flask import g, has_request_context, request
    if has_request_context():
        if g.get("ppid_read_phase", False):
            return False
        return request.method not in READING_METHODS or g.get("writes", False)
    return True


class _ReadPhase:
    def __init__(self):
        self.kept = []

    def keep(self, *objects):
        """Carry these objects over into the writing transaction as they were read
        (not expired, so using them does not read them again under the write lock)."""
        self.kept.extend(o for o in objects if o is not None)


@contextmanager
def read_phase(session):
    """Run a writing request's reads (limits, choices, validation) before its writes.

    Inside, transactions begin deferred, so on SQLite the reads neither wait for nor hold
    the single write lock; on leaving, that read transaction is ended (its objects are
    expired and reload on use, except those given to ``keep``) and the next statement
    begins the writing transaction. Only for reads that may be a moment stale: what must
    be read under the write lock (counters, the calendar a deadline is computed with)
    belongs after the phase.
    """
    from flask import g
    phase = _ReadPhase()
    g.ppid_read_phase = True
    try:
        yield phase
    finally:
        g.ppid_read_phase = False
        kept = [o for o in phase.kept if o in session]
        for obj in kept:
            session.expunge(obj)  # detached objects are not expired by the rollback
        session.rollback()
        for obj in kept:
            session.add(obj)      # and come back as they were


def writes_done():
    """The request has committed its writes: what follows (the response) only reads, so
    its transactions begin deferred and take no write lock."""
    from flask import g
    g.ppid_read_phase = True


def install_sqlite_pragmas(engine, wants_immediate):
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE for writing units of work.

    A deferred SQLite transaction that first reads and then writes fails with
    SQLITE_BUSY when another writer committed meanwhile; writing units of work
    therefore take the write lock when they begin. ``wants_immediate()`` says
    whether the current unit of work writes (non-GET web requests, CLI, tests); a
    connection with the execution option ``ppid_read_only=True`` never takes it.

    Writers of a database file first queue on an flock of ``<database>-writer.lock``
    (see :class:`WriterQueue`), so SQLite's busy handler, which sleeps up to 100 ms at a
    time between tries, is never what makes a writer wait.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    queue = WriterQueue(f"{database}-writer.lock") if database and database != ":memory:" \
        else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if queue is not None:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        read_only = conn.get_execution_options().get("ppid_read_only", False)
        if not wants_immediate() or read_only:
            conn.exec_driver_sql("BEGIN")
            return
        if queue is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        record = conn.connection
        queue.acquire(record.info)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            queue.release(record.info)
            raise

    if queue is None:
        return

    # The transaction ends in the DBAPI call right after these events; end it here
    # instead, so the queue is released only once SQLite's lock is (the DBAPI's own
    # commit/rollback then finds no transaction and does nothing).
    def _end_then_release(conn, how):
        record = conn.connection
        if queue.holds(record.info):
            try:
                getattr(record.dbapi_connection, how)()
            finally:
                queue.release(record.info)

    event.listen(engine, "commit", lambda conn: _end_then_release(conn, "commit"))
    event.listen(engine, "rollback", lambda conn: _end_then_release(conn, "rollback"))

    # A connection returned, reset or closed without either event (an error path).
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        queue.release(record.info)

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_conn, record):
        queue.release(record.info)
        queue.forget(record.info)


class WriterQueue:
    """An exclusive flock per database file that writing transactions hold from their
    BEGIN IMMEDIATE to their COMMIT or ROLLBACK.

    Threads and processes waiting for it sleep in the kernel and are woken the moment it
    is released; a process that dies releases it with its file descriptors. Each pooled
    connection has its own descriptor (kept in the pool record's ``info``), so two
    connections of one thread exclude each other just as two processes do.
    """

    def __init__(self, path):
        self.path = path

    def _fd(self, info):
        fd = info.get("ppid_writer_fd")
        if fd is None:
            fd = info["ppid_writer_fd"] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return fd

    def acquire(self, info):
        fcntl.flock(self._fd(info), fcntl.LOCK_EX)
        info["ppid_writer_held"] = True

    def holds(self, info):
        return info.get("ppid_writer_held", False)

    def release(self, info):
        if info.pop("ppid_writer_held", False):
            fcntl.flock(info["ppid_writer_fd"], fcntl.LOCK_UN)

    def forget(self, info):
        fd = info.pop("ppid_writer_fd", None)
        if fd is not None:
            os.close(fd)
