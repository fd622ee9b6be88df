"""Requests' transactions, traced on the statements the app really sends: a GET reads and
never writes (it takes no write lock), a POST's unit of work begins IMMEDIATE and commits
once, and a database whose lock is held too long answers a clear 503 within the lock
timeout, never a 500, with nothing stored."""
import contextlib
import re
import sqlite3
import time

import pytest
import sqlalchemy as sa

from ppid import create_app
from ppid.extensions import db
from tests.conftest import base_config, login, make_agency
from tests.web.test_requests_web import api_data, count_requests, form_data, world  # noqa: F401

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextlib.contextmanager
def tracing(engine):
    """Every statement sent, as "BEGIN ...", "COMMIT", "ROLLBACK" or "<KIND> <table>"."""
    log = []

    def on_execute(conn, cursor, statement, params, context, many):
        if statement.startswith("BEGIN"):
            log.append(statement)
        else:
            kind = statement.split()[0]
            table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement)
            log.append(f"{kind} {table.group(1) if table else ''}".strip())

    def on_commit(conn):
        log.append("COMMIT")

    def on_rollback(conn):
        log.append("ROLLBACK")
    listeners = (("before_cursor_execute", on_execute), ("commit", on_commit),
                 ("rollback", on_rollback))
    for name, fn in listeners:
        sa.event.listen(engine, name, fn)
    try:
        yield log
    finally:
        for name, fn in listeners:
            sa.event.remove(engine, name, fn)


def _transactions(log):
    """[(begin statement or "BEGIN (implicit)", [statements...]), ...] in order."""
    out = []
    for entry in log:
        if entry.startswith("BEGIN"):
            out.append((entry, []))
        elif not out or out[-1][1][-1:] in (["COMMIT"], ["ROLLBACK"]):
            out.append(("BEGIN (implicit)", [entry]))  # PostgreSQL: the driver begins
        else:
            out[-1][1].append(entry)
    return out


def _writes(log):
    return [e for e in log if e.startswith(WRITES)]


def test_api_submission_is_one_immediate_transaction_that_commits(client, world):
    with tracing(db.engine) as log:
        resp = client.post("/api/v1/requests", json=api_data())
    assert resp.status_code == 201
    txns = [t for t in _transactions(log) if t[1] != ["ROLLBACK"]]
    assert len(txns) == 1, txns  # the response is built before the commit: nothing after
    begin, statements = txns[0]
    if db.engine.dialect.name == "sqlite":
        assert begin == "BEGIN IMMEDIATE"  # the write lock before the first read
    assert statements[-1] == "COMMIT" and "INSERT info_request" in statements
    assert resp.headers["Location"].endswith(resp.get_json()["registration_number"])


def test_web_form_submission_commits_once_and_redirects_to_its_receipt(client, world):
    login(client, world.citizen)
    db.session.commit()
    with tracing(db.engine) as log:
        resp = client.post("/permohonan/baru", data=form_data(),
                           content_type="multipart/form-data")
    assert resp.status_code == 303  # post/redirect/get: the receipt is a GET, which reads
    txns = [t for t in _transactions(log) if t[1] != ["ROLLBACK"]]
    assert len(txns) == 1, txns
    if db.engine.dialect.name == "sqlite":
        assert txns[0][0] == "BEGIN IMMEDIATE"
    assert txns[0][1][-1] == "COMMIT"
    number = db.session.execute(sa.text("SELECT registration_number FROM info_request")
                                ).scalar_one()
    assert number in client.get(resp.headers["Location"]).get_data(as_text=True)


def test_an_invalid_submission_writes_nothing(client, world):
    with tracing(db.engine) as log:
        resp = client.post("/api/v1/requests", json=api_data(agency="tidak-ada", email="x"))
    assert resp.status_code in (404, 422)
    assert not _writes(log) and "COMMIT" not in log
    assert count_requests() == 0


def _get_urls(number, request_id, token):
    return ["/", "/badan/dinkes", "/permohonan/baru", "/permohonan/register",
            f"/api/v1/requests/{number}", f"/lacak/{token}", "/kelola/permohonan",
            f"/kelola/permohonan/{request_id}"]


def test_get_requests_take_no_write_lock_and_write_nothing(app, client, world):
    resp = client.post("/api/v1/requests", json=api_data())
    number = resp.get_json()["registration_number"]
    token = resp.get_json()["tracking_url"].rsplit("/", 1)[1]
    request_id = db.session.execute(sa.text("SELECT id FROM info_request")).scalar_one()
    login(client, world.officer)
    db.session.commit()
    for url in _get_urls(number, request_id, token):
        with tracing(db.engine) as log:
            resp = client.get(url)
        assert resp.status_code < 400, (url, resp.status_code)
        assert "BEGIN IMMEDIATE" not in log, (url, log)
        assert not _writes(log), (url, _writes(log))


# --- A busy database ---------------------------------------------------------------------

LOCK_TIMEOUT = 0.5


@pytest.fixture
def busy_app(fresh_database_url, tmp_path):
    """An app of its own whose lock timeout is half a second, with one agency."""
    app = create_app({**base_config(tmp_path, fresh_database_url),
                      "DB_LOCK_TIMEOUT_SECONDS": LOCK_TIMEOUT})
    with app.app_context():
        db.create_all()
        make_agency(slug="dinkes", name="Dinas Kesehatan Uji", kind="utama")
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextlib.contextmanager
def lock_held(app):
    """Another writer holding the lock a submission needs: SQLite's write lock, or on
    PostgreSQL the registration counter's row."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        conn = sqlite3.connect(sa.engine.make_url(url).database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT value FROM counter WHERE name LIKE 'request:%' "
                             "FOR UPDATE"))
        yield
        conn.rollback()
    engine.dispose()


def _count(app):
    with app.app_context():
        return db.session.execute(sa.text("SELECT count(*) FROM info_request")).scalar_one()


def test_a_busy_database_answers_503_within_the_timeout_and_stores_nothing(busy_app):
    client = busy_app.test_client()
    assert client.post("/api/v1/requests", json=api_data(agency="dinkes")).status_code == 201
    with lock_held(busy_app):
        started = time.monotonic()
        resp = client.post("/api/v1/requests", json=api_data(agency="dinkes"))
        waited = time.monotonic() - started
        assert resp.status_code == 503, resp.get_data(as_text=True)
        assert resp.get_json()["error"] == "database_busy"
        assert "coba lagi" in resp.get_json()["message"]
        assert resp.headers["Retry-After"] == "2"
        assert LOCK_TIMEOUT * 0.8 <= waited < LOCK_TIMEOUT + 3
        page = client.post("/permohonan/baru", data=form_data(agency="dinkes"),
                           content_type="multipart/form-data")
        assert page.status_code == 503
        assert "belum ada yang tersimpan" in page.get_data(as_text=True)
        # Readers do not wait for the writer.
        started = time.monotonic()
        assert client.get("/badan/dinkes").status_code == 200
        assert time.monotonic() - started < LOCK_TIMEOUT
    assert _count(busy_app) == 1  # nothing of the refused ones
    assert client.post("/api/v1/requests", json=api_data(agency="dinkes")).status_code == 201
    assert _count(busy_app) == 2
