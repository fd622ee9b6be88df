"""Load and fault run against a real gunicorn on 127.0.0.1 (bounded in time and count).

Many concurrent clients submit information requests (POST /api/v1/requests), browse agency
pages and search, for a fixed time. Prints throughput, p50/p95/p99 latency and error counts
per operation, then checks the database: every request answered 201 is stored exactly once
with a unique registration number, and nothing else was stored. With --kill-worker one
gunicorn worker is killed with SIGKILL mid-run; afterwards there must be no partial records.

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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

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
    def __init__(self, port, agencies, deadline, results, created, lock, seed, mix):
        super().__init__(daemon=True)
        self.port, self.agencies, self.deadline = port, agencies, deadline
        self.mix = mix
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
            start = time.perf_counter()
            try:
                status, data = self._request(method, path, body)
            except (http.client.HTTPException, OSError) as exc:
                status, data = f"conn:{type(exc).__name__}", b""
            elapsed = time.perf_counter() - start
            with self.lock:
                self.results[op].append((status, elapsed))
                if op == "submit" and status == 201:
                    self.created.append(json.loads(data)["registration_number"])


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def partial_records(session, InfoRequest, numbers):
    """(requests among ``numbers`` not stored whole, gaps in their years' sequences)."""
    import sqlalchemy as sa
    from ppid.info_requests.models import Letter, RequestEvent
    rows = session.execute(sa.select(InfoRequest.id, InfoRequest.year, InfoRequest.seq)
                           .where(InfoRequest.registration_number.in_(numbers))).all()
    ids = [r.id for r in rows]
    letters = dict(session.execute(
        sa.select(Letter.request_id, sa.func.count()).where(
            Letter.request_id.in_(ids), Letter.kind == "tanda_bukti")
        .group_by(Letter.request_id)).all())
    events = dict(session.execute(
        sa.select(RequestEvent.request_id, sa.func.count()).where(
            RequestEvent.request_id.in_(ids), RequestEvent.action == "diterima")
        .group_by(RequestEvent.request_id)).all())
    partial = sum(1 for i in ids if letters.get(i) != 1 or events.get(i) != 1)
    gaps = 0
    for year in {r.year for r in rows}:
        seqs = session.execute(sa.select(InfoRequest.seq).where(InfoRequest.year == year)
                               .order_by(InfoRequest.seq)).scalars().all()
        gaps += sum(b - a - 1 for a, b in zip(seqs, seqs[1:]))
    return partial, gaps


def reindex_check(env, *extra):
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "ppid", "reindex",
                           "--check", *extra], cwd=ROOT, env=env, capture_output=True,
                          text=True)


def gunicorn_children(master_pid):
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def is_indexer(pid):
    try:
        return b"search-indexer" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def gunicorn_workers(master_pid):
    """The master's worker processes (not the search indexer gunicorn.conf.py starts)."""
    return [p for p in gunicorn_children(master_pid) if not is_indexer(p)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", default="sqlite", help="'sqlite' or a PostgreSQL URL")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=3,
                    help="gunicorn workers (default: cores + 1, the fastest here: see docs)")
    ap.add_argument("--kill-worker", action="store_true")
    ap.add_argument("--kill-indexer", action="store_true",
                    help="SIGKILL the search indexer process mid-run (workers take over)")
    ap.add_argument("--warmup", type=float, default=3,
                    help="seconds of load before the measured run (not in the figures)")
    ap.add_argument("--mix", default="submit=0.4,page=0.4,search=0.2",
                    help="shares of the operations each client picks at random")
    args = ap.parse_args()
    mix = parse_mix(args.mix)

    data_dir = Path(tempfile.mkdtemp(prefix="ppid-load-"))
    url = f"sqlite:///{data_dir / 'ppid.sqlite3'}" if args.database == "sqlite" else args.database
    env = dict(os.environ, PPID_DATA_DIR=str(data_dir), PPID_DATABASE_URL=url,
               PPID_RATELIMIT_ENABLED="false", PPID_MAIL_BACKEND="none",
               PPID_SECRET_KEY="load-test-" + "k" * 40, PPID_ENV="production")
    print(f"database: {'SQLite (WAL)' if args.database == 'sqlite' else 'PostgreSQL'}; "
          f"{args.workers} gunicorn workers, {args.clients} clients, {args.seconds:.0f} s"
          f"{', one worker SIGKILLed mid-run' if args.kill_worker else ''}"
          f"{', the search indexer SIGKILLed mid-run' if args.kill_indexer else ''}", flush=True)
    flask(env, "db", "upgrade")
    flask(env, "ppid", "seed-demo")

    sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in env.items() if k.startswith("PPID_")})
    from ppid import create_app
    from ppid.extensions import db
    app = create_app()
    import sqlalchemy as sa
    with app.app_context():
        from ppid.agencies.models import Agency
        from ppid.info_requests.models import InfoRequest
        agencies = db.session.execute(sa.select(Agency.slug).where(Agency.is_active)).scalars().all()
        before = set(db.session.execute(sa.select(InfoRequest.registration_number)).scalars())

    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(args.workers), "--bind",
         f"127.0.0.1:{port}", "--graceful-timeout", "5", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(100):  # every worker booted (their start-up is not the load)
            if len(gunicorn_workers(server.pid)) >= args.workers:
                break
            time.sleep(0.1)
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
        indexer_pids = [p for p in gunicorn_children(server.pid) if is_indexer(p)]
        indexer_before = cpu_seconds(indexer_pids)
        killed_cpu = {"server": 0.0, "indexer": 0.0}
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
        lat = [e * 1000 for s, e in rows]
        errors = defaultdict(int)
        for s, _e in rows:
            if not (isinstance(s, int) and s < 400):
                errors[str(s)] += 1
            if isinstance(s, int) and s >= 500:
                total_5xx += 1
        print(f"{op:<12} {len(rows):>7} {len(rows) / wall:>8.1f} {percentile(lat, 50):>8.1f} "
              f"{percentile(lat, 95):>8.1f} {percentile(lat, 99):>8.1f}  {dict(errors) or '-'}")
    pages = [e * 1000 for op in ("agency_page", "search") for s, e in results.get(op, [])]
    print(f"page p95 (agency pages and search): {percentile(pages, 95):.1f} ms (target < 200)")
    measured = sum(1 for st, _e in results.get("submit", []) if st == 201)
    print(f"submissions answered 201 in the measured {wall:.1f} s: {measured} = "
          f"{measured / wall:.1f}/s (target >= 100/s on SQLite WAL); mix {args.mix}; "
          f"{len(created)} with the warm-up")
    ops = sum(len(v) for v in results.values())
    print(f"CPU: server {server_cpu / wall:.2f} cores ({server_cpu / max(ops, 1) * 1000:.1f} ms "
          f"per operation), search indexer {indexer_cpu / wall:.2f} cores"
          f"{'' if indexer_pids else ' (none running)'}, load generator "
          f"{client_cpu / wall:.2f} cores, of {os.cpu_count()}")

    with app.app_context():
        rows = db.session.execute(sa.select(InfoRequest.registration_number)).scalars().all()
        new = [r for r in rows if r not in before]
        dupes = len(new) - len(set(new))
        answered = set(created)
        missing = answered - set(new)
        extra = set(new) - answered
        print(f"database: {len(new)} new requests; duplicates {dupes}; answered 201 but "
              f"missing {len(missing)}; stored without a 201 {len(extra)}; "
              f"5xx responses {total_5xx}")
        if extra:
            print("  (stored without a 201: committed, then the connection was lost — the "
                  "killed worker's in-flight requests; each is complete and numbered)")
        partial, gaps = partial_records(db.session, InfoRequest, new)
        print(f"partial records (a new request without exactly one receipt letter and one "
              f"'diterima' event): {partial}; gaps in the registration sequence: {gaps}")
    check = reindex_check(env)
    print(f"search index check: exit {check.returncode}: {check.stdout.strip()[-300:]}")
    if check.returncode != 0:
        check = reindex_check(env, "--repair")
        print(f"search index repair: exit {check.returncode}: {check.stdout.strip()[-300:]}")
    ok = (dupes == 0 and not missing and total_5xx == 0 and (args.kill_worker or not extra)
          and partial == 0 and gaps == 0 and check.returncode == 0)
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
