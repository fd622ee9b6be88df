"""Applying the Whoosh search queue: one way, the job worker's search-indexer thread
(``flask ppid worker``, which gunicorn.conf.py starts), plus ``flask ppid search-drain``
by hand. A search never applies it, nor writes anything (a GET never writes). On
PostgreSQL there is no queue: the thread has nothing to do."""
import signal
import threading

import pytest
import sqlalchemy as sa

from ppid.extensions import db
from ppid.search import backend, indexing, services
from ppid.search import index as sindex
from ppid.search.indexing import pending_count
from ppid.search.testing import make_dip_item
from tests.conftest import gunicorn_conf
from tests.conftest import wait_until as _wait


@pytest.fixture
def queued(ctx, factories):
    """Two changes left in the queue (as web requests leave them for the worker)."""
    if backend.name(ctx) != "whoosh":
        pytest.skip("the Whoosh backend's queue (this pass: PostgreSQL, which has none)")
    sindex.clear(ctx)
    sindex.get_index(ctx)
    a = factories.agency()
    db.session.commit()
    make_dip_item(a, "Rencana tata ruang pesisir")
    make_dip_item(a, "Laporan mangrove pesisir")
    db.session.commit()
    assert pending_count() == 2
    yield ctx
    sindex.clear(ctx)


def _found(q):
    return services.search(services.SearchParams(q=q)).total


def test_the_worker_thread_applies_the_queue_until_stopped(queued):
    app = queued
    app.config["SEARCH_DRAIN_DELAY"] = 0.1
    stop = threading.Event()
    thread = threading.Thread(target=indexing.run_indexer, args=(app, stop))
    thread.start()
    try:
        assert _wait(lambda: pending_count() == 0)
        assert _found("pesisir") == 2
    finally:
        stop.set()
        thread.join(10)
        app.config["SEARCH_DRAIN_DELAY"] = 1.0
    assert not thread.is_alive()


def test_the_worker_thread_rebuilds_a_missing_index_at_start(queued, caplog):
    app = queued
    sindex.clear(app)
    stop = threading.Event()
    stop.set()   # (one round: the start, then the last drain)
    indexing.run_indexer(app, stop)
    assert any("search index missing" in r.getMessage() for r in caplog.records)
    assert pending_count() == 0 and _found("pesisir") == 2


def test_a_search_never_applies_the_queue_nor_writes(queued, client):
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()[:2]).upper())
    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for url in ("/cari?q=pesisir", "/api/v1/search?q=pesisir", "/cari?q=pesisr"):
            assert client.get(url).status_code == 200
        assert _found("pesisir") == 0
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    writes = [s for s in statements
              if s.split()[0] in ("INSERT", "UPDATE", "DELETE") or s == "BEGIN IMMEDIATE"]
    assert writes == []
    assert pending_count() == 2   # left for the worker


def test_the_worker_once_applies_the_queue(queued):
    result = queued.test_cli_runner().invoke(args=["ppid", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 perubahan diterapkan ke indeks pencarian." in result.output
    assert pending_count() == 0 and _found("pesisir") == 2


def test_search_drain_applies_the_queue_by_hand(queued):
    result = queued.test_cli_runner().invoke(args=["ppid", "search-drain"])
    assert result.exit_code == 0, result.output
    assert "2 perubahan diterapkan ke indeks; 0 masih antre." in result.output
    assert _found("pesisir") == 2


def test_gunicorn_config_starts_the_job_worker_only(monkeypatch):
    monkeypatch.setenv("PPID_JOB_WORKER", "off")
    conf, Server = gunicorn_conf()
    assert [command for _n, _s, command in conf.BACKGROUND] == ["worker"]
    conf.on_starting(Server)
    assert conf._processes == {}
    conf.on_exit(Server)


@pytest.mark.parametrize("whole_group", [False, True])
def test_gunicorn_configs_job_worker_applies_the_queue(queued, monkeypatch, whole_group):
    """gunicorn.conf.py's hooks, as gunicorn calls them: a real `flask ppid worker` on this
    suite's database applies the queue, and stops with a last round and exit status 0,
    also when (as systemd does) it got its own SIGTERM before gunicorn sends one."""
    app = queued
    conf, Server = gunicorn_conf(app, monkeypatch)
    monkeypatch.setenv("PPID_SEARCH_DRAIN_DELAY", "0.2")
    monkeypatch.delenv("PPID_JOB_WORKER", raising=False)
    conf.on_starting(Server)
    proc = conf._processes["worker"]
    try:
        assert _wait(lambda: pending_count() == 0, timeout=60), "the worker applied nothing"
    finally:
        if whole_group:
            proc.send_signal(signal.SIGTERM)
        conf.on_exit(Server)
    assert proc.returncode == 0
    assert _found("pesisir") == 2
    assert any("job worker stopped (exit 0)" in m for m in Server.log.messages)
