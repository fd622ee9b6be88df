"""The search indexer process (Whoosh backend): it applies the queue off the web workers
and proves it is alive with a heartbeat; searches apply the queue themselves only when it
is not. On PostgreSQL there is no queue and gunicorn starts no indexer."""
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from ppid.extensions import db
from ppid.search import backend, indexing, services
from ppid.search import index as sindex
from ppid.search.indexing import pending_count
from ppid.search.testing import make_dip_item
from tests.conftest import gunicorn_conf
from tests.conftest import wait_until as _wait

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queued(ctx, factories):
    """Two changes left in the queue (as web requests leave them for the indexer)."""
    if backend.name(ctx) != "whoosh":
        pytest.skip("the Whoosh backend's indexer (this pass: PostgreSQL, which has none)")
    sindex.clear(ctx)
    sindex.get_index(ctx)
    a = factories.agency()
    db.session.commit()
    make_dip_item(a, "Rencana tata ruang pesisir")
    make_dip_item(a, "Laporan mangrove pesisir")
    db.session.commit()
    assert pending_count() == 2
    indexing._alive_checked.clear()
    yield ctx
    indexing._alive_checked.clear()
    sindex.clear(ctx)


def _found(q):
    return services.search(services.SearchParams(q=q)).total


def test_indexer_applies_the_queue_and_beats_until_stopped(queued):
    app = queued
    app.config["SEARCH_DRAIN_DELAY"] = 0.1
    stop = threading.Event()
    thread = threading.Thread(target=indexing.run_indexer, args=(app, stop))
    thread.start()
    try:
        assert _wait(lambda: pending_count() == 0)
        assert indexing.heartbeat_path(app).exists() and indexing.indexer_alive(app)
        assert _found("pesisir") == 2
    finally:
        stop.set()
        thread.join(10)
        app.config["SEARCH_DRAIN_DELAY"] = 0
    assert not thread.is_alive() and not indexing.heartbeat_path(app).exists()


def test_a_stale_heartbeat_is_a_dead_indexer(queued):
    app = queued
    beat = indexing.heartbeat_path(app)
    beat.touch()
    assert indexing.indexer_alive(app)
    old = time.time() - indexing.stale_after(app) - 1
    os.utime(beat, (old, old))
    indexing._alive_checked.clear()
    assert not indexing.indexer_alive(app)
    beat.unlink()


def test_searches_leave_fresh_changes_to_a_live_indexer_and_apply_them_without(queued):
    app = queued
    beat = indexing.heartbeat_path(app)
    try:
        beat.touch()
        assert _found("pesisir") == 0 and pending_count() == 2  # the indexer's work
        beat.unlink()
        indexing._alive_checked.clear()
        assert _found("pesisir") == 2 and pending_count() == 0  # no indexer: done here
    finally:
        if beat.exists():
            beat.unlink()


def test_a_dead_indexers_leftovers_are_applied_by_a_search(queued):
    import sqlalchemy as sa
    from datetime import timedelta

    from ppid.core.db import utcnow
    from ppid.search.models import SearchPending
    app = queued
    beat = indexing.heartbeat_path(app)
    try:
        beat.touch()   # alive (say), but these rows are older than it would leave them
        db.session.execute(sa.update(SearchPending).values(
            queued_at=utcnow() - timedelta(seconds=indexing.stale_after(app) + 1)))
        db.session.commit()
        indexing._leftovers_checked.clear()
        assert _found("pesisir") == 2 and pending_count() == 0
    finally:
        beat.unlink()


def test_gunicorn_config_starts_no_indexer_for_postgresql(monkeypatch):
    monkeypatch.setenv("PPID_DATABASE_URL", "postgresql://ppid@127.0.0.1/ppid")
    monkeypatch.delenv("PPID_SEARCH_BACKEND", raising=False)
    monkeypatch.delenv("PPID_SEARCH_INDEXER", raising=False)
    monkeypatch.setenv("PPID_JOB_WORKER", "off")
    conf, Server = gunicorn_conf()
    conf.on_starting(Server)
    assert "search-indexer" not in conf._processes
    conf.on_exit(Server)


@pytest.mark.parametrize("whole_group", [False, True])
def test_gunicorn_config_runs_the_indexer_beside_the_workers(queued, monkeypatch,
                                                              whole_group):
    """gunicorn.conf.py's hooks, as gunicorn calls them: a real `flask ppid search-indexer`
    process on this suite's database, stopped with a last drain and exit status 0, also
    when (as systemd does) the indexer got its own SIGTERM before gunicorn sends one."""
    app = queued
    conf, Server = gunicorn_conf(app, monkeypatch)
    monkeypatch.setenv("PPID_SEARCH_DRAIN_DELAY", "0.2")
    monkeypatch.delenv("PPID_SEARCH_INDEXER", raising=False)
    monkeypatch.setenv("PPID_JOB_WORKER", "off")  # tests/services/test_jobs.py runs that one
    conf.on_starting(Server)
    proc = conf._processes["search-indexer"]
    try:
        assert _wait(lambda: pending_count() == 0, timeout=60), "the indexer applied nothing"
        assert _wait(lambda: indexing.heartbeat_path(app).exists())
    finally:
        if whole_group:
            proc.send_signal(signal.SIGTERM)
        conf.on_exit(Server)
    assert proc.returncode == 0
    assert not indexing.heartbeat_path(app).exists()
    assert _found("pesisir") == 2
    assert any("search indexer stopped (exit 0)" in m for m in Server.log.messages)
