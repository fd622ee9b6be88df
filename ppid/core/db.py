"""Database base pieces: naming convention, UTC timestamps, and how transactions begin.

**SQLite** follows SQLAlchemy's documented recipe for pysqlite (the SQLite dialect's
"Serializable isolation / Savepoints / Transactional DDL"): the driver's own transaction
handling is off (``isolation_level = None``: it emits no BEGIN of its own) and the
engine's ``begin`` event emits the BEGIN:

* ``BEGIN IMMEDIATE`` for a writing unit of work. It takes the database's one write lock
  before its first read, so it never fails half-way with SQLITE_BUSY because another
  writer committed between its reads and its writes;
* plain ``BEGIN`` for a reading one, which waits for nothing (WAL: readers read the last
  committed snapshot while a writer writes).

Which is which is the HTTP method of the request (:func:`wants_write_lock`): GET, HEAD and
OPTIONS read, and never write; every other request writes, and so does everything outside
a request (CLI commands, the job worker, tests' set-up). No view sets a flag. A connection
opened with the execution option ``ppid_read_only=True`` always reads (background readers:
the indexer's and the job worker's idle polls, backups).

**PostgreSQL** reads without a transaction: a reading unit of work (the same test) runs
in the driver's autocommit mode (SQLAlchemy's ``isolation_level="AUTOCOMMIT"`` execution
option, set on the connection as it is made and undone by the pool when it is returned).
At READ COMMITTED, PostgreSQL's default and the registry's, every statement of a
transaction reads its own snapshot anyway, so the reads see what they saw before; what goes
is the BEGIN and the ROLLBACK, two round trips a page, and above all what the ROLLBACK
did besides: psycopg forgets the connection's prepared statements on every ROLLBACK
(``DEALLOCATE ALL``), so with a page's read ending that way on every pooled connection no
statement was ever prepared and PostgreSQL planned each one anew (about half of its CPU on
the agency page, measured with bench/load.py). A reading unit of work never writes (tests
hold every page to it); if one did, its first writing statement would begin a transaction
(the connection leaves autocommit before it is sent), so the write commits or rolls back
with the unit as on SQLite, never on its own. A writing one begins a transaction as before.

**No lock without a timeout.** A writer that finds SQLite's write lock taken waits for it
in SQLite's busy handler for at most ``DB_LOCK_TIMEOUT_SECONDS``, then fails with
"database is locked"; PostgreSQL's row locks have the same bound (``lock_timeout``). A web
request answers either with a 503 that says to try again (ppid.core.web), never a 500 or
an endless wait. A second connection in one thread is simply another connection: a reader
reads beside the writer, a second writer waits the timeout and fails; nothing deadlocks.
"""
import re
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
        try:
            return value.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:  # a local time on 1 January of year 1 (forms bound their dates)
            raise ValueError(f"datetime out of range for a UTC column: {value!r}") from None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow():
    return datetime.now(timezone.utc)


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def wants_write_lock() -> bool:
    """Whether a unit of work beginning now writes: every web request but GET, HEAD and
    OPTIONS, and everything outside a web request (CLI, jobs, tests)."""
    from flask import has_request_context, request
    return not has_request_context() or request.method not in READING_METHODS


def install_transactions(engine, lock_timeout_seconds: float, writes=wants_write_lock):
    """SQLite: the pysqlite recipe above (WAL, ``synchronous=NORMAL``, foreign keys, the
    busy timeout, and BEGIN IMMEDIATE for the units of work ``writes()`` says write).
    PostgreSQL: ``lock_timeout`` on every new connection."""
    timeout_ms = int(lock_timeout_seconds * 1000)
    if engine.dialect.name == "postgresql":
        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_conn, _record):
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET lock_timeout = {timeout_ms}")
            dbapi_conn.commit()  # (a SET in a transaction that rolls back is undone)

        @event.listens_for(engine, "engine_connect")
        def _on_pg_unit(conn):
            options = conn.get_execution_options()
            if "isolation_level" in options:
                return  # the caller chose (a backup's REPEATABLE READ snapshot)
            if options.get("ppid_read_only", False) or not writes():
                conn.execution_options(isolation_level="AUTOCOMMIT", ppid_reading=True)

        @event.listens_for(engine, "before_cursor_execute")
        def _write_begins_transaction(conn, cursor, statement, parameters, context,
                                      executemany):
            if conn.get_execution_options().get("ppid_reading") and (
                    is_write(statement) or needs_transaction(statement)):
                dbapi_conn = conn.connection.dbapi_connection
                if dbapi_conn.autocommit:  # (nothing is open in autocommit: allowed)
                    dbapi_conn.autocommit = False  # this statement begins a transaction
        return
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # the driver emits no BEGIN: _on_begin does
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # WAL: commits survive an app crash
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={timeout_ms}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("ppid_read_only", False) or not writes():
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


_WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP|"
                          r"GRANT|REVOKE|COPY|VACUUM|LOCK|NOTIFY|CALL|DO)\b", re.IGNORECASE)
_READ_STARTS = ("SELECT", "SHOW", "SET", "RESET", "EXPLAIN", "VALUES", "BEGIN", "COMMIT",
                "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "WITH", "(")


def is_write(statement: str) -> bool:
    """Whether ``statement`` (SQL text) may change data: anything but a read, and a WITH
    query with a data-changing part (``SELECT ... FOR UPDATE`` reads)."""
    head = statement.lstrip()[:9].upper()
    if not head.startswith(_READ_STARTS):
        return True
    return head.startswith("WITH") and _WRITE_WORDS.search(statement) is not None


def needs_transaction(statement: str) -> bool:
    """Whether ``statement`` only works inside a transaction block: a SAVEPOINT (SQLAlchemy's
    ``begin_nested``), which a unit of work that began reading and goes on to write issues
    before its writes (a session kept across a GET and a POST, as the test client keeps
    it); in autocommit PostgreSQL refuses it ("SAVEPOINT can only be used in transaction
    blocks")."""
    return statement.lstrip()[:9].upper().startswith("SAVEPOINT")


SQLITE_BUSY = 5
PG_LOCK_NOT_AVAILABLE = "55P03"


def is_lock_timeout(exc) -> bool:
    """Whether ``exc`` (a DBAPI error, or SQLAlchemy's wrapper of one) is a lock that was
    not granted within the timeout: SQLite's SQLITE_BUSY ("database is locked", with its
    extended codes) or PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == SQLITE_BUSY
    return getattr(orig, "sqlstate", None) == PG_LOCK_NOT_AVAILABLE


def include_object(dialect_name):
    """An Alembic ``include_object`` hook: leaves out the tables of another database (a
    table's ``info["dialect"]``, e.g. the PostgreSQL search tables), so models and
    migrations compare equal on a database where they do not exist."""
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and not reflected:
            wanted = obj.info.get("dialect")
            return wanted is None or wanted == dialect_name
        return True
    return include
