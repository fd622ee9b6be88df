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
from ppid.search.indexing import drain_if_pending, pending_count
from ppid.search.models import SearchPending
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


def _wait(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


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
    fresh = SearchPending(doc_type="request", doc_id="999001", queued_at=utcnow())
    db.session.add(fresh)
    db.session.commit()
    drain_if_pending(app)
    assert pending_count() == 1  # young: the background drainer's work

    db.session.execute(sa.update(SearchPending).values(
        queued_at=utcnow() - timedelta(hours=5)))  # its drainer died (a killed worker)
    db.session.commit()
    drain_if_pending(app)
    assert pending_count() == 0
    app.config["SEARCH_DRAIN_DELAY"] = 0.05
