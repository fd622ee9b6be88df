"""Audit events are written unlinked and linked after commit by one chainer (issue #13):
writers never read or lock the chain's head, and the chain stays gap-free and verifiable.

On the suite's database (SQLite, and PostgreSQL with scripts/test.sh), with real threads
and real concurrent transactions.
"""
import re
import sys
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ppid.core import audit
from ppid.core.db import utcnow
from ppid.core.models import AuditEvent
from ppid.extensions import db


def _linked():
    return db.session.execute(sa.select(AuditEvent.seq, AuditEvent.action, AuditEvent.id)
                              .where(AuditEvent.seq.is_not(None))
                              .order_by(AuditEvent.seq)).all()


def _count_unlinked():
    return db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.seq.is_(None))).scalar_one()


def test_a_writer_neither_reads_nor_locks_the_chain_head(ctx, factories):
    agency = factories.agency()
    db.session.commit()
    statements = []

    def on_execute(conn, cursor, statement, *_args):
        statements.append(" ".join(statement.split()[:3]))
    sa.event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        for i in range(3):
            audit.record("uji.ubah", agency, actor=None, changes={"i": i})
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", on_execute)
    writes = [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == ["INSERT INTO audit_event"] * 3, statements
    assert not [s for s in statements if "audit_event" in s and s.startswith("SELECT")]
    assert _count_unlinked() == 3 and _linked() == []


def test_the_chainer_links_in_the_order_written_gap_free_and_sealed(ctx, factories):
    agency = factories.agency()
    db.session.commit()
    audit.link_pending()  # (the agency's own event, if any)
    before = len(_linked())
    for i in range(3):
        audit.record("uji.satu", agency, actor=None, changes={"i": i})
    db.session.commit()
    audit.record("uji.dua", agency, actor=None)
    db.session.commit()
    assert audit.walk_chain().checked == before  # nothing of them is in the chain yet
    assert audit.unlinked().pending == 4
    with pytest.raises(RuntimeError, match="commit"):
        audit.link_pending()  # its transaction would wait for this one
    db.session.rollback()
    assert audit.link_pending() == 4
    assert audit.link_pending() == 0  # nothing twice
    rows = _linked()
    assert [seq for seq, _a, _id in rows] == list(range(1, before + 5))
    ids = [i for _s, _a, i in rows]
    assert ids == sorted(ids)  # the order they were written
    assert [a for _s, a, _i in rows[-4:]] == ["uji.satu"] * 3 + ["uji.dua"]
    report = audit.walk_chain()
    assert report.ok and report.checked == before + 4
    assert audit.unlinked() == audit.Unlinked()


def test_a_rolled_back_change_leaves_nothing_for_the_chainer(ctx, factories):
    agency = factories.agency()
    db.session.commit()
    audit.link_pending()
    audit.record("uji.batal", agency, actor=None)
    db.session.rollback()
    assert audit.link_pending() == 0 and _count_unlinked() == 0


def test_events_committed_out_of_writing_order_are_linked_as_they_commit(app, ctx):
    """PostgreSQL: an event written first may commit last. The chainer links what is
    committed; the late one gets the next place when it commits: no gap, no reordering of
    what was already linked."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers cannot interleave")
    table = AuditEvent.__table__
    late = Session(db.engine)
    row = {"occurred_at": utcnow(), "actor_label": "sistem", "object_type": "-",
           "changes": "{}"}
    late.execute(table.insert().values(action="uji.lambat", **row))  # id n, not committed
    db.session.execute(table.insert().values(action="uji.cepat", **row))  # id n + 1
    db.session.commit()
    assert audit.link_pending() == 1
    late.commit()
    late.close()
    assert audit.link_pending() == 1
    assert [a for _s, a, _i in _linked()] == ["uji.cepat", "uji.lambat"]
    assert audit.walk_chain().ok


def test_writers_and_chainers_at_once_give_one_gap_free_chain(app, ctx):
    """Eight writer threads append events while the chainer loop runs and a second chainer
    links too: every event is linked exactly once, in one gap-free chain that verifies."""
    db.session.commit()
    writers, per_writer = 8, 15
    errors = []
    stop = threading.Event()

    def write(n):
        try:
            with app.app_context():
                for i in range(per_writer):
                    audit.record("uji.serentak", None, actor=None, changes={"w": n, "i": i})
                    db.session.commit()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    def second_chainer():
        try:
            with app.app_context():
                while not stop.is_set():
                    audit.link_pending(batch=7)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    chainer = threading.Thread(target=audit.run_chainer, args=(app, stop, 0.01))
    other = threading.Thread(target=second_chainer)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    chainer.start()
    other.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    stop.set()  # the loop links once more before it returns
    chainer.join(30)
    other.join(30)
    assert not errors, errors
    rows = _linked()
    assert len(rows) == writers * per_writer and _count_unlinked() == 0
    assert [seq for seq, _a, _i in rows] == list(range(1, len(rows) + 1))
    report = audit.walk_chain()
    assert report.ok and report.checked == len(rows)


def test_audit_verify_reports_recent_unlinked_events_as_pending_and_old_ones_as_failure(
        app, ctx):
    runner = app.test_cli_runner()
    audit.record("uji.ubah", None, actor=None)
    db.session.commit()
    result = runner.invoke(args=["ppid", "audit-verify"])
    assert result.exit_code == 0, result.output
    assert "1 peristiwa audit terbaru menunggu ditautkan ke rantai" in result.stdout
    later = utcnow() + timedelta(seconds=app.config["AUDIT_LINK_GRACE_SECONDS"] + 5)
    result = runner.invoke(args=["ppid", "audit-verify", "--now", later.isoformat()])
    assert result.exit_code == 1
    assert re.search(r"GAGAL: 1 peristiwa audit belum ditautkan ke rantai lebih dari \d+ "
                     r"detik", result.stderr)
    assert "flask ppid worker" in result.stderr
    result = runner.invoke(args=["ppid", "audit-link"])
    assert result.exit_code == 0 and "1 peristiwa audit ditautkan" in result.stdout
    result = runner.invoke(args=["ppid", "audit-verify", "--now", later.isoformat()])
    assert result.exit_code == 0 and "OK: 1 peristiwa audit, rantai hash utuh" in result.stdout


def test_an_unlinked_event_must_be_linked_whole(ctx):
    """The database refuses an event with only some of its chain fields (a half-linked
    row would be neither pending nor verifiable)."""
    table = AuditEvent.__table__
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(table.insert().values(
            occurred_at=utcnow(), actor_label="sistem", action="uji", object_type="-",
            changes="{}", seq=1, prev_hash=audit.GENESIS))
    db.session.rollback()


def test_the_job_worker_links_new_events_and_the_rest_when_it_stops(app, ctx, monkeypatch):
    """The chainer runs in `flask ppid worker` (gunicorn.conf.py starts it): events are
    linked soon after their commit, and what is committed when it is told to stop is
    linked before it exits."""
    import os
    import signal
    import subprocess
    from pathlib import Path

    from ppid import ROOT
    from tests.conftest import wait_until
    env = dict(os.environ, PPID_ENV="testing",
               PPID_JOB_POLL_SECONDS="0.2", PPID_AUDIT_LINK_INTERVAL_SECONDS="0.1")
    for key in ("DATABASE_URL", "DATA_DIR", "SECRET_KEY", "AUDIT_KEY", "AUDIT_KEY_ID"):
        env[f"PPID_{key}"] = str(app.config[key])
    flask = Path(sys.executable).with_name("flask")
    db.session.commit()

    def unlinked_now():
        try:
            return _count_unlinked()
        finally:
            db.session.rollback()  # (a test's read would hold SQLite's write lock)
    proc = subprocess.Popen([str(flask), "--app", "wsgi", "ppid", "worker"], cwd=ROOT,
                            env=env)
    try:
        for i in range(3):
            audit.record("uji.ubah", None, actor=None, changes={"i": i})
            db.session.commit()
        assert wait_until(lambda: unlinked_now() == 0, timeout=30)
        for i in range(2):
            audit.record("uji.akhir", None, actor=None, changes={"i": i})
        db.session.commit()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert proc.returncode == 0
    assert unlinked_now() == 0
    report = audit.walk_chain()
    assert report.ok and report.checked == 5
    db.session.rollback()
