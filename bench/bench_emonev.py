"""Benchmark of the E-Monev self-assessment and evidence packs on a registry of 45 agencies
(a province) and of 1,500 (a national deployment).

For each size it seeds (bulk inserts) a temporary SQLite database: the obligations
catalogue, per agency 10 published DIP items with their documents, 60 requests of this
year (on time, late, open, withdrawn; online, e-mail, in person), 10 satisfaction surveys
(7 answered), 4 attested documents (the PDF in storage), 2 official channels and last
year's annual report; the links the packs check answer from a local HTTP server (the
BASE_URL, the agencies' websites and channels), so nothing leaves the machine. It then
prints, in the same run:

* the compliance page (GET /kelola/kepatuhan) as the PPID Utama: the baseline;
* the self-assessment of every agency and the government (assessment.assess_all), and the
  E-Monev ranking page that shows it;
* one agency's evidence pack (pack.build_pack);
* every agency's evidence pack in one ZIP file (pack.build_all_packs: the assessments
  computed once, each pack rendered in one go, written to the file agency by agency);
  target for 1,500 agencies: under 10 minutes and under 1 GB;

with their ratio to the compliance page, and the peak memory: tracemalloc's peak of Python
allocations of each step (a separate run for the small steps; the all-packs step is
measured once, without tracemalloc, which triples WeasyPrint's time: its memory is the
resident size) and the process's maximum resident size (ru_maxrss) after each size. Each
step prints its wall time and this process's CPU time (the machine may be shared).

    .venv/bin/python bench/bench_emonev.py               # 45 and 1,500 agencies
    .venv/bin/python bench/bench_emonev.py --sizes 45    # one size
    .venv/bin/python bench/bench_emonev.py --quick       # 3 agencies, a smoke test
    .venv/bin/python bench/bench_emonev.py --pack-budget 600   # stop packing after 600 s
                                                               # and extrapolate
"""
import argparse
import hashlib
import os
import random
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from datetime import date, datetime, time as dtime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from ppid import create_app  # noqa: E402
from ppid.extensions import db  # noqa: E402

PASSWORD = "Bench-Sandi-2026"
BATCH = 20000


class Quiet(BaseHTTPRequestHandler):
    """Every page answers 200 (HEAD and GET), like a healthy web."""

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


def local_web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def seed(n_agencies, today, web):
    from ppid.accounts import services as accounts
    from ppid.agencies.models import Agency, AgencyChannel
    from ppid.core import auth
    from ppid.core.db import utcnow
    from ppid.core.storage import storage
    from ppid.evaluation.models import EmonevAttestation, IkmSurvey
    from ppid.info_requests.models import InfoRequest
    from ppid.registry.demo import _pdf_bytes, seed_catalogue
    from ppid.registry.models import DipItem, DocumentVersion, Obligation
    from ppid.reports.models import ANNUAL_TEXT_FIELDS, AnnualReportText

    rnd = random.Random(18)
    now = utcnow()
    seed_catalogue()
    db.session.commit()
    conn = db.session.connection()
    conn.execute(sa.insert(Agency), [
        {"slug": "ppid-utama" if i == 0 else f"dinas-{i:04d}",
         "name": "PPID Utama" if i == 0 else f"Dinas Uji {i:04d}",
         "kind": "utama" if i == 0 else "pembantu", "is_active": True,
         "website": f"{web}/situs/{i}", "created_at": now, "updated_at": now}
        for i in range(n_agencies)])
    agency_ids = list(db.session.execute(sa.select(Agency.id).order_by(Agency.id)).scalars())
    obligations = list(db.session.execute(sa.select(Obligation.id).where(
        Obligation.category == "berkala")).scalars())
    document = _pdf_bytes(["Dokumen uji untuk paket bukti"])
    sha = storage().put(document)
    evidence = _pdf_bytes(["SK PPID uji"])
    evidence_sha = storage().put(evidence)
    start = datetime(today.year, 1, 2, 2, tzinfo=timezone.utc)
    items = []
    for a in agency_ids:
        for k in range(10):
            published = start + timedelta(days=rnd.randint(0, max(1, (today - start.date()).days)))
            items.append({"agency_id": a, "obligation_id": obligations[k % len(obligations)]
                          if k < len(obligations) else None, "category": "berkala",
                          "title": f"Informasi {k}", "summary": "Ringkasan",
                          "holding_unit": "Sekretariat", "responsible": "PPID",
                          "made_at_place": "Pontianak", "made_on": published.date(),
                          "form": "cetak_elektronik", "retention": "5 tahun",
                          "state": "published", "published_at": published,
                          "created_at": published, "updated_at": published})
    for i in range(0, len(items), BATCH):
        conn.execute(sa.insert(DipItem), items[i:i + BATCH])
    item_rows = db.session.execute(sa.select(DipItem.id, DipItem.published_at)).all()
    conn.execute(sa.insert(DocumentVersion), [
        {"item_id": i, "number": 1, "sha256": sha, "original_name": "dokumen.pdf",
         "size": len(document), "media_type": "application/pdf", "created_at": at,
         "note": ""} for i, at in item_rows])
    requests, seq = [], 0
    channels = ["online"] * 5 + ["email"] * 2 + ["langsung", "telepon"]
    for a in agency_ids:
        for k in range(60):
            received = date(today.year, 1, 2) + timedelta(days=rnd.randint(
                0, max(1, (today - date(today.year, 1, 2)).days - 1)))
            due = received + timedelta(days=14)
            r = rnd.random()
            state, closed, outcome = "selesai", None, "dikabulkan"
            if r < 0.05:
                state, outcome = "ditarik", None
            elif r < 0.10 and (today - received).days < 30:
                state, outcome = "diproses", None
            else:
                closed = min(today, received + timedelta(days=rnd.randint(1, 20)))
            seq += 1
            requests.append({
                "registration_number": f"BENCH/{today.year}/{seq:07d}", "seq": seq,
                "year": today.year, "requester_name": "Pemohon", "identity_type": "nik",
                "identity_number": "6171000000000001", "address": "Jl. Uji",
                "information": "Uji", "purpose": "Uji", "obtain_method": "salinan",
                "delivery": "email", "addressed_agency_id": a, "agency_id": a,
                "channel": channels[k % len(channels)],
                "received_at": datetime.combine(received, dtime(2, 0), tzinfo=timezone.utc),
                "received_on": received, "effective_on": received, "due_on": due,
                "state": state, "outcome": outcome, "closed_on": closed,
                "created_at": now, "updated_at": now})
    for i in range(0, len(requests), BATCH):
        conn.execute(sa.insert(InfoRequest), requests[i:i + BATCH])
    closed_rows = db.session.execute(sa.select(InfoRequest.id, InfoRequest.agency_id,
                                               InfoRequest.closed_on).where(
        InfoRequest.closed_on.is_not(None)).order_by(InfoRequest.agency_id, InfoRequest.id)
    ).all()
    surveys, per = [], {}
    for rid, aid, closed in closed_rows:
        n = per[aid] = per.get(aid, 0) + 1
        if n > 10:
            continue
        answered = n <= 7
        row = {"request_id": rid, "agency_id": aid, "invited_on": closed, "created_at": now,
               "responded_at": now if answered else None,
               "responded_on": closed if answered else None}
        row.update({f"u{e}": rnd.randint(2, 4) if answered else None for e in range(1, 10)})
        surveys.append(row)
    for i in range(0, len(surveys), BATCH):
        conn.execute(sa.insert(IkmSurvey), surveys[i:i + BATCH])
    conn.execute(sa.insert(EmonevAttestation), [
        {"agency_id": a, "question": q, "statement": "Dokumen bukti uji", "sha256": evidence_sha,
         "original_name": f"{q}.pdf", "size": len(evidence), "media_type": "application/pdf",
         "valid_from": date(today.year, 1, 1), "valid_until": date(today.year + 2, 1, 1),
         "attested_on": date(today.year, 1, 5), "created_at": now}
        for a in agency_ids for q in ("ko_sk_ppid", "ko_sop", "ko_maklumat", "sp_ruang")])
    conn.execute(sa.insert(AgencyChannel), [
        {"agency_id": a, "platform": p, "url": f"{web}/{p}/{a}", "handle": f"@uji{a}",
         "created_at": start, "updated_at": start}
        for a in agency_ids for p in ("instagram", "youtube")])
    conn.execute(sa.insert(AnnualReportText), [
        {"agency_id": a, "year": today.year - 1, "updated_at": now, "created_at": now,
         **{f.value: "Uraian laporan tahunan." for f in ANNUAL_TEXT_FIELDS}}
        for a in agency_ids])
    user = accounts.create_user("bench-main@uji.go.id", "Bench", PASSWORD, actor=None,
                                roles=[(auth.MAIN, None)])
    db.session.commit()
    return user, len(items), len(requests), len(surveys)


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


def mb(n):
    return f"{n / 1024 / 1024:.0f} MB"


def run_size(n, args, web, base):
    from ppid.core.services import local_today
    tmp = tempfile.mkdtemp(prefix=f"ppid-bench-emonev-{n}-")
    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "b" * 40,
                      "DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                      "WTF_CSRF_ENABLED": False, "MAIL_BACKEND": "none",
                      "RATELIMIT_ENABLED": False, "SEARCH_AUTO_INDEX": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "BASE_URL": base,
                      "SERVER_NAME": None})
    out = {}
    with app.app_context():
        db.create_all()
        today = local_today()
        t_seed, (user, n_items, n_req, n_surveys) = timed(lambda: seed(n, today, web))
        print(f"-- {n} agencies: seeded {n_items} DIP items, {n_req} requests, {n_surveys} "
              f"surveys in {t_seed:.1f} s ({tmp})", flush=True)
        client = app.test_client()
        resp = client.post("/masuk", data={"email": user.email, "password": PASSWORD})
        assert resp.status_code == 302, resp.status_code

        def get(url):
            def go():
                r = client.get(url)
                assert r.status_code == 200, (url, r.status_code)
            return go

    from ppid.agencies.models import Agency
    from ppid.evaluation import assessment, pack
    with app.test_request_context():
        year = local_today().year
        first = db.session.execute(sa.select(Agency).where(Agency.slug != "ppid-utama")
                                   .order_by(Agency.id).limit(1)).scalar_one()
        steps = [("compliance page", get("/kelola/kepatuhan")),
                 ("self-assessment, all agencies", lambda: assessment.assess_all(year)),
                 ("E-Monev ranking page", get("/kelola/emonev/peringkat")),
                 ("one agency's evidence pack",
                  lambda: pack.build_pack(first, year, checker=pack.check_url))]
        steps[0][1]()  # the compliance page once first: templates compiled, caches filled
        for name, fn in steps:
            c0 = time.process_time()
            t, _ = timed(fn)
            cpu = time.process_time() - c0
            top = None if args.no_memory else peak(fn)
            out[name] = t
            ratio = "" if name == "compliance page" else \
                f" ({t / out['compliance page']:.1f} x the compliance page)"
            print(f"   {name}: {t:.2f} s (CPU {cpu:.2f} s){ratio}"
                  + ("" if top is None else f", tracemalloc peak {mb(top)}"), flush=True)
        path = os.path.join(tmp, f"emonev-{year}.zip")
        agencies = db.session.execute(sa.select(Agency).order_by(Agency.slug)).scalars().all()
        budget = args.pack_budget
        started = time.perf_counter()
        built = []

        class Budget(Exception):
            pass

        def progress(agency):
            built.append(agency.slug)
            if budget and time.perf_counter() - started > budget:
                raise Budget()

        c0, t0 = time.process_time(), time.perf_counter()
        stopped = False
        try:
            pack.build_all_packs(year, path, checker=pack.check_url, agencies=agencies,
                                 on_pack=progress)
        except Budget:
            stopped = True
        t_all = time.perf_counter() - t0
        cpu = time.process_time() - c0  # this process's CPU (the machine may be shared)
        size = os.path.getsize(path)
        if stopped:
            rate = t_all / len(built)
            print(f"   every agency's evidence pack: stopped by --pack-budget after {len(built)}"
                  f" of {len(agencies)} packs in {t_all:.1f} s ({rate:.2f} s a pack); all "
                  f"{len(agencies)} would take about {rate * len(agencies):.0f} s "
                  f"({rate * len(agencies) / 60:.1f} min, extrapolated); CPU {cpu:.1f} s "
                  f"({cpu / len(built):.2f} s a pack); ZIP so far {mb(size)}", flush=True)
            out["all packs"] = rate * len(agencies)
        else:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                biggest = max(i.file_size for i in z.infolist() if i.filename.endswith(".pdf"))
            print(f"   every agency's evidence pack: {t_all:.1f} s ({t_all / 60:.1f} min; "
                  f"{t_all / len(agencies):.2f} s a pack; {t_all / out['compliance page']:.0f} x "
                  f"the compliance page), {len(names)} files, ZIP {mb(size)}, largest PDF "
                  f"{biggest / 1024:.0f} KB; CPU {cpu:.1f} s ({cpu / len(agencies):.2f} s a "
                  f"pack)", flush=True)
            out["all packs"] = t_all
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(f"   process maximum resident size so far: {mb(maxrss)}", flush=True)
        out["maxrss"] = maxrss
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                    default=[45, 1500])
    ap.add_argument("--quick", action="store_true", help="3 agencies: a smoke test")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    ap.add_argument("--pack-budget", type=float, default=None,
                    help="stop building every pack after this many seconds; extrapolate")
    args = ap.parse_args()
    sizes = [3] if args.quick else args.sizes
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)", flush=True)
    server, web = local_web()
    results = {}
    try:
        for n in sizes:
            results[n] = run_size(n, args, web, web)
    finally:
        server.shutdown()
    for n, r in results.items():
        ok = r["all packs"] < 600 and r["maxrss"] < 1024 ** 3
        print(f"== {n} agencies: every pack {r['all packs']:.0f} s, maximum resident "
              f"{mb(r['maxrss'])}: {'within' if ok else 'NOT within'} the target "
              f"(10 min, 1 GB)")
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
