"""Why conditional requests were slow (issue #19 section 2): before its ETag check, a 304
read the content stamp and the publications' clock stamp on two pooled connections of their
own (two BEGINs and two SELECTs, ~3 statements and two checkouts a request: about as much
time as the whole rest of the request). Now the stamp is read on one connection and
remembered in the process while this host has committed no write (the stamp file is
unchanged) and for at most PUBLIC_PAGE_STAMP_SECONDS, so a surge of 304s reads no database;
a write of this host is seen at once, a write of another host within the bound."""
import os
import time

import pytest
import sqlalchemy as sa

from ppid.agencies.models import Agency
from ppid.core import public_cache
from ppid.extensions import db


@pytest.fixture
def statements(app):
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def _agency(factories):
    agency = factories.agency(name="Dinas Stempel", slug="dinas-stempel")
    db.session.commit()
    return agency


def test_a_304_reads_no_database_while_nothing_was_written(app, factories, statements):
    _agency(factories)
    c = app.test_client()
    etag = c.get("/").headers["ETag"]
    assert c.get("/", headers={"If-None-Match": etag}).status_code == 304
    statements.clear()
    for _ in range(20):
        assert c.get("/", headers={"If-None-Match": etag}).status_code == 304
    assert statements == []


def test_a_write_of_this_host_is_seen_at_once(app, factories):
    agency = _agency(factories)
    c = app.test_client()
    etag = c.get("/").headers["ETag"]
    agency.name = "Dinas Stempel Baru"
    db.session.commit()
    resp = c.get("/", headers={"If-None-Match": etag})
    assert resp.status_code == 200 and "Dinas Stempel Baru" in resp.get_data(as_text=True)


def test_a_write_of_another_host_is_seen_within_the_bound(app, factories, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_STAMP_SECONDS", 0.5)
    agency = _agency(factories)
    c = app.test_client()
    etag = c.get("/").headers["ETag"]
    assert c.get("/", headers={"If-None-Match": etag}).status_code == 304
    stamp_file = public_cache._state(app)["stamp_file"]
    before = os.stat(stamp_file).st_mtime_ns
    # Another host's writes reach this one through the audit log (every state change).
    from ppid.core import audit
    agency.name = "Dinas Stempel Host Lain"
    audit.record("agency.update", agency, actor=None, changes={"name": ["a", "b"]})
    db.session.commit()
    os.utime(stamp_file, ns=(before, before))  # as if another host had written it
    assert c.get("/", headers={"If-None-Match": etag}).status_code == 304
    time.sleep(0.6)
    resp = c.get("/", headers={"If-None-Match": etag})
    assert resp.status_code == 200 and "Dinas Stempel Host Lain" in resp.get_data(as_text=True)


def test_two_quick_writes_move_the_stamp_file_each(app, tmp_path):
    f = tmp_path / "stamp"
    public_cache.touch(f)
    first = os.stat(f).st_mtime_ns
    public_cache.touch(f)
    assert os.stat(f).st_mtime_ns > first
