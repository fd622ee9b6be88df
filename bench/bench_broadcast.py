"""Public pages under a surge (issue #19, section 2), in one command:

    .venv/bin/python bench/bench_broadcast.py [--seconds 5] [--connections 16] [--workers 3]

It migrates and seeds a fresh SQLite registry (the demo data), starts gunicorn on 127.0.0.1
(gunicorn.conf.py, production mode) serving the registry with a bare Flask "hello" route
in the same app (bench/broadcast_app.py), and for each target runs ``--connections``
concurrent anonymous clients for ``--seconds`` (after a short warm-up): the hello endpoint,
then the crisis page of a broadcast (the demo's newest: ppid.broadcasts), the home page and
an agency page, each as full GETs (200, a complete body) and as conditional GETs (If-None-Match with
the page's ETag: 304). It prints requests/s, p50/p95 latency and errors per target and each
rate as a share of the hello endpoint's, and exits 1 on any error. Bounded: at most
``--max-requests`` per target, and a timeout on every request.
"""
import argparse
import http.client
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import bench_app, bench_env, free_port, percentile, start_gunicorn  # noqa: E402


def _get(port, path, headers, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.getheader("ETag"), resp.getheader("Set-Cookie"), len(body)
    finally:
        conn.close()


def _client(port, path, headers, expect, deadline, budget, out):
    import threading
    lat, errors, lock = [], [0], threading.Lock()

    def run():
        mine, bad = [], 0
        while time.monotonic() < deadline and len(mine) < budget:
            t = time.perf_counter()
            try:
                status, _etag, cookie, _n = _get(port, path, headers)
                ok = status == expect and not cookie
            except OSError:
                ok = False
            mine.append(time.perf_counter() - t)
            bad += not ok
        with lock:
            lat.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=run) for _ in range(out["threads"])]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    out["queue"].put((lat, errors[0]))


def measure(port, path, headers, expect, seconds, connections, max_requests):
    procs = min(4, connections)
    per = [connections // procs + (i < connections % procs) for i in range(procs)]
    queue = mp.Queue()
    warm_until = time.monotonic() + 0.5
    while time.monotonic() < warm_until:
        _get(port, path, headers)
    start = time.monotonic()
    deadline = start + seconds
    workers = [mp.Process(target=_client, args=(
        port, path, headers, expect, deadline, max(1, max_requests // connections),
        {"threads": n, "queue": queue})) for n in per]
    for w in workers:
        w.start()
    latencies, errors = [], 0
    for _ in workers:
        lat, bad = queue.get(timeout=seconds + 60)
        latencies.extend(lat)
        errors += bad
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start
    return {"n": len(latencies), "rate": len(latencies) / elapsed, "errors": errors,
            "p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000}


def targets(app):
    """(name, path) of the pages: the home page, an agency page, a broadcast's page."""
    import sqlalchemy as sa

    from ppid.agencies.models import Agency
    from ppid.extensions import db
    with app.app_context():
        slug = db.session.execute(sa.select(Agency.slug).where(Agency.is_active)
                                  .order_by(Agency.id).limit(1)).scalar_one()
        found = [("home page", "/"), ("agency page", f"/badan/{slug}")]
        from ppid.broadcasts.services import bench_crisis_path
        crisis = bench_crisis_path()
    if crisis:
        found.insert(0, ("crisis page", crisis))
    else:
        print("(no crisis page: this registry has no serta-merta broadcast to measure)")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    if not (0 < args.seconds <= 120 and 0 < args.connections <= 256
            and 0 < args.workers <= 32):
        parser.error("--seconds up to 120, --connections up to 256, --workers up to 32")
    data_dir = Path(tempfile.mkdtemp(prefix="ppid-broadcast-bench-"))
    env = bench_env("sqlite", data_dir)
    env.update(PPID_JOB_WORKER="off")
    app = bench_app(env)
    pages = targets(app)
    port = free_port()
    load_before = os.getloadavg()
    server = start_gunicorn(env, port, args.workers, app="bench.broadcast_app:app")
    rows, failed = [], False
    try:
        run = lambda path, headers, expect: measure(  # noqa: E731
            port, path, headers, expect, args.seconds, args.connections, args.max_requests)
        hello = run("/bench/hello", {}, 200)
        rows.append(("hello", "full", hello))
        for name, path in pages:
            status, etag, cookie, size = _get(port, path, {})
            if status != 200 or not etag or cookie:
                print(f"{name} {path}: status {status}, ETag {etag!r}, Set-Cookie {cookie!r}")
                failed = True
                continue
            rows.append((name, "full", run(path, {}, 200)))
            rows.append((name, "conditional", run(path, {"If-None-Match": etag}, 304)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    base = rows[0][2]["rate"]
    load = os.getloadavg()
    print(f"gunicorn {args.workers} workers, {args.connections} connections, "
          f"{args.seconds:g} s per target, SQLite, {os.cpu_count()} CPUs; load average "
          f"before {load_before[0]:.2f}, after {load[0]:.2f} (1 min; a shared machine's other "
          f"work lowers every figure alike, the ratios less)")
    print(f"{'target':<14}{'request':<13}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'errors':>8}{'of hello':>10}")
    for name, kind, r in rows:
        print(f"{name:<14}{kind:<13}{r['rate']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
              f"{r['errors']:>8}{r['rate'] / base:>9.0%}")
        failed |= r["errors"] > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
