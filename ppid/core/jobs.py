"""Background jobs: work done after commit, outside any request and any transaction, in a
child process with time and memory limits.

A feature registers its job kinds on the app (:func:`register_kind`) and queues a job with
:func:`enqueue` in the same transaction as the record it is about, so a job exists exactly
when its record does. The worker (``flask --app wsgi ppid worker``, which gunicorn.conf.py
starts beside the web workers) claims ready jobs one at a time, safely on both databases
(PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``; SQLite: a conditional UPDATE, which its
single write lock serialises), and for each:

1. ``prepare(payload)`` reads what the job needs, in a short transaction of its own, and
   returns the child's arguments and input (or None: nothing left to do);
2. the kind's script runs in a child process (:func:`run_limited`): RLIMIT_AS and
   RLIMIT_CPU set in the child, a wall-clock timeout after which it is killed;
3. ``apply(payload, output)`` records the result in one transaction with the job's state.

A failure (the child timed out, ran out of memory or crashed, or prepare/apply raised) is
retried after a back-off of JOB_RETRY_SECONDS * 2**(attempt - 1) until the job's attempts
reach JOB_MAX_ATTEMPTS; then ``give_up(payload, reason)`` is recorded with the job's failed
state. A worker that dies mid-job leaves a lease that expires (the kind's timeout plus
JOB_LEASE_GRACE_SECONDS); the job is then claimed again, and that attempt counts too, so no
job runs forever.
"""
import json
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable, Optional

import sqlalchemy as sa
from flask import current_app, has_app_context

from ppid.core.db import utcnow
from ppid.core.models import Job
from ppid.extensions import db

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
RETRIED = "retried"  # an outcome of one run (the job is queued again), not a state

# Why a child gave no answer (ChildResult.failure).
TIMEOUT = "timeout"
MEMORY = "memory"
CRASHED = "crashed"


# --- The limited child process ------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    timeout_seconds: float  # wall clock; the CPU limit is this rounded up, plus one second
    memory_mb: int          # address space (RLIMIT_AS)


@dataclass(frozen=True)
class ChildResult:
    output: bytes = b""
    failure: Optional[str] = None  # None, TIMEOUT, MEMORY or CRASHED
    detail: str = ""               # the end of the child's stderr, for the log

    @property
    def ok(self):
        return self.failure is None


_MEMORY_EXIT = 75
# Runs first in the child: the limits, then the script as __main__. ``-I`` keeps out the
# environment's PYTHON* variables, the user's site-packages and the current directory.
_BOOTSTRAP = f"""
import os, resource, runpy, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
sys.argv = sys.argv[3:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except MemoryError:
    os.write(2, b"MemoryError\\n")
    os._exit({_MEMORY_EXIT})
"""


def run_limited(script, args, input_bytes, limits: Limits) -> ChildResult:
    """Run ``python script *args`` with ``input_bytes`` on stdin, within ``limits``; its
    stdout is the output. The child gets a bare environment (no PPID_* secrets), writes no
    files and is killed when the wall-clock timeout passes. Safe to call from threads (no
    code runs between fork and exec)."""
    cpu = math.ceil(limits.timeout_seconds) + 1
    command = [sys.executable, "-I", "-B", "-c", _BOOTSTRAP, str(limits.memory_mb * 2 ** 20),
               str(cpu), str(script), *[str(a) for a in args]]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd="/")
    try:
        out, err = proc.communicate(input_bytes, timeout=limits.timeout_seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return ChildResult(failure=TIMEOUT, detail=f"killed after {limits.timeout_seconds} s")
    detail = err[-500:].decode("utf-8", "replace").strip()
    if proc.returncode == 0:
        return ChildResult(output=out, detail=detail)
    if proc.returncode == _MEMORY_EXIT or "MemoryError" in detail:
        return ChildResult(failure=MEMORY, detail=f"over {limits.memory_mb} MB")
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return ChildResult(failure=TIMEOUT, detail=f"CPU limit ({cpu} s)")
    return ChildResult(failure=CRASHED, detail=f"exit {proc.returncode}: {detail[-300:]}")


# --- Job kinds, per app -----------------------------------------------------------------------

@dataclass(frozen=True)
class ChildCall:
    """What a job's child runs with: its command-line arguments and its stdin."""

    args: tuple = ()
    input: bytes = b""


@dataclass(frozen=True)
class JobKind:
    name: str
    # Run in the limited child; None: the kind has nothing to isolate (it only records a
    # change, e.g. a scheduled publication's time came), and apply runs without a child.
    script: Optional[Path]
    prepare: Callable[[dict], Optional[ChildCall]]     # reads; None = nothing to do
    apply: Callable[[dict, bytes], None]               # records the child's output
    give_up: Callable[[dict, str], None]               # records the last failure's reason
    limits: Callable[[], Limits] = field(default=None)  # read from the config when run

    def limits_now(self):
        if self.limits is not None:
            return self.limits()
        cfg = current_app.config
        return Limits(float(cfg["JOB_TIMEOUT_SECONDS"]), int(cfg["JOB_MEMORY_MB"]))


def register_kind(app, kind: JobKind):
    """Register ``kind`` on ``app`` (each app has its own registry of kinds)."""
    app.extensions.setdefault("ppid_jobs", {})[kind.name] = kind


def kinds(app=None):
    app = app or current_app
    return app.extensions.get("ppid_jobs", {})


def enqueue(kind, payload, *, delay_seconds=0) -> Job:
    """Queue a job in the current transaction (the caller commits). Scheduling runs on the
    real clock, whatever ``now`` the caller's services were given."""
    if kind not in kinds():
        raise LookupError(f"unknown job kind {kind!r}; register it with register_kind")
    now = utcnow()
    job = Job(kind=kind, payload=json.dumps(payload, sort_keys=True), state=QUEUED,
              attempts=0, max_attempts=int(current_app.config["JOB_MAX_ATTEMPTS"]),
              run_after=now + timedelta(seconds=delay_seconds), created_at=now)
    db.session.add(job)
    return job


# --- Claiming and running -------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    payload: str
    attempts: int      # including this one
    max_attempts: int
    worker: str


def _ready(now):
    return sa.or_(sa.and_(Job.state == QUEUED, Job.run_after <= now),
                  sa.and_(Job.state == RUNNING, Job.lease_expires_at < now))


def has_ready_jobs(app=None, now=None) -> bool:
    """Whether a job is ready, read without taking SQLite's write lock (the idle poll)."""
    app = app or current_app
    now = now or utcnow()
    with app.app_context():
        engine = db.engine.execution_options(ppid_read_only=True)
        with engine.connect() as conn:
            return conn.execute(sa.select(Job.id).where(_ready(now)).limit(1)).first() \
                is not None


def claim(app, worker, now=None) -> Optional[Claimed]:
    """Take the next ready job for ``worker``, in a transaction of its own."""
    now = now or utcnow()
    grace = float(app.config["JOB_LEASE_GRACE_SECONDS"])
    while True:
        with app.app_context():
            q = (sa.select(Job.id, Job.kind).where(_ready(now))
                 .order_by(Job.run_after, Job.id).limit(1))
            if db.engine.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)  # concurrent workers pass each other
            row = db.session.execute(q).first()
            if row is None:
                db.session.rollback()
                return None
            kind = kinds(app).get(row.kind)
            timeout = kind.limits_now().timeout_seconds if kind is not None else 0
            claimed = db.session.execute(
                sa.update(Job).where(Job.id == row.id, _ready(now))  # still ready: ours
                .values(state=RUNNING, attempts=Job.attempts + 1, claimed_by=worker,
                        lease_expires_at=now + timedelta(seconds=timeout + grace))
                .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts)
                .execution_options(synchronize_session=False)).first()
            db.session.commit()
        if claimed is not None:
            return Claimed(*claimed, worker=worker)


def _finish(claimed, state, *, error=None, retry_at=None):
    """Set the claimed job's state if it is still this worker's claim (a lease that
    expired may have been claimed again); returns whether it was."""
    values = {"state": state, "last_error": (error or None) and error[:500],
              "lease_expires_at": None}
    if state in (DONE, FAILED):
        values["finished_at"] = utcnow()
    if retry_at is not None:
        values["run_after"] = retry_at
    result = db.session.execute(
        sa.update(Job).where(Job.id == claimed.id, Job.state == RUNNING,
                             Job.claimed_by == claimed.worker,
                             Job.attempts == claimed.attempts)
        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _failed(app, kind, claimed, payload, reason):
    with app.app_context():
        if claimed.attempts >= claimed.max_attempts or kind is None:
            if not _finish(claimed, FAILED, error=reason):
                db.session.rollback()
                return None
            if kind is not None:
                kind.give_up(payload, reason)
            db.session.commit()
            log.warning("job %s (%s) failed for good after %d attempts: %s", claimed.id,
                        claimed.kind, claimed.attempts, reason)
            return FAILED
        delay = float(app.config["JOB_RETRY_SECONDS"]) * 2 ** (claimed.attempts - 1)
        if not _finish(claimed, QUEUED, error=reason,
                       retry_at=utcnow() + timedelta(seconds=delay)):
            db.session.rollback()
            return None
        db.session.commit()
        log.info("job %s (%s) attempt %d failed (%s); retried in %.0f s", claimed.id,
                 claimed.kind, claimed.attempts, reason, delay)
        return RETRIED


def run_claimed(app, claimed) -> str:
    """Run one claimed job to its outcome: DONE, RETRIED or FAILED (or None when its claim
    was lost meanwhile)."""
    kind = kinds(app).get(claimed.kind)
    payload = json.loads(claimed.payload)
    if kind is None:
        return _failed(app, None, claimed, payload, f"unknown job kind {claimed.kind!r}")
    if claimed.attempts > claimed.max_attempts:  # its last worker died with it
        return _failed(app, kind, claimed, payload, "lease expired")
    try:
        with app.app_context():
            try:
                call = kind.prepare(payload)
                limits = kind.limits_now()
            finally:
                db.session.rollback()  # the read ends here; the child runs in no transaction
    except Exception as exc:  # noqa: BLE001 - a job's failure must not stop the worker
        log.exception("job %s (%s): prepare failed", claimed.id, claimed.kind)
        return _failed(app, kind, claimed, payload, f"prepare: {type(exc).__name__}: {exc}")
    result = ChildResult()
    if call is not None and kind.script is not None:
        result = run_limited(kind.script, call.args, call.input, limits)
        if not result.ok:
            log.warning("job %s (%s): child %s (%s)", claimed.id, claimed.kind,
                        result.failure, result.detail)
            return _failed(app, kind, claimed, payload, result.failure)
    try:
        with app.app_context():
            if not _finish(claimed, DONE):
                db.session.rollback()
                return None
            if call is not None:
                kind.apply(payload, result.output)
            db.session.commit()
    except Exception as exc:  # noqa: BLE001
        log.exception("job %s (%s): apply failed", claimed.id, claimed.kind)
        return _failed(app, kind, claimed, payload, f"apply: {type(exc).__name__}: {exc}")
    return DONE


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_pending(app=None, *, stop=None, limit=None) -> Counter:
    """Run ready jobs until none is ready (or ``stop`` is set, or ``limit`` ran); returns
    the outcomes counted. Each job runs in its own transactions, so the caller must not be
    inside one: commit first (tests, seeders)."""
    app = app or current_app._get_current_object()
    if has_app_context() and db.session.registry.has() and db.session().in_transaction():
        raise RuntimeError("commit (or roll back) before running jobs: each runs in "
                           "transactions of its own, which would wait for this one")
    worker = worker_name()
    outcomes = Counter()
    if not has_ready_jobs(app):  # idle: looked without taking SQLite's write lock
        return outcomes
    while not (stop is not None and stop.is_set()):
        if limit is not None and sum(outcomes.values()) >= limit:
            break
        claimed = claim(app, worker)
        if claimed is None:
            break
        outcomes[run_claimed(app, claimed) or "lost"] += 1
    return outcomes


def run_worker(app, stop, *, once=False):
    """The worker's loop: run ready jobs, then look again every JOB_POLL_SECONDS, until
    ``stop`` (a threading.Event) is set; with ``once``, exit when none is ready."""
    poll = float(app.config["JOB_POLL_SECONDS"])
    log.info("job worker: looking for jobs every %.1f s", poll)
    total = Counter()
    while not stop.is_set():
        try:
            total += run_pending(app, stop=stop)
        except Exception:  # noqa: BLE001 - e.g. the database restarting: try again later
            log.exception("job worker: could not run jobs; trying again")
        if once:
            break
        stop.wait(poll)
    return total
