"""The background-job queue (ppid.core.jobs): per-app kinds, safe claims on SQLite and
PostgreSQL, back-off and bounded attempts, expired leases, the worker command and its
process beside gunicorn."""
import signal
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid import create_app
from ppid.core import jobs
from ppid.core.db import utcnow
from ppid.core.models import Job
from ppid.extensions import db
from tests.conftest import base_config, gunicorn_conf, wait_until

ECHO = "test.echo"


@pytest.fixture
def echo_kind(ctx, tmp_path):
    """A kind whose child prints its input reversed, or exits 3 when the payload says so;
    what apply and give_up saw is kept in ``seen``."""
    script = tmp_path / "echo.py"
    script.write_text("import sys\n"
                      "data = sys.stdin.buffer.read()\n"
                      "if sys.argv[1] == 'crash':\n"
                      "    raise SystemExit(3)\n"
                      "sys.stdout.buffer.write(data[::-1])\n")
    seen = {"applied": [], "gave_up": []}
    kind = jobs.JobKind(
        ECHO, script,
        prepare=lambda p: jobs.ChildCall(("crash" if p.get("crash") else "ok",),
                                         p["text"].encode()),
        apply=lambda p, out: seen["applied"].append(out.decode()),
        give_up=lambda p, reason: seen["gave_up"].append(reason),
        limits=lambda: jobs.Limits(10, 256))
    jobs.register_kind(ctx, kind)
    yield seen
    jobs.kinds(ctx).pop(ECHO, None)


def _queue(*payloads):
    for p in payloads:
        jobs.enqueue(ECHO, p)
    db.session.commit()


def _job(job_id=None):
    db.session.rollback()
    q = sa.select(Job).order_by(Job.id.desc()).limit(1) if job_id is None else \
        sa.select(Job).where(Job.id == job_id)
    job = db.session.execute(q).scalar_one()
    db.session.expunge(job)  # read as it is now; the test's session holds no transaction
    db.session.rollback()
    return job


def test_job_kinds_belong_to_their_app(ctx, echo_kind, tmp_path):
    other = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'other.sqlite3'}"))
    assert ECHO in jobs.kinds(ctx) and ECHO not in jobs.kinds(other)
    assert "registry.document_text" in jobs.kinds(other)  # each app registers its own
    with pytest.raises(LookupError, match="unknown job kind"):
        jobs.enqueue("no.such.kind", {})


def test_a_job_runs_after_commit_and_records_its_result(ctx, echo_kind):
    _queue({"text": "abc"})
    assert echo_kind["applied"] == []  # queued only: nothing ran on the writer's path
    assert jobs.run_pending() == {jobs.DONE: 1}
    assert echo_kind["applied"] == ["cba"]
    job = _job()
    assert (job.state, job.attempts, job.last_error) == (jobs.DONE, 1, None)
    assert job.finished_at is not None and job.lease_expires_at is None


def test_a_rolled_back_transaction_leaves_no_job(ctx, echo_kind):
    jobs.enqueue(ECHO, {"text": "x"})
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(Job.id))).scalar_one() == 0


def test_failures_back_off_and_end_after_max_attempts(ctx, echo_kind):
    ctx.config.update(JOB_RETRY_SECONDS=30, JOB_MAX_ATTEMPTS=3)
    try:
        _queue({"text": "x", "crash": True})
        started = utcnow()
        assert jobs.run_pending() == {jobs.RETRIED: 1}
        job = _job()
        assert (job.state, job.attempts, job.last_error) == (jobs.QUEUED, 1, jobs.CRASHED)
        assert timedelta(seconds=29) < job.run_after - started < timedelta(seconds=40)
        assert jobs.run_pending() == {}  # not ready before its back-off ends
        db.session.execute(sa.update(Job).values(run_after=utcnow()))  # its time came
        db.session.commit()
        before = utcnow()
        assert jobs.run_pending() == {jobs.RETRIED: 1}
        job = _job()
        assert timedelta(seconds=59) < job.run_after - before < timedelta(seconds=70)  # 2x
        db.session.execute(sa.update(Job).values(run_after=utcnow()))
        db.session.commit()
        assert jobs.run_pending() == {jobs.FAILED: 1}
        job = _job()
        assert (job.state, job.attempts) == (jobs.FAILED, 3)
        assert echo_kind["gave_up"] == [jobs.CRASHED] and echo_kind["applied"] == []
        db.session.execute(sa.update(Job).values(run_after=utcnow()))
        db.session.commit()
        assert jobs.run_pending() == {}  # a failed job is never taken again
    finally:
        ctx.config.update(JOB_RETRY_SECONDS=60, JOB_MAX_ATTEMPTS=3)


def test_an_expired_lease_is_claimed_again_and_the_first_worker_loses_it(ctx, echo_kind):
    _queue({"text": "abc"})
    first = jobs.claim(ctx, "worker-a")
    assert first.attempts == 1 and jobs.claim(ctx, "worker-b") is None  # leased
    db.session.execute(sa.update(Job).values(lease_expires_at=utcnow() - timedelta(1)))
    db.session.commit()
    second = jobs.claim(ctx, "worker-b")  # worker-a is taken for dead
    assert (second.id, second.attempts) == (first.id, 2)
    assert jobs.run_claimed(ctx, first) is None  # its result is not recorded over b's
    assert jobs.run_claimed(ctx, second) == jobs.DONE
    assert echo_kind["applied"] == ["cba"]
    assert _job().claimed_by == "worker-b"


def test_a_job_whose_worker_died_on_its_last_attempt_is_given_up(ctx, echo_kind):
    _queue({"text": "abc"})
    db.session.execute(sa.update(Job).values(state=jobs.RUNNING, attempts=3,
                                             lease_expires_at=utcnow() - timedelta(1)))
    db.session.commit()
    assert jobs.run_pending() == {jobs.FAILED: 1}
    assert echo_kind["gave_up"] == ["lease expired"] and echo_kind["applied"] == []


def test_concurrent_workers_never_claim_the_same_job(ctx, echo_kind):
    """Four workers claim at once (own connections; PostgreSQL: SKIP LOCKED, SQLite: the
    conditional UPDATE under its write lock): every job is claimed exactly once."""
    _queue(*[{"text": str(n)} for n in range(40)])
    claimed, errors = [], []
    start = threading.Barrier(4)

    def work(name):
        try:
            start.wait()
            while (job := jobs.claim(ctx, name)) is not None:
                claimed.append(job.id)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(claimed) == 40 and len(set(claimed)) == 40


def test_run_pending_refuses_to_run_inside_the_callers_transaction(ctx, echo_kind):
    jobs.enqueue(ECHO, {"text": "x"})
    with pytest.raises(RuntimeError, match="commit"):
        jobs.run_pending()
    db.session.rollback()


def test_the_worker_command_once_runs_what_is_ready_and_exits(app, ctx, echo_kind):
    _queue({"text": "abc"}, {"text": "xyz"})
    result = app.test_cli_runner().invoke(args=["ppid", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "pekerjaan latar: 2 selesai, 0 akan diulang, 0 gagal" in result.output
    assert sorted(echo_kind["applied"]) == ["cba", "zyx"]


@pytest.mark.parametrize("whole_group", [False, True])
def test_gunicorn_config_runs_the_job_worker_beside_the_workers(app, ctx, monkeypatch,
                                                                whole_group):
    """gunicorn.conf.py's hooks, as gunicorn calls them: a real `flask ppid worker` on this
    suite's database reads a queued document's text, and stops with exit status 0 (also
    when, as systemd does, it got its own SIGTERM first)."""
    from tests import documents
    from tests.services.test_document_extraction import _status, _upload
    from tests.services.test_registry_staleness import TODAY, make_catalogue, published_item
    from tests.conftest import make_agency
    item = published_item(make_agency(), make_catalogue()["a"], TODAY)
    db.session.commit()
    version_id = _upload(item, documents.docx([f"Dokumen proses {whole_group}"]), "p.docx")
    conf, Server = gunicorn_conf(app, monkeypatch)
    monkeypatch.setenv("PPID_JOB_POLL_SECONDS", "0.2")
    monkeypatch.delenv("PPID_JOB_WORKER", raising=False)
    conf.on_starting(Server)
    proc = conf._processes["worker"]
    try:
        assert wait_until(lambda: _status(version_id)[0] == "done", timeout=60)
    finally:
        if whole_group:
            proc.send_signal(signal.SIGTERM)
        conf.on_exit(Server)
    assert proc.returncode == 0
    assert "Dokumen proses" in _status(version_id)[2]
    assert any("job worker stopped (exit 0)" in m for m in Server.log.messages)
