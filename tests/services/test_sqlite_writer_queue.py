"""SQLite writers queue on the database's writer lock instead of SQLite's busy polling."""
import fcntl
import os
import threading
import time

import pytest
import sqlalchemy as sa

from ppid.core.db import install_sqlite_pragmas


@pytest.fixture
def engine(tmp_path):
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'q.sqlite3'}")
    install_sqlite_pragmas(eng, lambda: True)  # every transaction writes, as in the CLI
    with eng.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    yield eng
    eng.dispose()


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


def test_a_second_writer_waits_for_the_first_commit_and_then_proceeds(engine):
    order = []
    first_in = threading.Event()

    def first():
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t (who) VALUES ('first')"))
            first_in.set()
            time.sleep(0.3)
            order.append("first commits")

    def second():
        first_in.wait(5)
        with engine.begin() as conn:
            order.append("second begins")
            conn.execute(sa.text("INSERT INTO t (who) VALUES ('second')"))

    t1, b1 = _in_thread(first)
    t2, b2 = _in_thread(second)
    t1.join(10)
    t2.join(10)
    assert "error" not in b1 and "error" not in b2, (b1, b2)
    assert order == ["first commits", "second begins"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT who FROM t ORDER BY id")).scalars().all() == [
            "first", "second"]


def _flock_is_free(engine):
    fd = os.open(f"{engine.url.database}-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_a_writing_transaction_holds_the_flock_from_begin_to_commit(engine):
    assert _flock_is_free(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t (who) VALUES ('x')"))
        assert not _flock_is_free(engine)  # other writers sleep in the kernel meanwhile
    assert _flock_is_free(engine)
    with engine.execution_options(ppid_read_only=True).connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        assert _flock_is_free(engine)  # readers never take it


def test_the_lock_is_released_after_a_rollback_and_after_an_error(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t (who) VALUES ('lost')"))
            raise RuntimeError("boom")
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t (id, who) VALUES (1, 'a'), (1, 'b')"))

    def writer():
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t (who) VALUES ('after')"))
    t, box = _in_thread(writer)
    t.join(5)
    assert not t.is_alive(), "a released lock must not block the next writer"
    assert "error" not in box
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT who FROM t")).scalars().all() == ["after"]


def test_readers_do_not_queue_behind_a_writer(engine):
    reader = engine.execution_options(ppid_read_only=True)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO t (who) VALUES ('open')"))

        def read():
            with reader.connect() as rconn:
                return rconn.execute(sa.text("SELECT count(*) FROM t")).scalar_one()
        t, box = _in_thread(read)
        t.join(5)
        assert not t.is_alive() and box.get("value") == 0  # WAL: the committed snapshot
