"""Load and fault run against a real gunicorn on 127.0.0.1 (bounded in time and count).

Many concurrent clients submit information requests (POST /api/v1/requests), browse agency
pages and search, for a fixed time. Prints throughput, p50/p95/p99 latency and error counts
per operation, then checks the database: every request answered 201 is stored exactly once
with a unique registration number, and nothing else was stored. With --kill-worker one
gunicorn worker is killed with SIGKILL mid-run; afterwards there must be no partial records.
The set-up, the clients and the checks are shared with the durability runs
(bench/durability.py: the PostgreSQL server or the whole application killed mid-burst).

    .venv/bin/python bench/load.py --database sqlite --seconds 20 --clients 16 --workers 3
    .venv/bin/python bench/load.py --database sqlite --mix submit=0.7,page=0.2,search=0.1
    .venv/bin/python bench/load.py --database postgresql://ppid@127.0.0.1:5432/ppid_load
(bench/load.sh runs both databases, each with and without a killed worker.)
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
QUERIES = ["laporan keuangan", "anggaran", "pengadaan barang", "kesehatan", "profil",
           "laporan kinerja", "peraturan daerah", "rencana strategis", "bencana banjir"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env, *args):
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def parse_mix(text):
    """'submit=0.4,page=0.4,search=0.2' -> cumulative thresholds for submit and page."""
    shares = {"submit": 0.0, "page": 0.0, "search": 0.0}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name.strip() not in shares:
            raise SystemExit(f"--mix: unknown operation {name!r} (submit, page, search)")
        shares[name.strip()] = float(value)
    total = sum(shares.values())
    if total <= 0:
        raise SystemExit("--mix: the shares must add up to more than 0")
    return shares["submit"] / total, (shares["submit"] + shares["page"]) / total


def cpu_seconds(pids):
    """User + system CPU seconds used so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that was killed
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Client(threading.Thread):
    """Runs operations until ``deadline`` (time.monotonic(); may be moved while it runs).

    Each result is (status, seconds taken, monotonic start); ``created`` gets the
    registration number of every submission answered 201, ``error_bodies`` (if given) the
    body of every 5xx answer. ``error_pause`` seconds are slept after a 5xx or a
    connection error (a server that is down is not hammered)."""

    def __init__(self, port, agencies, deadline, results, created, lock, seed, mix,
                 error_pause=0.0, error_bodies=None):
        super().__init__(daemon=True)
        self.port, self.agencies, self.deadline = port, agencies, deadline
        self.mix, self.error_pause, self.error_bodies = mix, error_pause, error_bodies
        self.results, self.created, self.lock = results, created, lock
        self.rng = random.Random(seed)
        self.conn = None

    def _request(self, method, path, body=None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if method == "POST" or attempt == 1:
                    raise  # never resubmit a POST: that could be a duplicate
        raise RuntimeError("unreachable")

    def run(self):
        n = 0
        while time.monotonic() < self.deadline:
            n += 1
            roll = self.rng.random()
            agency = self.rng.choice(self.agencies)
            if roll < self.mix[0]:
                op = "submit"
                marker = f"muatan-{self.name}-{n}"
                body = json.dumps({
                    "name": "Pemohon Uji Beban", "identity_number": "6171011203900001",
                    "address": "Jl. Uji No. 1, Pontianak", "phone": "081234567890",
                    "email": "beban@uji.go.id", "occupation": "Peneliti",
                    "information": f"Salinan laporan keuangan 2025 ({marker})",
                    "purpose": "Penelitian", "obtain_method": "salinan",
                    "copy_form": "softcopy", "delivery": "email", "agency": agency})
                method, path = "POST", "/api/v1/requests"
            elif roll < self.mix[1]:
                op, method, path, body = "agency_page", "GET", f"/badan/{agency}", None
            else:
                q = self.rng.choice(QUERIES).replace(" ", "+")
                op, method, path, body = "search", "GET", f"/api/v1/search?q={q}", None
            started, start = time.monotonic(), time.perf_counter()
            try:
                status, data = self._request(method, path, body)
            except (http.client.HTTPException, OSError) as exc:
                status, data = f"conn:{type(exc).__name__}", b""
            elapsed = time.perf_counter() - start
            with self.lock:
                self.results[op].append((status, elapsed, started))
                if op == "submit" and status == 201:
                    self.created.append(json.loads(data)["registration_number"])
                if self.error_bodies is not None and isinstance(status, int) and status >= 500:
                    self.error_bodies.append(data)
            if self.error_pause and not (isinstance(status, int) and status < 500):
                time.sleep(self.error_pause)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


# --- Judging what was stored (pure; tests/unit/test_bench_judging.py) --------------------

def parse_registration_number(number):
    """(year, seq) of a number in the default format PREFIX/YEAR/SEQ (KALBAR/2026/00042)."""
    _prefix, year, seq = number.rsplit("/", 2)
    return int(year), int(seq)


class Series(NamedTuple):
    implied_gaps: tuple     # (year, seq) missing, at or below a number answered 201
    unanswered_gaps: tuple  # (year, seq) missing above every number answered 201
    duplicates: int         # (year, seq) stored more than once


def judge_series(stored, answered, drawn=None):
    """Judge the registration series after a run: which missing numbers a 201 implies.

    ``stored``: (year, seq) of every stored request; ``answered``: (year, seq) of every
    request answered 201; ``drawn``: {year: the counter's value}, the last number drawn.
    A number is drawn by bumping the year's counter in the request's own transaction, so
    the transactions that draw numbers queue on the counter row one after another, and a
    rolled-back one (a killed worker's, or every transaction open when the database died)
    gives its number back. A 201 for number N therefore means N was committed, after
    every number below N of its year was: each of them missing is a gap the 201 implies,
    a lost request. A missing number above every answered one was never answered, so no
    client was told it is stored: it is reported, not counted as lost (it should not
    happen either, since a number is only drawn by a transaction that also stores it).
    """
    stored = list(stored)
    have = set(stored)
    highest_answered, top = defaultdict(int), defaultdict(int)
    for year, seq in answered:
        highest_answered[year] = max(highest_answered[year], seq)
        top[year] = max(top[year], seq)
    for year, seq in have:
        top[year] = max(top[year], seq)
    for year, value in (drawn or {}).items():
        top[year] = max(top[year], value)
    implied, unanswered = [], []
    for year in sorted(top):
        for seq in range(1, top[year] + 1):
            if (year, seq) not in have:
                (implied if seq <= highest_answered[year] else unanswered).append((year, seq))
    return Series(tuple(implied), tuple(unanswered), len(stored) - len(have))


MARKER = re.compile(r"\((muatan-[^)]+)\)")  # the marker Client puts in each submission


def duplicated_submissions(texts):
    """How many stored requests repeat a submission already stored: the load clients
    mark each submission's text with a marker of its own (client and count)."""
    markers = Counter(m.group(1) for m in map(MARKER.search, texts) if m)
    return sum(n - 1 for n in markers.values())



def is_outage_error(status):
    """A clean failure while a server is down: a 5xx answer or a connection error."""
    return (isinstance(status, int) and status >= 500) or str(status).startswith("conn:")


class Phases(NamedTuple):
    before: Counter  # outcome -> count: answered before the fault
    outage: Counter  # in flight at the fault, or begun before the application recovered
    after: Counter   # begun once it had recovered


def split_by_fault(results, fault_at, recovered_at):
    """Submissions' outcomes around a fault. ``results``: (status, seconds, monotonic
    start) as :class:`Client` records them; ``fault_at``: when the fault began;
    ``recovered_at``: when the first 201 after the restart was answered (None: never)."""
    phases = Phases(Counter(), Counter(), Counter())
    for status, seconds, started in results:
        if started + seconds < fault_at:
            phase = phases.before
        elif recovered_at is not None and started >= recovered_at:
            phase = phases.after
        else:
            phase = phases.outage
        phase[status] += 1
    return phases


class Stored(NamedTuple):
    new: int              # requests stored by this run
    answered: int         # distinct registration numbers answered 201
    missing: int          # answered 201, not stored
    partial: int          # stored, not whole (not one receipt letter and one 'diterima')
    partial_answered: int  # ... of which were answered 201
    extra: int            # stored, never answered 201 (in flight when a process died)
    duplicated: int       # numbers stored or answered twice, submissions stored twice
    series: Series

    @property
    def lost(self):
        """Answered 201 and not stored whole."""
        return self.missing + self.partial_answered


def check_stored(session, before, created):
    """What a run stored, against what it answered: every request answered 201 stored
    whole (exactly one receipt letter and one 'diterima' event) and once, and the
    registration series judged by :func:`judge_series`. ``before``: the numbers stored
    before the run; ``created``: those answered 201 (in answer order)."""
    import sqlalchemy as sa
    from ppid.core.models import Counter as CounterRow
    from ppid.info_requests.models import InfoRequest, Letter, RequestEvent
    rows = session.execute(sa.select(InfoRequest.id, InfoRequest.registration_number,
                                     InfoRequest.year, InfoRequest.seq,
                                     InfoRequest.information)).all()
    new = [r for r in rows if r.registration_number not in before]
    ids = [r.id for r in new]
    letters = dict(session.execute(
        sa.select(Letter.request_id, sa.func.count()).where(
            Letter.request_id.in_(ids), Letter.kind == "tanda_bukti")
        .group_by(Letter.request_id)).all())
    events = dict(session.execute(
        sa.select(RequestEvent.request_id, sa.func.count()).where(
            RequestEvent.request_id.in_(ids), RequestEvent.action == "diterima")
        .group_by(RequestEvent.request_id)).all())
    answered = set(created)
    numbers = [r.registration_number for r in new]
    partial = [r for r in new if letters.get(r.id) != 1 or events.get(r.id) != 1]
    answered_seqs = {parse_registration_number(n) for n in answered}
    years = {r.year for r in new} | {y for y, _s in answered_seqs}
    drawn = {}
    for name, value in session.execute(sa.select(CounterRow.name, CounterRow.value)
                                       .where(CounterRow.name.like("request:%"))):
        year = int(name.rsplit(":", 1)[1])
        if year in years:
            drawn[year] = max(drawn.get(year, 0), value)
    series = judge_series(((r.year, r.seq) for r in rows if r.year in years),
                          answered_seqs, drawn)
    return Stored(
        new=len(new), answered=len(answered), missing=len(answered - set(numbers)),
        partial=len(partial),
        partial_answered=sum(1 for r in partial if r.registration_number in answered),
        extra=len(set(numbers) - answered),
        duplicated=(len(numbers) - len(set(numbers)) + len(created) - len(answered)
                    + duplicated_submissions(r.information for r in new)),
        series=series)


def reindex_check(env, *extra):
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "ppid", "reindex",
                           "--check", *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True)


def children(pid):
    """The child processes of ``pid`` (a gunicorn master's, a postmaster's)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def is_indexer(pid):
    """The job worker, whose thread applies the Whoosh search queue (ppid.search.indexing)."""
    return b"\0ppid\0worker" in _cmdline(pid)


def is_background(pid):
    """One of the `flask --app wsgi ppid ...` processes gunicorn.conf.py starts (the
    search indexer, the job worker)."""
    return b"\0ppid\0" in _cmdline(pid)


def gunicorn_workers(master_pid):
    """The master's worker processes (not the background processes gunicorn.conf.py
    starts)."""
    return [p for p in children(master_pid) if not is_background(p)]


# The audit chain's key for the bench's production-mode app (PPID_AUDIT_KEY, _KEY_ID),
# unless the environment gives one.
BENCH_AUDIT_KEY = "bench-audit-key-" + "a" * 48


def bench_env(database, data_dir):
    """The environment of the bench's app: production mode, a fresh data directory, no
    rate limit and no mail sent. ``database``: 'sqlite' or a PostgreSQL URL."""
    url = f"sqlite:///{data_dir / 'ppid.sqlite3'}" if database == "sqlite" else database
    return dict(os.environ, PPID_DATA_DIR=str(data_dir), PPID_DATABASE_URL=url,
                PPID_RATELIMIT_ENABLED="false", PPID_MAIL_BACKEND="none",
                PPID_SECRET_KEY="load-test-" + "k" * 40, PPID_ENV="production",
                PPID_AUDIT_KEY=os.environ.get("PPID_AUDIT_KEY", BENCH_AUDIT_KEY),
                PPID_AUDIT_KEY_ID=os.environ.get("PPID_AUDIT_KEY_ID", "bench"))


def bench_app(env):
    """Migrate and seed the bench's database; return an app on it for the checks."""
    flask(env, "db", "upgrade")
    flask(env, "ppid", "seed-demo")
    sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in env.items() if k.startswith("PPID_")})
    from ppid import create_app
    return create_app()


def start_gunicorn(env, port, workers, log=None, app="wsgi:app"):
    """gunicorn on 127.0.0.1:``port``, returned once it listens and every worker booted.
    ``log``: a file for its stderr (tracebacks of a database that is down); ``app``: the
    WSGI app (the registry; bench.lockhold:app times its locks; bench.ceiling:app)."""
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--graceful-timeout", "5", "--log-level", "warning", app],
        cwd=ROOT, env=env, stderr=log)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    for _ in range(100):  # every worker booted (their start-up is not the load)
        if len(gunicorn_workers(server.pid)) >= workers:
            break
        time.sleep(0.1)
    return server


def audit_verify(env):
    """audit-verify, after linking what the commands run since the job worker stopped
    wrote (its chainer links while the app runs, and once more when it stops)."""
    subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "ppid", "audit-link"], cwd=ROOT,
                   env=env, capture_output=True, check=True)
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "ppid", "audit-verify"],
                          cwd=ROOT, env=env, capture_output=True, text=True)


def database_pids(database):
    """The PostgreSQL server's processes on this host (bench runs use 127.0.0.1): every
    backend and background process pg_stat_activity lists; none for SQLite (in-process)."""
    if database == "sqlite":
        return []
    import psycopg
    with psycopg.connect(database, autocommit=True) as conn:
        return [pid for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity "
                                               "WHERE pid <> pg_backend_pid()")]


def print_holds(holds_dir):
    """p50/p95 of each serialisation point's lock hold in the measured run (and warm-up)."""
    from bench.lockhold import POINTS, read_holds
    holds = read_holds(holds_dir)
    print("lock holds (ms) by transactions that took them, in the gunicorn workers:")
    for point in POINTS:
        values = holds.get(point, [])
        if not values:
            print(f"  {point:<22} taken by no transaction")
            continue
        print(f"  {point:<22} n={len(values):<6} p50 {percentile(values, 50):6.2f}  "
              f"p95 {percentile(values, 95):6.2f}  max {max(values):7.2f}")


def drive(port, agencies, seconds, clients, warmup, mix):
    """Load ``port`` as the registry's run does (warm-up, then ``seconds`` of ``clients``);
    returns (results, created, wall seconds)."""
    created, lock = [], threading.Lock()
    if warmup > 0:
        until = time.monotonic() + warmup
        warm = [Client(port, agencies, until, defaultdict(list), created, lock, 1000 + i, mix)
                for i in range(clients)]
        for c in warm:
            c.start()
        for c in warm:
            c.join()
    results = defaultdict(list)
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    runners = [Client(port, agencies, deadline, results, created, lock, i, mix)
               for i in range(clients)]
    for c in runners:
        c.start()
    for c in runners:
        c.join()
    return results, created, time.monotonic() - started


def measure_ceiling(args, env, data_dir, agencies, registry_rate):
    """The bare-insert endpoint (bench/ceiling.py) on the same kind of database, served by
    the same gunicorn configuration and loaded the same way, pure POSTs; prints the
    registry's submissions/s as a share of its inserts/s. False if it lost rows."""
    from bench import ceiling
    url = (f"sqlite:///{data_dir / 'ceiling.sqlite3'}" if args.database == "sqlite"
           else args.database)
    ceiling.create_table(url)
    port = free_port()
    server = start_gunicorn(dict(env, PPID_CEILING_DATABASE_URL=url,
                                 PPID_JOB_WORKER="off"), port, args.workers,
                            app="bench.ceiling:app")
    try:
        results, created, wall = drive(port, agencies, args.seconds, args.clients,
                                       args.warmup, parse_mix("submit=1"))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    rows = results.get("submit", [])
    answered = sum(1 for st, _e, _t in rows if st == 201)
    lat = [e * 1000 for _s, e, _t in rows]
    stored = ceiling.count_rows(url)
    rate = answered / wall
    print(f"\nceiling (bench/ceiling.py: one INSERT per POST, same gunicorn configuration): "
          f"{answered} answered 201 = {rate:.1f}/s, p50 {percentile(lat, 50):.1f} ms, "
          f"p95 {percentile(lat, 95):.1f} ms; rows stored {stored} of {len(created)} answered")
    pure = args.mix.replace(" ", "") in ("submit=1", "submit=1.0") or parse_mix(args.mix)[0] == 1
    print(f"registry submissions/s as a share of the ceiling: {registry_rate:.1f} / {rate:.1f}"
          f" = {100 * registry_rate / max(rate, 1e-9):.1f} %"
          f"{'' if pure else ' (not comparable: the registry ran a mixed load; use --mix submit=1)'}")
    return stored == len(created)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", default="sqlite", help="'sqlite' or a PostgreSQL URL")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=3,
                    help="gunicorn workers (default: cores + 1, the fastest here: see docs)")
    ap.add_argument("--kill-worker", action="store_true")
    ap.add_argument("--kill-indexer", action="store_true",
                    help="SIGKILL the job worker (the search indexer) mid-run: searches then lag "
                         "and reindex --check --repair catches up")
    ap.add_argument("--warmup", type=float, default=3,
                    help="seconds of load before the measured run (not in the figures)")
    ap.add_argument("--mix", default="submit=0.4,page=0.4,search=0.2",
                    help="shares of the operations each client picks at random")
    ap.add_argument("--ceiling", action="store_true",
                    help="then load the bare-insert endpoint (bench/ceiling.py) the same way "
                         "and print the registry's submissions/s as a share of its inserts/s")
    args = ap.parse_args()
    mix = parse_mix(args.mix)

    data_dir = Path(tempfile.mkdtemp(prefix="ppid-load-"))
    env = bench_env(args.database, data_dir)
    print(f"database: {'SQLite (WAL)' if args.database == 'sqlite' else 'PostgreSQL'}; "
          f"{args.workers} gunicorn workers, {args.clients} clients, {args.seconds:.0f} s"
          f"{', one worker SIGKILLed mid-run' if args.kill_worker else ''}"
          f"{', the search indexer SIGKILLed mid-run' if args.kill_indexer else ''}", flush=True)
    app = bench_app(env)
    from ppid.extensions import db
    import sqlalchemy as sa
    with app.app_context():
        from ppid.agencies.models import Agency
        from ppid.info_requests.models import InfoRequest
        agencies = db.session.execute(sa.select(Agency.slug).where(Agency.is_active)).scalars().all()
        before = set(db.session.execute(sa.select(InfoRequest.registration_number)).scalars())

    port = free_port()
    holds_dir = data_dir / "holds"
    holds_dir.mkdir()
    server = start_gunicorn(dict(env, PPID_BENCH_HOLDS_DIR=str(holds_dir)), port,
                            args.workers, app="bench.lockhold:app")
    try:
        created, lock = [], threading.Lock()
        if args.warmup > 0:
            # Warm-up: each worker's first requests compile templates, load the stemmer's
            # dictionary and open the index. Its submissions are checked like the others.
            until = time.monotonic() + args.warmup
            warm = [Client(port, agencies, until, defaultdict(list), created, lock, 1000 + i,
                           mix) for i in range(args.clients)]
            for c in warm:
                c.start()
            for c in warm:
                c.join()
        results = defaultdict(list)
        deadline = time.monotonic() + args.seconds
        clients = [Client(port, agencies, deadline, results, created, lock, i, mix)
                   for i in range(args.clients)]
        server_pids = [server.pid, *gunicorn_workers(server.pid)]
        indexer_pids = [p for p in children(server.pid) if is_indexer(p)]
        indexer_before = cpu_seconds(indexer_pids)
        killed_cpu = {"server": 0.0, "indexer": 0.0}
        db_before = {pid: cpu_seconds([pid]) for pid in database_pids(args.database)}
        cpu_before, own_before = cpu_seconds(server_pids), time.process_time()
        started = time.monotonic()
        for c in clients:
            c.start()
        if args.kill_worker or args.kill_indexer:
            time.sleep(args.seconds / 3)
            victims = (gunicorn_workers(server.pid)[:1] if args.kill_worker else []) + (
                indexer_pids if args.kill_indexer else [])
            for victim in victims:
                # (its CPU so far still counts: after the kill /proc no longer has it)
                used = cpu_seconds([victim])
                os.kill(victim, signal.SIGKILL)
                killed_cpu["indexer" if victim in indexer_pids else "server"] += used
                print(f"killed {'indexer' if victim in indexer_pids else 'worker'} {victim} "
                      f"at t={time.monotonic() - started:.1f}s", flush=True)
        for c in clients:
            c.join()
        wall = time.monotonic() - started
        server_pids = set(server_pids) | set(gunicorn_workers(server.pid))
        server_cpu = cpu_seconds(server_pids) + killed_cpu["server"] - cpu_before
        # (a backend that ended during the run, a killed worker's, is not counted)
        db_cpu = sum(cpu_seconds([pid]) - db_before.get(pid, 0.0)
                     for pid in database_pids(args.database))
        indexer_cpu = cpu_seconds(indexer_pids) + killed_cpu["indexer"] - indexer_before
        client_cpu = time.process_time() - own_before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(f"\n{'operation':<12} {'count':>7} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8}  errors")
    total_5xx = 0
    for op in ("submit", "agency_page", "search"):
        rows = results.get(op, [])
        lat = [e * 1000 for s, e, _t in rows]
        errors = defaultdict(int)
        for s, _e, _t in rows:
            if not (isinstance(s, int) and s < 400):
                errors[str(s)] += 1
            if isinstance(s, int) and s >= 500:
                total_5xx += 1
        print(f"{op:<12} {len(rows):>7} {len(rows) / wall:>8.1f} {percentile(lat, 50):>8.1f} "
              f"{percentile(lat, 95):>8.1f} {percentile(lat, 99):>8.1f}  {dict(errors) or '-'}")
    pages = [e * 1000 for op in ("agency_page", "search") for s, e, _t in results.get(op, [])]
    print(f"page p95 (agency pages and search): {percentile(pages, 95):.1f} ms (target < 200)")
    measured = sum(1 for st, _e, _t in results.get("submit", []) if st == 201)
    print(f"submissions answered 201 in the measured {wall:.1f} s: {measured} = "
          f"{measured / wall:.1f}/s (target >= 100/s on SQLite WAL); mix {args.mix}; "
          f"{len(created)} with the warm-up")
    ops = sum(len(v) for v in results.values())
    print(f"CPU: server {server_cpu / wall:.2f} cores ({server_cpu / max(ops, 1) * 1000:.1f} ms "
          f"per operation), search indexer {indexer_cpu / wall:.2f} cores"
          f"{'' if indexer_pids else ' (none running)'}, load generator "
          f"{client_cpu / wall:.2f} cores, of {os.cpu_count()}")
    if args.database != "sqlite":
        print(f"CPU: PostgreSQL server {db_cpu / wall:.2f} cores ({db_cpu / max(ops, 1) * 1000:.1f} "
              f"ms per operation); server and PostgreSQL "
              f"{(server_cpu + db_cpu) / max(ops, 1) * 1000:.1f} ms per operation")
    print_holds(holds_dir)

    with app.app_context():
        got = check_stored(db.session, before, created)
    gaps = len(got.series.implied_gaps) + len(got.series.unanswered_gaps)
    print(f"database: {got.new} new requests; duplicates {got.duplicated}; answered 201 but "
          f"missing {got.missing}; stored without a 201 {got.extra}; "
          f"5xx responses {total_5xx}")
    if got.extra:
        print("  (stored without a 201: committed, then the connection was lost — the "
              "killed worker's in-flight requests; each is complete and numbered)")
    print(f"partial records (a new request without exactly one receipt letter and one "
          f"'diterima' event): {got.partial}; gaps in the registration sequence: {gaps}")
    check = reindex_check(env)
    print(f"search index check: exit {check.returncode}: {check.stdout.strip()[-300:]}")
    if check.returncode != 0:
        check = reindex_check(env, "--repair")
        print(f"search index repair: exit {check.returncode}: {check.stdout.strip()[-300:]}")
    chain = audit_verify(env)
    print(f"audit chain (flask ppid audit-verify): exit {chain.returncode}:")
    for line in (chain.stdout + chain.stderr).strip().splitlines():
        if "checkpoint" not in line:  # (the bench writes none)
            print(f"  {line[:300]}")
    ok = (got.duplicated == 0 and not got.missing and total_5xx == 0
          and (args.kill_worker or not got.extra) and got.partial == 0 and gaps == 0
          and check.returncode == 0 and chain.returncode == 0)
    if args.ceiling:
        ok = measure_ceiling(args, env, data_dir, agencies, measured / wall) and ok
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
