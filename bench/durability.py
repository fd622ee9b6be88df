"""Durability fault runs: a burst of submissions while the database server, or the whole
application, is killed with SIGKILL and started again (bounded; only 127.0.0.1).

    # PostgreSQL at its production settings (scripts/pg.sh: pg_start DB durable), the
    # server (postmaster and every backend) SIGKILLed mid-burst and restarted:
    .venv/bin/python bench/durability.py --fault pg-kill --database "$PG_URL" \\
        --pg-data "$PG_DATA" --pg-bin "$PG_BIN" [--drop-caches]
    # SQLite (WAL): the gunicorn master, its workers and the search indexer SIGKILLed
    # mid-burst, then gunicorn started again (WAL recovery when the database is opened):
    .venv/bin/python bench/durability.py --fault app-kill

The clients keep submitting throughout (no POST is ever resent). Afterwards, with the
checks of bench/load.py: every request answered 201 is stored whole (one receipt letter,
one 'diterima' event) and once; no gap in the registration series that a 201 implies
(load.judge_series); `flask ppid audit-verify` passes; the search index matches; errors
were clean (5xx or a refused/broken connection) and only during the outage; and the
application recovered by itself within --max-recovery seconds (for pg-kill: the same
gunicorn workers, not restarted). Prints answered, stored, lost, duplicated, the errors
during the outage and the time to recover; exits 1 when a check fails (lost or duplicated
above 0 among them).

--drop-caches also runs `sync; echo 3 > /proc/sys/vm/drop_caches` between the kill and the
restart, so the recovery reads the database from the disk, not from memory; where that is
not permitted the run says so and is skipped. It does not simulate a power loss: sync
first writes everything the killed server had handed to the kernel, fsynced or not.
"""
import argparse
import json
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from load import (ROOT, VENV_BIN, Client, bench_app, bench_env, check_stored, children,
                  free_port, is_outage_error, reindex_check, split_by_fault, start_gunicorn)

SUBMIT_ONLY = (1.0, 1.0)  # the clients' mix: every operation a submission
DROP_CACHES = Path("/proc/sys/vm/drop_caches")
PRODUCTION = ("fsync", "synchronous_commit", "full_page_writes")


CAP_SYS_ADMIN = 21  # what writing drop_caches needs (besides a writable /proc/sys)


def may_drop_page_cache():
    """(True, '') if this process may drop the page cache, else (False, why not); looked
    up without dropping it."""
    if os.geteuid() != 0:
        return False, "not root"
    status = Path("/proc/self/status").read_text()
    effective = int(status.split("CapEff:", 1)[1].split()[0], 16)
    if not effective >> CAP_SYS_ADMIN & 1:
        return False, "no CAP_SYS_ADMIN"
    if not os.access(DROP_CACHES, os.W_OK):
        return False, f"{DROP_CACHES} is not writable"
    return True, ""


def drop_page_cache():
    """sync, then drop the page cache: (True, '') or (False, why it is not permitted)."""
    allowed, why = may_drop_page_cache()
    if not allowed:
        return False, why
    os.sync()
    try:
        with open(DROP_CACHES, "w") as f:
            f.write("3\n")
    except OSError as exc:
        return False, f"{DROP_CACHES}: {exc.strerror}"
    return True, ""


def is_gone(pid):
    """Whether the process has exited (a zombie waiting for its parent counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def kill_tree(pid):
    """SIGKILL ``pid`` and its children at once, as a crash would. It is stopped first,
    so it forks nothing between the listing and the kill, and killed last, so no child
    outlives it long enough to notice its death and say goodbye (a PostgreSQL backend
    would send 'terminating connection due to unexpected postmaster exit'). Returns the
    pids killed, ``pid`` first."""
    os.kill(pid, signal.SIGSTOP)
    victims = [pid, *children(pid)]
    for victim in reversed(victims):
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while not all(map(is_gone, victims)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return victims


class PostgresCluster:
    """The PostgreSQL cluster in ``data_dir``, as scripts/pg.sh starts it (its settings in
    its postgresql.conf): killed and started again as its owner."""

    def __init__(self, data_dir, bin_dir, log):
        self.data = Path(data_dir).resolve()
        self.pg_ctl = str(Path(bin_dir) / "pg_ctl") if bin_dir else "pg_ctl"
        self.log = Path(log) if log else self.data.parent / "server.log"
        owner = self.data.stat().st_uid
        self.as_owner = (["runuser", "-u", pwd.getpwuid(owner).pw_name, "--"]
                         if os.geteuid() == 0 and owner != 0 else [])

    def postmaster_pid(self):
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def kill(self):
        victims = kill_tree(self.postmaster_pid())
        # The restarted postmaster refuses to start while the pid in postmaster.pid still
        # exists, even as a zombie: wait for init to reap it (here it takes about 1 s).
        deadline = time.monotonic() + 15
        while Path(f"/proc/{victims[0]}").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return victims

    def start(self):
        # (pg_ctl warns "another server might be running": the stale postmaster.pid)
        done = subprocess.run([*self.as_owner, self.pg_ctl, "-D", str(self.data), "-l",
                               str(self.log), "-w", "-t", "60", "start"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}"
                               f"{self.log.read_text()[-2000:]}")

    def log_size(self):
        return self.log.stat().st_size if self.log.exists() else 0

    def recovery_lines(self, offset):
        """The server log's lines about crash recovery since ``offset``."""
        with open(self.log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        keys = ("not properly shut down", "was interrupted", "redo starts", "redo done",
                "checkpoint complete", "ready to accept", "PANIC", "invalid page",
                "checksum")
        return [line.split("LOG:", 1)[-1].strip() for line in text.splitlines()
                if any(k in line for k in keys)]


def ppid_command(env, *args):
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "ppid", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def audit_verify(env):
    # (First the chainer's work for what commands wrote after the job worker stopped.)
    ppid_command(env, "audit-link")
    return ppid_command(env, "audit-verify")


def audit_checkpoint(env):
    done = ppid_command(env, "audit-checkpoint")
    done.unavailable = "No such command" in done.stderr
    return done


def is_error_document(body):
    """A 5xx answered by the application as the API's JSON error (not a traceback, not a
    proxy's page)."""
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and {"error", "message"} <= doc.keys() \
        and b"Traceback" not in body


def summary(output, lines=3):
    """A command's output in a line: its first lines and how many more."""
    rows = output.strip().splitlines()
    more = f" (+{len(rows) - lines} more lines)" if len(rows) > lines else ""
    return "; ".join(rows[:lines]) + more


def count_text(counter):
    return ", ".join(f"{n} x {s}" for s, n in sorted(counter.items(), key=str)) or "none"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fault", choices=("pg-kill", "app-kill"), required=True)
    ap.add_argument("--database", default="sqlite",
                    help="pg-kill: the PostgreSQL URL of the cluster in --pg-data")
    ap.add_argument("--pg-data", help="pg-kill: the cluster's data directory")
    ap.add_argument("--pg-bin", help="pg-kill: the directory of pg_ctl")
    ap.add_argument("--pg-log", help="pg-kill: its server log (default: ../server.log)")
    ap.add_argument("--drop-caches", action="store_true",
                    help="sync and drop the page cache between the kill and the restart")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--before", type=float, default=2.0,
                    help="seconds of submissions before the kill")
    ap.add_argument("--down", type=float, default=1.0,
                    help="seconds the killed processes stay down")
    ap.add_argument("--after", type=float, default=3.0,
                    help="seconds of submissions after the recovery")
    ap.add_argument("--max-recovery", type=float, default=30.0,
                    help="seconds from the restart to the first 201 before failing")
    args = ap.parse_args()
    pg = args.fault == "pg-kill"
    if pg and not (args.database.startswith("postgresql") and args.pg_data):
        ap.error("--fault pg-kill needs --database postgresql://... and --pg-data")
    if not pg and args.database != "sqlite":
        ap.error("--fault app-kill runs on SQLite (--database sqlite)")

    title = (f"PostgreSQL server SIGKILLed mid-burst"
             f"{', page cache dropped after the kill' if args.drop_caches else ''}"
             if pg else "SQLite (WAL): the gunicorn master, its workers and background "
                        "processes SIGKILLed mid-burst")
    print(f"== durability: {title}; {args.workers} workers, {args.clients} clients; load "
          f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    if args.drop_caches:
        # Where it is not permitted, this run would only repeat the plain kill run: it is
        # skipped (and does not fail).
        ok, why = may_drop_page_cache()
        if not ok:
            print(f"page cache drop: not permitted here ({why}); run skipped")
            return 0

    data_dir = Path(tempfile.mkdtemp(prefix="ppid-durability-"))
    env = bench_env(args.database, data_dir)
    app = bench_app(env)
    from ppid.extensions import db
    import sqlalchemy as sa
    from ppid.agencies.models import Agency
    from ppid.info_requests.models import InfoRequest
    cluster = PostgresCluster(args.pg_data, args.pg_bin, args.pg_log) if pg else None
    with app.app_context():
        agencies = db.session.execute(
            sa.select(Agency.slug).where(Agency.is_active)).scalars().all()
        before = set(db.session.execute(sa.select(InfoRequest.registration_number)).scalars())
        if pg:
            show = {n: db.session.execute(sa.text(f"SHOW {n}")).scalar()
                    for n in (*PRODUCTION, "data_checksums", "data_directory")}
            pre_ping = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping", False)
        else:
            show = {"synchronous": db.session.execute(sa.text("PRAGMA synchronous")).scalar(),
                    "journal_mode": db.session.execute(sa.text("PRAGMA journal_mode")).scalar()}
        db.session.rollback()
    if pg:
        print("PostgreSQL settings: " + ", ".join(f"{n}={show[n]}" for n in
                                                  (*PRODUCTION, "data_checksums"))
              + f"; the application's pool_pre_ping={pre_ping}")
        if Path(show["data_directory"]).resolve() != cluster.data:
            print(f"REFUSED: {args.database} is served from {show['data_directory']}, "
                  f"not --pg-data {cluster.data}")
            return 2
        if any(show[n] != "on" for n in PRODUCTION):
            print("REFUSED: not PostgreSQL's production settings (fsync, synchronous_commit "
                  "and full_page_writes must be on: pg_start DBNAME durable); a run without "
                  "them proves nothing about durability")
            return 2
    else:
        # 1 = NORMAL: in WAL mode a commit survives the application's death (the kernel
        # has it), not a power loss; see docs/deploy.md.
        print(f"SQLite: journal_mode={show['journal_mode']}, synchronous={show['synchronous']}")

    port = free_port()
    gunicorn_log = open(data_dir / "gunicorn.log", "wb")
    server = start_gunicorn(env, port, args.workers, log=gunicorn_log)
    results, created, lock, error_bodies = defaultdict(list), [], threading.Lock(), []
    bound = time.monotonic() + args.before + args.down + args.max_recovery + args.after + 60
    clients = [Client(port, agencies, bound, results, created, lock, 3000 + i, SUBMIT_ONLY,
                      error_pause=0.05, error_bodies=error_bodies)
               for i in range(args.clients)]
    recovered_at, restarted = None, None
    try:
        for c in clients:
            c.start()
        # Warm-up: each worker's first requests load templates and the stemmer. The
        # timeline starts once every client has had two submissions answered 201.
        warm_until = time.monotonic() + 30
        while len(created) < 2 * args.clients and time.monotonic() < warm_until:
            time.sleep(0.02)
        started = time.monotonic()
        print(f"warm: {len(created)} submissions answered 201", flush=True)
        # The audit chain's head, taken mid-burst: audit-verify checks it is still there.
        checkpoint = audit_checkpoint(env)
        checkpoint_failed = checkpoint.returncode != 0 and not checkpoint.unavailable
        print(f"audit-checkpoint during the burst: "
              + ("not available in this version" if checkpoint.unavailable else
                 f"exit {checkpoint.returncode}: "
                 f"{(checkpoint.stdout + checkpoint.stderr).strip()[-200:]}"), flush=True)
        time.sleep(max(0.0, started + args.before - time.monotonic()))
        # gunicorn's workers and background processes (the job worker, whose search
        # indexer thread applies the queue on SQLite)
        processes_before = sorted(children(server.pid))
        fault_at = time.monotonic()
        if pg:
            killed = cluster.kill()
            what = f"PostgreSQL (postmaster {killed[0]} and its {len(killed) - 1} children)"
        else:
            killed = kill_tree(server.pid)
            server.wait()
            what = (f"the application (gunicorn master {killed[0]}, its workers and "
                    f"background processes: {len(killed)} processes)")
        dead_at = time.monotonic()
        print(f"killed {what} with SIGKILL at t={fault_at - started:.1f}s "
              f"(all gone{' and reaped' if pg else ''} {1000 * (dead_at - fault_at):.0f} ms "
              f"later)", flush=True)
        if not pg:
            wal = Path(f"{data_dir / 'ppid.sqlite3'}-wal")
            print(f"SQLite WAL left by the killed processes: "
                  f"{wal.stat().st_size if wal.exists() else 0} bytes (replayed when the "
                  f"database is next opened)")
        time.sleep(max(0.0, fault_at + args.down - time.monotonic()))
        if args.drop_caches:
            ok, why = drop_page_cache()
            print("page cache: " + ("synced and dropped after the kill" if ok else
                                    f"not permitted here ({why}): not dropped"), flush=True)
        log_offset = cluster.log_size() if pg else 0
        restarted = time.monotonic()
        if pg:
            cluster.start()
        else:
            server = start_gunicorn(env, port, args.workers, log=gunicorn_log)
        ready = time.monotonic()
        print(f"restarted {'PostgreSQL' if pg else 'gunicorn'} at t={restarted - started:.1f}s: "
              f"{'accepting connections' if pg else 'workers booted'} "
              f"{ready - restarted:.2f} s later", flush=True)
        if pg:
            for line in cluster.recovery_lines(log_offset):
                print(f"  server log: {line}")
        while time.monotonic() < restarted + args.max_recovery:
            with lock:
                done = [s + e for st, e, s in results["submit"] if st == 201 and s >= restarted]
            if done:
                recovered_at = min(done)
                break
            time.sleep(0.02)
        end = (recovered_at + args.after) if recovered_at else time.monotonic()
        for c in clients:
            c.deadline = end
        for c in clients:
            c.join()
        processes_after = sorted(children(server.pid))
    finally:
        for c in clients:
            c.deadline = 0
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        gunicorn_log.close()

    submits = results["submit"]
    phases = split_by_fault(submits, fault_at, recovered_at)
    unclean = {s: n for s, n in phases.outage.items() if s != 201 and not is_outage_error(s)}
    errors_before = {s: n for s, n in phases.before.items() if s != 201}
    errors_after = {s: n for s, n in phases.after.items() if s != 201}
    logged = (data_dir / "gunicorn.log").read_text("utf-8", "replace").count("unhandled error")
    unclean_5xx = sum(1 for body in error_bodies if not is_error_document(body))
    print(f"\nsubmissions: {len(submits)} in {time.monotonic() - started:.1f} s")
    print(f"  before the kill:  {count_text(phases.before)}")
    print(f"  outage:           {count_text(phases.outage)} (gunicorn logged {logged} "
          f"'unhandled error'; 5xx answers not the app's JSON error: {unclean_5xx})")
    print(f"  after recovery:   {count_text(phases.after)}")
    if recovered_at:
        print(f"recovered: first 201 {recovered_at - restarted:.2f} s after the restart began "
              f"(bound {args.max_recovery:.0f} s); outage seen by clients "
              f"{recovered_at - fault_at:.2f} s; load average now "
              f"{os.getloadavg()[0]:.1f}")
    else:
        print(f"NOT RECOVERED: no 201 within {args.max_recovery:.0f} s of the restart")
    replaced = len(set(processes_before) - set(processes_after)) if pg else 0
    if pg:
        print(f"processes replaced during the run: {replaced} of {len(processes_before)} "
              f"(gunicorn's workers and background processes: "
              + ("the same processes reconnected by themselves)" if not replaced else
                 f"{processes_before} -> {processes_after})"))

    with app.app_context():
        got = check_stored(db.session, before, created)
        db.session.rollback()
    integrity = None
    if not pg:
        with sqlite3.connect(data_dir / "ppid.sqlite3") as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        print(f"SQLite integrity_check: {integrity}")
    audit = audit_verify(env)
    print(f"audit-verify: exit {audit.returncode}:")
    for line in (audit.stdout + audit.stderr).strip().splitlines()[-8:]:
        print(f"  {line}")
    check = reindex_check(env)
    print(f"search index check: exit {check.returncode}: {summary(check.stdout)}")
    if check.returncode != 0:  # as in load.py: derived data, repaired from the database
        check = reindex_check(env, "--repair")
        print(f"search index repair: exit {check.returncode}: {summary(check.stdout)}")
    outage_errors = sum(n for s, n in phases.outage.items() if s != 201)
    print(f"COUNTS: answered 201 = {got.answered}, stored = {got.new} (without a 201: "
          f"{got.extra}), lost = {got.lost}, duplicated = {got.duplicated}; errors during the "
          f"outage = {outage_errors}; time to recover = "
          f"{f'{recovered_at - restarted:.2f} s' if recovered_at else 'never'}")
    print(f"series: gaps a 201 implies {len(got.series.implied_gaps)}"
          f"{' ' + str(got.series.implied_gaps[:10]) if got.series.implied_gaps else ''}; "
          f"missing numbers never answered {len(got.series.unanswered_gaps)}"
          f"{' ' + str(got.series.unanswered_gaps[:10]) if got.series.unanswered_gaps else ''}"
          f"; partial records {got.partial}")
    failures = [
        (got.lost, "lost (answered 201, not stored whole)"),
        (got.duplicated, "duplicated"),
        (len(got.series.implied_gaps), "gaps in the series that a 201 implies"),
        (got.partial, "partial records"),
        (not recovered_at, "no recovery within the bound"),
        (sum(errors_before.values()), f"errors before the kill {errors_before}"),
        (sum(errors_after.values()), f"errors after the recovery {errors_after}"),
        (sum(unclean.values()), f"unclean errors during the outage {unclean}"),
        (unclean_5xx, "5xx answers that are not the application's JSON error"),
        (replaced, "processes replaced or gone (not reconnected)"),
        (audit.returncode != 0, "audit-verify failed"),
        (checkpoint_failed, "audit-checkpoint failed"),
        (check.returncode != 0, "search index check failed"),
        (integrity not in (None, "ok"), "SQLite integrity_check failed"),
    ]
    failed = [why for bad, why in failures if bad]
    print("RESULT:", "OK" if not failed else "FAILED: " + "; ".join(failed))
    if failed:
        print(f"(kept for a look: {data_dir})")
        return 1
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
