"""Benchmark of the compliance page and the annual report PDFs on a large registry.

Seeds (fast bulk inserts, not ORM objects one by one) a temporary SQLite database with
1,500 agencies and 300,000 requests spread over three years (plus nil declarations and
objections), then prints the time and peak memory of:

* the compliance page (GET /kelola/kepatuhan), target < 1 s;
  baseline: the naive per-agency loop (staleness + request queries for each agency),
  measured on the first 100 agencies and scaled to all;
* one agency's annual report PDF, target < 3 s; baseline: the same report as HTML only;
* the consolidated annual report PDF, target < 60 s and < 1 GB; baseline: HTML only.

Peak memory is tracemalloc's peak of Python allocations for a second run of the same step
(tracemalloc slows the code, so timings come from the first run), plus the process's
maximum resident size (ru_maxrss) at the end.

    .venv/bin/python bench/bench_reports.py                 # full size
    .venv/bin/python bench/bench_reports.py --agencies 150 --requests 20000   # quick
"""
import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from ppid import create_app  # noqa: E402
from ppid.extensions import db  # noqa: E402

PASSWORD = "Bench-Sandi-2026"
BATCH = 20000


def seed(n_agencies, n_requests, today):
    from ppid.accounts import services as accounts
    from ppid.agencies.models import Agency
    from ppid.core import auth
    from ppid.core.db import utcnow
    from ppid.info_requests.models import InfoRequest, Objection
    from ppid.registry.demo import seed_catalogue
    from ppid.registry.models import NilDeclaration, Obligation

    rnd = random.Random(42)
    now = utcnow()
    seed_catalogue()
    db.session.commit()
    conn = db.session.connection()
    conn.execute(sa.insert(Agency), [
        {"slug": "ppid-utama" if i == 0 else f"dinas-{i:04d}",
         "name": "PPID Utama" if i == 0 else f"Dinas Uji {i:04d}",
         "kind": "utama" if i == 0 else "pembantu", "is_active": True,
         "created_at": now, "updated_at": now} for i in range(n_agencies)])
    agency_ids = list(db.session.execute(sa.select(Agency.id).order_by(Agency.id)).scalars())
    obligation_ids = list(db.session.execute(sa.select(Obligation.id)).scalars())
    nils = []
    for a in agency_ids:
        for ob in obligation_ids:
            if rnd.random() < 0.6:
                declared = today - timedelta(days=rnd.randint(0, 400))
                nils.append({"agency_id": a, "obligation_id": ob,
                             "period_year": declared.year,
                             "period_semester": 1 if declared.month <= 6 else 2,
                             "reason": "Nihil", "declared_on": declared, "created_at": now})
    for i in range(0, len(nils), BATCH):
        conn.execute(sa.insert(NilDeclaration), nils[i:i + BATCH])
    start = date(today.year - 2, 1, 1)
    span = (today - start).days
    outcomes = ["dikabulkan"] * 6 + ["dikabulkan_sebagian"] * 2 + ["ditolak", "tidak_dikuasai",
                                                                    "belum_didokumentasikan"]
    objections = []
    rows = []
    seq_by_year = {}
    for n in range(n_requests):
        received = start + timedelta(days=rnd.randint(0, span))
        due = received + timedelta(days=14)
        r = rnd.random()
        closed = None
        outcome = None
        state = "selesai"
        if r < 0.04 and (today - received).days < 60:
            state = "diproses"
        elif r < 0.07:
            state = "ditarik"
        else:
            closed = min(today, received + timedelta(days=rnd.randint(1, 24)))
            outcome = rnd.choice(outcomes)
        seq = seq_by_year[received.year] = seq_by_year.get(received.year, 0) + 1
        rows.append({
            "registration_number": f"BENCH/{received.year}/{seq:06d}", "seq": seq,
            "year": received.year, "requester_name": "Pemohon", "identity_type": "nik",
            "identity_number": "6171000000000001", "address": "Jl. Uji", "information": "Uji",
            "purpose": "Uji", "obtain_method": "salinan", "delivery": "email",
            "addressed_agency_id": agency_ids[n % len(agency_ids)],
            "agency_id": agency_ids[n % len(agency_ids)], "channel": "online",
            "received_at": datetime.combine(received, dtime(2, 0), tzinfo=timezone.utc),
            "received_on": received, "effective_on": received, "due_on": due,
            "state": state, "outcome": outcome, "closed_on": closed,
            "exemption_letters": rnd.choice(["h", "a,i", "j"]) if outcome == "ditolak" else None,
            "created_at": now, "updated_at": now})
        if len(rows) == BATCH:
            conn.execute(sa.insert(InfoRequest), rows)
            rows = []
    if rows:
        conn.execute(sa.insert(InfoRequest), rows)
    ids = db.session.execute(sa.select(InfoRequest.id, InfoRequest.agency_id,
                                       InfoRequest.received_on)
                             .where(InfoRequest.outcome == "ditolak")).all()
    for k, (rid, aid, received) in enumerate(ids[: n_requests // 100]):
        got = received + timedelta(days=20)
        objections.append({
            "registration_number": f"BENCH/KEB/{k:06d}", "request_id": rid, "agency_id": aid,
            "grounds": "a", "statement": "Uji",
            "received_at": datetime.combine(got, dtime(2, 0), tzinfo=timezone.utc),
            "received_on": got, "ground_on": got, "due_on": got + timedelta(days=42),
            "decision": rnd.choice([None, "menguatkan", "membuka_sebagian"]),
            "dispute_filed_on": got + timedelta(days=50) if k % 5 == 0 else None,
            "created_at": now})
    for i in range(0, len(objections), BATCH):
        conn.execute(sa.insert(Objection), objections[i:i + BATCH])
    user = accounts.create_user("bench-main@uji.go.id", "Bench", PASSWORD, actor=None,
                                roles=[(auth.MAIN, None)])
    db.session.commit()
    return user, len(nils), len(objections)


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def peak(fn):
    tracemalloc.start()
    fn()
    _cur, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agencies", type=int, default=1500)
    ap.add_argument("--requests", type=int, default=300000)
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="ppid-bench-reports-")
    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "b" * 40,
                      "DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                      "WTF_CSRF_ENABLED": False, "MAIL_BACKEND": "none",
                      "RATELIMIT_ENABLED": False, "SEARCH_AUTO_INDEX": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        from ppid.core.services import local_today
        today = local_today()
        t_seed, (user, n_nils, n_obj) = timed(lambda: seed(args.agencies, args.requests, today))
        print(f"seeded {args.agencies} agencies, {args.requests} requests, {n_nils} nil "
              f"declarations, {n_obj} objections in {t_seed:.1f} s ({tmp})")
        year = today.year - 1
        slug = "dinas-0001"
        client = app.test_client()
        resp = client.post("/masuk", data={"email": user.email, "password": PASSWORD})
        assert resp.status_code == 302, resp.status_code

        def get(url):
            def run():
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
                return r
            return run

        def naive_loop(limit):
            from ppid.agencies.models import Agency
            from ppid.info_requests.models import InfoRequest
            from ppid.registry.services import compute_staleness
            ids = list(db.session.execute(sa.select(Agency.id).order_by(Agency.id)
                                          .limit(limit)).scalars())
            for aid in ids:
                compute_staleness(agency_ids=[aid])
                db.session.execute(sa.select(InfoRequest.state, InfoRequest.due_on,
                                             InfoRequest.closed_on)
                                   .where(InfoRequest.agency_id == aid)).all()
            return len(ids)

        steps = [
            ("compliance page", get("/kelola/kepatuhan"), 1.0),
            ("agency annual report PDF", get(f"/kelola/laporan/tahunan/{year}/{slug}.pdf"), 3.0),
            ("consolidated annual report PDF", get(f"/kelola/laporan/tahunan/{year}.pdf"), 60.0),
        ]
        sample = min(100, args.agencies)
        t_naive, counted = timed(lambda: naive_loop(sample))
        naive_all = t_naive * args.agencies / counted
        baselines = {
            "compliance page": ("naive per-agency loop (scaled from %d agencies)" % counted,
                                naive_all),
        }
        t, _ = timed(get(f"/kelola/laporan/tahunan/{year}/{slug}.html"))
        baselines["agency annual report PDF"] = ("same report, HTML only", t)
        t, _ = timed(get(f"/kelola/laporan/tahunan/{year}.html"))
        baselines["consolidated annual report PDF"] = ("same report, HTML only", t)

        print(f"\n{'step':34} {'time':>9} {'target':>8} {'peak MB':>9}   baseline")
        for name, fn, target in steps:
            seconds, resp = timed(fn)
            size = len(resp.data)
            mem = None if args.no_memory else peak(fn) / 2**20
            base_name, base_t = baselines[name]
            ratio = seconds / base_t if base_t else float("nan")
            verdict = "ok" if seconds < target else "OVER"
            mem_text = "-" if mem is None else f"{mem:9.1f}"
            print(f"{name:34} {seconds:8.2f}s {target:7.0f}s {mem_text:>9}   "
                  f"{base_name}: {base_t:.2f}s, ratio {ratio:.2f}x  [{verdict}; "
                  f"{size / 1024:.0f} KiB]")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nmax resident set size of the process: {rss:.0f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()
