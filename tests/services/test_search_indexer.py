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
from tests.search_records import make_dip_item
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


@pytest.fixture
def text_job(ctx, factories):
    """A published item whose new document's text the job worker has still to read (its
    job queued, the item's index entry applied): as a freshly seeded demo leaves them."""
    import io

    from werkzeug.datastructures import FileStorage

    from ppid.registry import services as registry
    from tests import documents
    if backend.name(ctx) == "whoosh":
        sindex.clear(ctx)
    a = factories.agency()
    db.session.commit()
    item = make_dip_item(a, "Rekapitulasi pegawai semester pertama")
    registry.add_version(item, FileStorage(io.BytesIO(documents.docx(["Sebaran golongan"])),
                                           filename="rekap.docx"), actor=None)
    db.session.commit()
    indexing.drain(ctx)
    yield ctx, item
    if backend.name(ctx) == "whoosh":
        sindex.clear(ctx)


def test_a_job_finishing_after_the_stop_is_indexed_before_the_worker_exits(
        text_job, monkeypatch):
    """bench/load.sh ended with ``reindex --check`` reporting ``usang: dip:53``: the
    worker's stop ended the search indexer's rounds at once, while the job in hand (a
    document's text) committed after the indexer's last round, leaving its item queued
    and stale in the index. Now the threads stop after the job loop (on PostgreSQL the row
    is written with the text, in the job's transaction)."""
    from ppid.cli import run_background
    from ppid.core import jobs
    from ppid.search.cli import check_index
    app, item = text_job
    app.config["SEARCH_DRAIN_DELAY"] = 0.1
    stop, in_job = threading.Event(), threading.Event()

    def slow_child(script, args, input_bytes, limits):   # the extraction, under load
        in_job.set()
        stop.wait(10)
        indexer = [t for t in threading.enumerate() if t.name == "search-indexer"]
        for thread in indexer:
            thread.join(2)   # its last round, were it stopping with the job loop
        return jobs.ChildResult(output=b'{"ok": true, "text": "Sebaran golongan ruang"}')
    monkeypatch.setattr(jobs, "run_limited", slow_child)
    worker = threading.Thread(target=run_background, args=(app, stop))
    worker.start()
    try:
        assert in_job.wait(20), "the worker took no job"
        stop.set()   # SIGTERM, as gunicorn's on_exit sends it
    finally:
        stop.set()
        worker.join(30)
        app.config["SEARCH_DRAIN_DELAY"] = 1.0
    assert not worker.is_alive()
    db.session.rollback()
    assert (pending_count() if backend.name(app) == "whoosh" else 0) == 0
    assert check_index(app) == ([], [], [])
    assert [h.public_id for h in services.search(services.SearchParams(q="golongan")).hits] \
        == [str(item.id)]
