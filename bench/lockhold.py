"""Lock holds of the registry's serialisation points, timed inside its gunicorn workers.

bench/load.py serves the registry as ``bench.lockhold:app``: the app of wsgi.py, plus
engine events that time, in each worker, how long each transaction held

* ``sqlite_write_lock``: SQLite's one write lock, from its BEGIN IMMEDIATE to the end of
  the COMMIT or ROLLBACK;
* ``registration_counter``: a registration number's counter row (the UPDATE of a
  ``request:...`` counter) to the end of its transaction;
* ``letter_counter``: an agency's outgoing letter number counter (the UPDATE of a
  ``letter:...`` counter; a submission draws its receipt's number before the registration
  number, so it holds this one longer), likewise;
* ``audit_chain_head``: the audit chain's head row (the UPDATE of the ``audit-chain``
  counter), likewise, when a writer takes it.

Each hold is appended as one line, "point milliseconds", to
``$PPID_BENCH_HOLDS_DIR/holds-<pid>.txt``: two clock readings and one write(2) per
transaction. :func:`read_holds` collects them for the summary.
"""
import os
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

POINTS = ("sqlite_write_lock", "registration_counter", "letter_counter", "audit_chain_head")
COUNTERS = {"request:": "registration_counter", "letter:": "letter_counter",
            "audit-chain": "audit_chain_head"}
_OPEN = "bench_open_holds"
_ENDING = "bench_ending"


def _counter_point(params):
    values = params.values() if isinstance(params, dict) else (params or ())
    for value in values:
        if isinstance(value, str):
            for prefix, point in COUNTERS.items():
                if value.startswith(prefix):
                    return point
    return None


def install(engine, directory):
    out = open(Path(directory) / f"holds-{os.getpid()}.txt", "a", buffering=1)

    def start(info, point):
        info.setdefault(_OPEN, {}).setdefault(point, time.perf_counter())

    def finish(info):
        holds = info.pop(_OPEN, None)
        info.pop(_ENDING, None)
        if holds:
            now = time.perf_counter()
            out.write("".join(f"{point} {(now - t) * 1000:.3f}\n" for point, t in holds.items()))

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _after_execute(conn, cursor, statement, params, context, executemany):
        info = conn.connection.info
        if info.get(_ENDING):
            finish(info)  # (a connection that went on after its commit)
        if statement == "BEGIN IMMEDIATE":
            start(info, "sqlite_write_lock")
        elif statement.startswith("UPDATE counter"):
            point = _counter_point(params)
            if point is not None:
                start(info, point)

    def _ending(conn):
        conn.connection.info[_ENDING] = True

    sa.event.listen(engine, "commit", _ending)
    sa.event.listen(engine, "rollback", _ending)

    @sa.event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):
        finish(record.info)  # after the DBAPI's commit or rollback

    return engine


def read_holds(directory):
    """{point: [milliseconds, ...]} from every worker's file."""
    holds = defaultdict(list)
    for path in Path(directory).glob("holds-*.txt"):
        for line in path.read_text().splitlines():
            point, _, ms = line.partition(" ")
            try:
                holds[point].append(float(ms))
            except ValueError:
                continue  # a line cut short by a killed worker
    return holds


if os.environ.get("PPID_BENCH_HOLDS_DIR"):
    from ppid.extensions import db
    from wsgi import app

    with app.app_context():
        install(db.engine, os.environ["PPID_BENCH_HOLDS_DIR"])
