"""Database base pieces: naming convention, UTC timestamps, SQLite transaction mode."""
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


def install_sqlite_pragmas(engine, wants_immediate):
    """SQLite: WAL, foreign keys, and BEGIN IMMEDIATE for writing units of work.

    A deferred SQLite transaction that first reads and then writes fails with
    SQLITE_BUSY when another writer committed meanwhile; writing units of work
    therefore take the write lock when they begin. ``wants_immediate()`` says
    whether the current unit of work writes (non-GET web requests, CLI, tests); a
    connection with the execution option ``ppid_read_only=True`` never takes it.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        if engine.url.database and engine.url.database != ":memory:":
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        read_only = conn.get_execution_options().get("ppid_read_only", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_immediate() and not read_only
                             else "BEGIN")
