"""How transactions begin and wait (ppid.core.db): SQLAlchemy's pysqlite recipe on SQLite,
BEGIN IMMEDIATE for writing units of work, and a timeout on every lock wait.

Traced on a real SQLite file (and, where it applies, the suite's PostgreSQL): the statements
the engine really sends, real threads and real processes.
"""
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
import sqlalchemy as sa

from ppid.core.db import install_transactions, is_lock_timeout
from ppid.extensions import db

TIMEOUT = 0.5  # seconds: the lock timeout of these engines


def _sqlite_engine(path, writes=lambda: True, timeout=TIMEOUT):
    eng = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": timeout})
    install_transactions(eng, timeout, writes=writes)
    return eng


@pytest.fixture
def engine(tmp_path):
    eng = _sqlite_engine(tmp_path / "t.sqlite3")
    with eng.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    yield eng
    eng.dispose()


def _begins(engine):
    log = []

    def on_execute(conn, cursor, statement, *_args):
        if statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            log.append(statement)
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    return log


def _in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc
    t = threading.Thread(target=run)
    t.start()
    return t, box


def test_the_connection_is_opened_as_the_recipe_says(engine):
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.isolation_level is None  # the driver emits no BEGIN of its own
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1,
                       "busy_timeout": int(TIMEOUT * 1000)}


def test_writing_units_begin_immediate_reading_ones_deferred(tmp_path):
    writes = {"now": True}
    eng = _sqlite_engine(tmp_path / "m.sqlite3", writes=lambda: writes["now"])
    log = _begins(eng)
    with eng.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    writes["now"] = False
    with eng.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM t").scalar()
    writes["now"] = True
    with eng.execution_options(ppid_read_only=True).connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM t").scalar()
    assert log == ["BEGIN IMMEDIATE", "BEGIN", "BEGIN"]
    eng.dispose()


def test_savepoints_work_inside_the_transaction(engine):
    """The point of the recipe: pysqlite's own BEGIN handling broke SAVEPOINT."""
    log = _begins(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t (who) VALUES ('kept')")
        nested = conn.begin_nested()
        conn.exec_driver_sql("INSERT INTO t (who) VALUES ('undone')")
        nested.rollback()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT who FROM t").scalars().all() == ["kept"]
    assert log[0] == "BEGIN IMMEDIATE" and log[1].startswith("SAVEPOINT")
    assert log[2].startswith("ROLLBACK TO SAVEPOINT")


def test_two_writers_in_two_threads_both_complete_in_order(engine):
    order = []
    first_in = threading.Event()

    def first():
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t (who) VALUES ('first')")
            first_in.set()
            time.sleep(0.2)
            order.append("first commits")

    def second():
        first_in.wait(5)
        with engine.begin() as conn:  # waits in BEGIN IMMEDIATE for the first's commit
            order.append("second begins")
            conn.exec_driver_sql("INSERT INTO t (who) VALUES ('second')")

    t1, b1 = _in_thread(first)
    t2, b2 = _in_thread(second)
    t1.join(10)
    t2.join(10)
    assert "error" not in b1 and "error" not in b2, (b1, b2)
    assert order == ["first commits", "second begins"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT who FROM t ORDER BY id").scalars().all() == [
            "first", "second"]


WRITER = textwrap.dedent("""
    import sys, time
    import sqlalchemy as sa
    from ppid.core.db import install_transactions
    eng = sa.create_engine("sqlite:///" + sys.argv[1])
    install_transactions(eng, 10.0)
    with eng.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t (who) VALUES (?)", (sys.argv[2],))
        print("in", flush=True)
        time.sleep(float(sys.argv[3]))
""")


def test_two_writers_in_two_processes_both_complete(engine):
    path = engine.url.database
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    procs = []
    for who, hold in (("a", "0.3"), ("b", "0.3")):
        procs.append(subprocess.Popen([sys.executable, "-c", WRITER, path, who, hold],
                                      stdout=subprocess.PIPE, env=env, text=True))
        if who == "a":
            assert procs[0].stdout.readline().strip() == "in"  # a holds the lock now
    started = time.monotonic()
    for p in procs:
        p.communicate(timeout=20)
    assert [p.returncode for p in procs] == [0, 0]
    assert time.monotonic() - started < 10
    with engine.connect() as conn:
        assert sorted(conn.exec_driver_sql("SELECT who FROM t").scalars()) == ["a", "b"]


def test_a_second_connection_in_one_thread_does_not_deadlock(engine):
    """A reader beside the open writer reads the committed snapshot at once; a second
    writer waits the lock timeout and fails with a lock error (the old flock queue waited
    forever here)."""
    reader = engine.execution_options(ppid_read_only=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t (who) VALUES ('open')")
        with reader.connect() as rconn:
            assert rconn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError) as caught:
            with engine.begin() as second:
                second.exec_driver_sql("INSERT INTO t (who) VALUES ('second')")
        waited = time.monotonic() - started
    assert is_lock_timeout(caught.value)
    assert TIMEOUT * 0.8 <= waited < TIMEOUT + 2
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT who FROM t").scalars().all() == ["open"]


def test_the_lock_is_released_after_a_rollback_and_after_an_error(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t (who) VALUES ('lost')")
            raise RuntimeError("boom")
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t (id, who) VALUES (1, 'a'), (1, 'b')")

    def writer():
        with engine.begin() as conn:  # not blocked by anything left behind
            conn.exec_driver_sql("INSERT INTO t (who) VALUES ('after')")
    t, box = _in_thread(writer)
    t.join(5)
    assert not t.is_alive() and "error" not in box, box
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT who FROM t").scalars().all() == ["after"]


def test_other_errors_are_not_lock_timeouts(engine):
    with pytest.raises(sa.exc.OperationalError) as caught:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT * FROM no_such_table")
    assert not is_lock_timeout(caught.value)


def test_postgresql_row_locks_wait_at_most_the_lock_timeout(ctx):
    """PostgreSQL: every connection of the app has lock_timeout (DB_LOCK_TIMEOUT_SECONDS);
    a row lock not granted in time is a lock timeout, answered 503 by the web layer."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout")
    setting = db.session.execute(sa.text("SHOW lock_timeout")).scalar()
    assert setting == f"{int(ctx.config['DB_LOCK_TIMEOUT_SECONDS'])}s"
    db.session.execute(sa.text("INSERT INTO counter (name, value) VALUES ('t', 0)"))
    db.session.commit()
    holder = db.engine.connect()
    try:
        holder.execute(sa.text("SELECT value FROM counter WHERE name = 't' FOR UPDATE"))
        db.session.execute(sa.text("SET LOCAL lock_timeout = 300"))
        with pytest.raises(sa.exc.OperationalError) as caught:
            db.session.execute(sa.text("UPDATE counter SET value = 1 WHERE name = 't'"))
        assert is_lock_timeout(caught.value)
        db.session.rollback()
    finally:
        holder.rollback()
        holder.close()
