"""Staleness of 1,500 agencies x the full catalogue, and the PPID Utama's matrix page.

    .venv/bin/python bench/bench_staleness.py [--agencies 1500] [--repeat 3]

Seeds a temporary SQLite database with bulk inserts (agencies, the catalogue a-k, items with
one or two versions for most obligations, some drafts, withdrawn items and nil
declarations), then prints:
- the bulk computation for all agencies (services.compute_staleness: constant queries),
- the naive baseline in the same run (services.status_of: two queries per pair),
- the matrix page rendered through the test client, logged in as a PPID Utama officer.
Targets: bulk < 0.5 s, matrix page < 1 s.
"""
import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from ppid import create_app  # noqa: E402
from ppid.extensions import db  # noqa: E402

PASSWORD = "Bench-Sandi-2026"


def seed(n_agencies):
    from ppid.agencies.models import Agency
    from ppid.registry.demo import CATALOGUE
    from ppid.registry.models import DipItem, DocumentVersion, NilDeclaration, Obligation

    now = datetime.now(timezone.utc)
    db.session.execute(sa.insert(Agency.__table__), [
        {"id": i, "slug": f"badan-{i:04d}", "name": f"Badan Uji Nomor {i:04d}",
         "short_name": f"BU{i:04d}", "kind": "utama" if i == 1 else "pembantu",
         "parent_id": None if i == 1 else 1, "is_active": True, "created_at": now,
         "updated_at": now} for i in range(1, n_agencies + 1)])
    db.session.execute(sa.insert(Obligation.__table__), [
        {"id": n, "code": code, "title": title, "description": desc, "legal_basis": basis,
         "category": "berkala", "period_months": 6, "applies_to": "semua", "is_active": True,
         "created_at": now, "updated_at": now}
        for n, (code, title, desc, basis) in enumerate(CATALOGUE, 1)])
    items, versions, nils = [], [], []
    item_id = version_id = 0
    for a in range(1, n_agencies + 1):
        for o in range(1, len(CATALOGUE) + 1):
            h = int(hashlib.sha256(f"{a}:{o}".encode()).hexdigest()[:8], 16)
            kind = h % 100
            if kind < 12:
                continue  # missing
            if kind < 14:
                nils.append({"agency_id": a, "obligation_id": o, "period_year": 2026,
                             "period_semester": 1, "reason": "nihil",
                             "declared_on": (now - timedelta(days=h % 200)).date(),
                             "created_at": now})
                continue
            item_id += 1
            published = now - timedelta(days=h % 400, hours=h % 24)
            state = "draft" if kind < 17 else "withdrawn" if kind < 19 else "published"
            items.append({
                "id": item_id, "agency_id": a, "obligation_id": o, "category": "berkala",
                "title": f"Informasi {o} badan {a}", "summary": "Ringkasan isi informasi",
                "holding_unit": "Sekretariat", "responsible": "Sekretaris",
                "made_at_place": "Pontianak", "made_on": published.date(),
                "form": "cetak_elektronik", "retention": "5 tahun", "state": state,
                "published_at": None if state == "draft" else published,
                "withdrawn_at": now if state == "withdrawn" else None,
                "withdrawal_reason": "ditarik" if state == "withdrawn" else None,
                "created_at": published, "updated_at": published})
            for n in range(1 + (h % 3 == 0)):
                version_id += 1
                versions.append({
                    "id": version_id, "item_id": item_id, "number": n + 1,
                    "sha256": hashlib.sha256(f"{item_id}:{n}".encode()).hexdigest(),
                    "original_name": "dokumen.pdf", "size": 12345,
                    "media_type": "application/pdf", "created_at": published
                    + timedelta(days=40 * n), "note": ""})
    for table, rows in ((DipItem.__table__, items), (DocumentVersion.__table__, versions),
                        (NilDeclaration.__table__, nils)):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(table), rows[start:start + 5000])
    db.session.commit()
    return len(items), len(versions), len(nils)


def timed(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        db.session.expire_all()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ppid-bench-") as tmp:
        app = create_app({"ENV": "testing", "TESTING": True, "DATA_DIR": tmp,
                          "SECRET_KEY": "bench-" + "x" * 40, "WTF_CSRF_ENABLED": False,
                          "MAIL_BACKEND": "none", "RATELIMIT_ENABLED": False,
                          "SERVER_NAME": "localhost", "SEARCH_AUTO_INDEX": False,
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            from ppid.accounts import services as accounts
            from ppid.core import auth
            from ppid.registry import services

            db.create_all()
            t0 = time.perf_counter()
            n_items, n_versions, n_nils = seed(args.agencies)
            print(f"seeded {args.agencies} agencies, 11 obligations, {n_items} items, "
                  f"{n_versions} versions, {n_nils} nil declarations "
                  f"in {time.perf_counter() - t0:.1f} s (SQLite, {tmp})")

            bulk_med, bulk_min, pairs = timed(services.compute_staleness, args.repeat)
            counts = services.status_counts(pairs)
            print(f"pairs: {len(pairs)}; statuses: {counts}")
            print(f"bulk staleness (all agencies): median {bulk_med:.3f} s, "
                  f"best {bulk_min:.3f} s  [target < 0.5 s]")

            def naive():
                return [services.status_of(p.agency, p.obligation) for p in pairs]
            naive_med, _best, naive_pairs = timed(naive, 1)
            assert [(p.agency.id, p.obligation.id, p.status) for p in naive_pairs] == \
                [(p.agency.id, p.obligation.id, p.status) for p in pairs]
            print(f"naive baseline (2 queries per pair): {naive_med:.3f} s; "
                  f"bulk is {naive_med / bulk_med:.0f}x faster, same statuses")

            accounts.create_user("utama@bench.ppid.id", "PPID Utama", PASSWORD, actor=None,
                                 roles=[(auth.MAIN, None)])
            db.session.commit()
            client = app.test_client()
            resp = client.post("/masuk", data={"email": "utama@bench.ppid.id",
                                               "password": PASSWORD})
            assert resp.status_code == 302, resp.status_code

            def page():
                r = client.get("/kelola/dip/matriks")
                assert r.status_code == 200, r.status_code
                return len(r.data)
            client.get("/kelola/dip/matriks")  # warm the template cache
            page_med, page_min, size = timed(page, args.repeat)
            print(f"matrix page ({args.agencies} rows, {size / 1e6:.1f} MB HTML): median "
                  f"{page_med:.3f} s, best {page_min:.3f} s  [target < 1 s]")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
