"""What the agency page sends to the database (issue #13 section 2: CPU per operation).

bench/load.py's default mix is 40 % submissions, 40 % agency pages, 20 % searches; every
submission moves the content stamp, so under that load nearly every agency page is
rendered, not served from the page cache. Its cost is the statements it sends, and on
PostgreSQL what each costs the server: a reading unit of work there runs without a
transaction (ppid.core.db), which keeps the connection's prepared statements (psycopg
drops them all at every ROLLBACK, so no page statement was ever prepared and PostgreSQL
planned each one anew).
"""
import contextlib
import re

import pytest
import sqlalchemy as sa

from ppid.core.db import is_write
from ppid.extensions import db
from tests.web.test_requests_web import api_data, world  # noqa: F401  (the fixture)


@contextlib.contextmanager
def statements(engine):
    """Every statement the engine sends, as (SQL, the connection's isolation level)."""
    log = []

    def on_execute(conn, cursor, statement, params, context, many):
        log.append((statement, conn.get_execution_options().get("isolation_level")))
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield log
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)


def _submit(client, n):
    resp = client.post("/api/v1/requests",
                       json=api_data(information=f"Data kasus DBD tahun 2025 (nomor {n})."))
    assert resp.status_code == 201, resp.get_data(as_text=True)


def _page(client, slug="dinkes", **args):
    resp = client.get(f"/badan/{slug}", query_string=args)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _is_postgresql():
    return db.engine.dialect.name == "postgresql"


def test_is_write_tells_reads_from_writes():
    for sql in ("SELECT 1", "  select max(id) from audit_event", "SHOW lock_timeout",
                "WITH t AS (SELECT 1) SELECT * FROM t", "SELECT id FROM job FOR UPDATE",
                "SELECT updated_at, deleted_flag FROM t"):
        assert not is_write(sql), sql
    for sql in ("INSERT INTO t VALUES (1)", "update t set x = 1", "DELETE FROM t",
                "WITH swap_0 AS (UPDATE t SET x = 1 RETURNING 1) SELECT count(*) FROM swap_0",
                "TRUNCATE t", "CREATE TABLE t (x int)"):
        assert is_write(sql), sql


def test_postgresql_pages_read_without_a_transaction_and_submissions_in_one(client, world):
    if not _is_postgresql():
        pytest.skip("PostgreSQL's reading units of work (SQLite: plain BEGIN, tested in "
                    "test_write_transactions.py)")
    with statements(db.engine) as log:
        _submit(client, 1)
    assert log and all(level != "AUTOCOMMIT" for _sql, level in log), log
    with statements(db.engine) as log:
        _page(client)
    assert log, "the page was rendered (a submission moved the stamp)"
    assert all(level == "AUTOCOMMIT" for _sql, level in log), log


def test_postgresql_page_views_keep_the_prepared_statements(client, world):
    """The finding: every page view ended with a ROLLBACK, after which psycopg deallocates
    every statement it prepared on that connection; now the page's statements stay
    prepared on the pooled connections from one view to the next."""
    if not _is_postgresql():
        pytest.skip("PostgreSQL's prepared statements")
    for n in range(12):  # psycopg prepares a statement on its 5th execution on a connection
        _page(client, v=n)  # (a query string of its own: rendered, not the kept copy)
    db.session.rollback()
    pool = db.engine.pool
    held = [db.engine.raw_connection() for _ in range(pool.checkedin())]
    try:
        prepared = []
        for raw in held:
            with raw.cursor() as cur:
                cur.execute("SELECT statement FROM pg_prepared_statements")
                prepared.append([row[0] for row in cur.fetchall()])
            raw.dbapi_connection.commit()
    finally:
        for raw in held:
            raw.close()
    everything = [s for names in prepared for s in names]
    assert any("FROM agency" in s for s in everything), prepared
    assert any("FROM info_request" in s for s in everything), prepared


def _agency_name(app):
    with app.app_context():
        name = db.session.execute(sa.text("SELECT name FROM agency WHERE slug = 'dinkes'")
                                  ).scalar_one()
        db.session.rollback()
        return name


def test_a_write_in_a_reading_unit_of_work_is_in_a_transaction(app, world):
    """No page writes (test_write_transactions.py walks them); if one did, on PostgreSQL
    its autocommit would have stored the write at once, whatever the unit did next: its
    first write begins a transaction instead, which rolls back or commits with the unit,
    as on SQLite."""
    update = sa.text("UPDATE agency SET name = 'Diubah' WHERE slug = 'dinkes'")
    with app.test_request_context("/badan/dinkes", method="GET"):
        db.session.execute(sa.text("SELECT count(*) FROM agency")).scalar_one()
        db.session.execute(update)
        db.session.rollback()
        db.session.remove()
    assert _agency_name(app) == "Dinas Kesehatan Uji"
    with app.test_request_context("/badan/dinkes", method="GET"):
        db.session.execute(update)
        db.session.execute(sa.text("SELECT count(*) FROM agency")).scalar_one()
        db.session.commit()
        db.session.remove()
    assert _agency_name(app) == "Diubah"


CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SET", "SHOW")
# The agency page after a submission: the content stamp (the newest audit event, the
# scheduled publications' clock), the agency with its parent, the kept sections'
# generations (registry, IKM), the requests' recent entries and figures, the news, the
# serta-merta banner, the agency's official channels.
PAGE_STATEMENTS = 9


def test_the_agency_page_after_a_submission_sends_at_most_nine_statements(client, world):
    _page(client)  # the kept sections (registry, IKM) made once
    for n in range(3):
        _submit(client, n)  # moves the stamp: the next view is rendered
        with statements(db.engine) as log:
            html = _page(client)
        sent = [sql for sql, _level in log if not sql.lstrip().upper().startswith(CONTROL)]
        assert len(sent) <= PAGE_STATEMENTS, "\n".join(sent)
        # The parent named on the page came with the agency (no second statement).
        assert "Diskominfo Uji" in html
        assert sum(1 for sql in sent if re.search(r"FROM agency\b", sql.split("JOIN")[0])) \
            == 1, sent


def test_a_rendered_page_takes_two_pooled_connections(client, world):
    """The content stamp's (which a 304 needs alone) and the page's session, which also
    reads the banner: each checkout is a ping on PostgreSQL (pool_pre_ping)."""
    _page(client)
    _submit(client, 1)
    checkouts = []

    def on_checkout(*_args):
        checkouts.append(1)
    sa.event.listen(db.engine.pool, "checkout", on_checkout)
    try:
        html = _page(client)
    finally:
        sa.event.remove(db.engine.pool, "checkout", on_checkout)
    assert len(checkouts) <= 2, len(checkouts)
    assert "Dinas Kesehatan Uji" in html
