"""Index updates from web requests applied by the background drainer (production's mode).

The rest of the suite indexes after each response (SEARCH_DRAIN_DELAY = 0) for
determinism; these tests run the background thread the way gunicorn workers do.
"""
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.core.db import utcnow
from ppid.extensions import db
from ppid.search import index as sindex
from ppid.search import indexing
from ppid.search.indexing import drain_if_pending, pending_count
from ppid.search.models import SearchPending
from tests.conftest import wait_until as _wait
from tests.web.test_requests_web import api_data


@pytest.fixture
def background(app):
    with app.app_context():
        sindex.clear(app)
    app.config["SEARCH_DRAIN_DELAY"] = 0.05
    yield
    app.config["SEARCH_DRAIN_DELAY"] = 0
    with app.app_context():
        _wait(lambda: pending_count() == 0)
        sindex.clear(app)


def _search_total(client, q):
    return client.get(f"/api/v1/search?q={q}&type=request").get_json()["total"]


def test_submissions_become_searchable_without_a_drain_in_the_request(client, factories,
                                                                      background):
    factories.agency(slug="dinkes", name="Dinas Kesehatan Uji")
    db.session.commit()
    for word in ("zamrudsatu", "zamruddua", "zamrudtiga"):
        resp = client.post("/api/v1/requests", json=api_data(information=f"Data {word} 2025"))
        assert resp.status_code == 201, resp.get_json()
    # The test client shares this test's session: end its transaction, as a worker would.
    db.session.rollback()
    # The responses did not wait for the index; the thread applies all three soon after.
    assert _wait(lambda: pending_count() == 0)
    for word in ("zamrudsatu", "zamruddua", "zamrudtiga"):
        assert _search_total(client, word) == 1


def test_a_search_leaves_fresh_changes_to_the_drainer_and_applies_old_ones(app, ctx,
                                                                           background):
    app.config["SEARCH_DRAIN_DELAY"] = 3600  # the thread never gets to it in this test
    indexing._leftovers_checked.clear()
    fresh = SearchPending(doc_type="request", doc_id="999001", queued_at=utcnow())
    db.session.add(fresh)
    db.session.commit()
    drain_if_pending(app)
    assert pending_count() == 1  # young: the background drainer's work

    db.session.execute(sa.update(SearchPending).values(
        queued_at=utcnow() - timedelta(hours=5)))  # its drainer died (a killed worker)
    db.session.commit()
    drain_if_pending(app)
    assert pending_count() == 1  # searches look for leftovers once a second, not each time
    indexing._leftovers_checked.clear()  # (a second later)
    drain_if_pending(app)
    assert pending_count() == 0
    app.config["SEARCH_DRAIN_DELAY"] = 0.05


def test_drain_slots_are_shared_instants_of_the_wall_clock():
    from ppid.search.indexing import until_next_slot
    assert until_next_slot(1.0, now=100.25) == pytest.approx(0.75)
    assert until_next_slot(1.0, now=100.0) == pytest.approx(1.0)  # never 0: no busy loop
    assert until_next_slot(2.0, now=101.5) == pytest.approx(0.5)
    assert until_next_slot(0, now=101.5) == 0.0
    # Two processes told of changes at different moments wake at the same instant.
    assert 100.3 + until_next_slot(1.0, now=100.3) == pytest.approx(
        100.9 + until_next_slot(1.0, now=100.9))


def test_drainer_skips_the_index_when_another_process_applied_the_queue(app, ctx, background,
                                                                        monkeypatch):
    from ppid.search import indexing
    calls = []
    monkeypatch.setattr(indexing, "_drain_in_context", lambda a: calls.append(a) or 0)
    drainer = indexing.background_drainer(app)
    drainer.notify()  # told of a change, but the queue is already empty
    assert _wait(lambda: not drainer._wake.is_set() and not drainer._draining)
    time.sleep(0.2)
    assert calls == []


def test_rows_left_while_another_process_writes_the_index_are_applied_next_slot(
        app, client, factories, background):
    import fcntl
    import os
    factories.agency(slug="dinkes", name="Dinas Kesehatan Uji")
    db.session.commit()
    lock_file = sindex.index_dir(app) / "ppid-writer.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as another worker's drain would hold it
        resp = client.post("/api/v1/requests", json=api_data(information="Data kecubung"))
        assert resp.status_code == 201
        db.session.rollback()
        time.sleep(0.3)  # several slots pass: each finds the lock busy and keeps the rows
        assert pending_count() > 0
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert _wait(lambda: pending_count() == 0)
    assert _search_total(client, "kecubung") == 1
