"""Search on both backends, against SQLite FTS5 over the same corpus in the same run.

    .venv/bin/python bench/bench_search.py                                # Whoosh, 50,000
    .venv/bin/python bench/bench_search.py --database postgresql://... --records 1000000

Generates a realistic corpus: Indonesian words drawn with a Zipf distribution from
PySastrawi's root-word dictionary (with common affixed forms), real DIP titles, 45 agencies;
records are DIP items (35 %, a third of them with a document text of 1-3 pages) and
requests (65 %). Then prints, for the backend of --database (sqlite: Whoosh; a PostgreSQL
URL: PostgreSQL full-text search):
- the bulk rebuild rate (records/s): Whoosh's writer with --procs processes; PostgreSQL's
  rows written by the backend's own code, then the GIN index built; and FTS5's;
- p50/p95 of 1-, 2- and 3-word queries, with and without an agency filter, and of the
  commonest single words, through the search service: the page path (facet counts,
  snippets, "did you mean") and the API path (no facets); FTS5's bm25 top 20 with
  snippet plus the total count, and the p95 ratio;
- the cost a record write adds: Whoosh, queueing in the transaction (and the indexer's
  drain, off the request); PostgreSQL, the search row written in the record's transaction.
Targets (issue 14): Whoosh at 50,000 records p95 <= 50 ms; PostgreSQL at 1,000,000 p95 <=
50 ms for 2- and 3-word queries and <= 150 ms for the commonest single words; both <= 3 x
FTS5; a PostgreSQL record write adds <= 5 ms.
"""
import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ppid import create_app  # noqa: E402
from ppid.extensions import db  # noqa: E402

AGENCIES = [
    ("diskominfo", "Dinas Komunikasi dan Informatika"), ("dinkes", "Dinas Kesehatan"),
    ("disdik", "Dinas Pendidikan dan Kebudayaan"), ("bpbd", "Badan Penanggulangan Bencana Daerah"),
    ("dinsos", "Dinas Sosial"), ("dishub", "Dinas Perhubungan"), ("bappeda", "Badan Perencanaan Pembangunan Daerah"),
    ("bpkad", "Badan Pengelolaan Keuangan dan Aset Daerah"), ("dpmptsp", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("dlhk", "Dinas Lingkungan Hidup dan Kehutanan"), ("dinas-pupr", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("disnakertrans", "Dinas Tenaga Kerja dan Transmigrasi"), ("dispora", "Dinas Pemuda dan Olahraga"),
    ("disbudpar", "Dinas Pariwisata"), ("distan", "Dinas Pertanian"), ("dkp", "Dinas Kelautan dan Perikanan"),
    ("disperindag", "Dinas Perindustrian dan Perdagangan"), ("bkd", "Badan Kepegawaian Daerah"),
    ("inspektorat", "Inspektorat"), ("satpolpp", "Satuan Polisi Pamong Praja"),
] + [(f"opd-{i}", f"Perangkat Daerah {i}") for i in range(25)]

TITLES = [
    "Laporan Keuangan {agency} Tahun {year}", "Ringkasan Laporan Keuangan Tahun Anggaran {year}",
    "Rencana Strategis {agency} {year}-{year2}", "Laporan Kinerja Instansi Pemerintah (LKjIP) {year}",
    "Daftar Aset dan Inventaris {agency}", "Profil Badan Publik {agency}",
    "Rencana Kerja dan Anggaran {year}", "Dokumen Pelaksanaan Anggaran {year}",
    "Pengumuman Pengadaan Barang dan Jasa {year}", "Standar Operasional Prosedur Pelayanan Informasi",
    "Laporan Layanan Informasi Publik {year}", "Struktur Organisasi dan Tata Kerja",
    "Peraturan Gubernur Nomor {n} Tahun {year}", "Keputusan Kepala Dinas Nomor {n}/{year}",
    "Laporan Harta Kekayaan Penyelenggara Negara {year}", "Prosedur Peringatan Dini dan Evakuasi",
    "Data Statistik Sektoral {year}", "Rencana Umum Pengadaan {year}",
    "Laporan Realisasi Anggaran Semester {sem} {year}", "Daftar Informasi Publik {agency} {year}",
    "Informasi Ketenagakerjaan dan Rekrutmen {year}", "Tata Cara Pengaduan Penyalahgunaan Wewenang",
    "Neraca dan Laporan Arus Kas {year}", "Program dan Kegiatan Prioritas {year}",
]
PREFIXES = ["pe", "pem", "pen", "peng", "ke", "di", "me", "mem", "men", "meng", "ber", "ter"]
SUFFIXES = ["an", "kan", "i", "nya"]
CATEGORIES = ["berkala", "berkala", "berkala", "setiap_saat", "setiap_saat", "serta_merta"]


def vocabulary(rng):
    """Root words of PySastrawi's dictionary plus affixed forms, in a shuffled Zipf order."""
    import Sastrawi.Stemmer
    path = Path(Sastrawi.Stemmer.__file__).parent / "data" / "kata-dasar.txt"
    roots = [w.strip() for w in path.read_text(encoding="utf-8").split("\n")
             if w.strip().isalpha() and len(w.strip()) > 2]
    rng.shuffle(roots)
    words = []
    for w in roots:
        words.append(w)
        if rng.random() < 0.5:
            words.append(rng.choice(PREFIXES) + w + rng.choice(SUFFIXES))
    rng.shuffle(words)
    # Domain words first: the most frequent ranks.
    domain = ("informasi laporan anggaran keuangan daerah dinas pelayanan kegiatan program "
              "data dokumen pengelolaan pembangunan kesehatan pendidikan masyarakat").split()
    words = domain + [w for w in words if w not in domain]
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1.0 / rank ** 1.07
        weights.append(total)
    return words, weights


def iter_docs(n, rng, words, cum):
    """The generated documents one at a time (a million do not fit in memory at once)."""
    from ppid.search.sources import SearchDoc

    def text(k):
        return " ".join(rng.choices(words, cum_weights=cum, k=k))

    n_dip = int(n * 0.35)
    start = date(2019, 1, 1)
    for i in range(n):
        slug, name = rng.choice(AGENCIES)
        when = start + timedelta(days=rng.randrange(0, 2900))
        if i < n_dip:
            title = rng.choice(TITLES).format(agency=name, year=when.year, year2=when.year + 4,
                                              n=rng.randrange(1, 80), sem=rng.choice("12"))
            body = (text(rng.randrange(25, 60)),
                    text(250 * rng.randrange(1, 4)) if rng.random() < 1 / 3 else "")
            yield SearchDoc(
                "dip", str(i), str(i), title, body=body[0], text=body[1],
                meta=f"{name}\nSubbagian {text(2)}\nKepala {text(1)}\n{when.year}",
                agency=slug, agency_name=name, category=rng.choice(CATEGORIES), date=when,
                url=f"/badan/{slug}/dip/{i}")
        else:
            reg = f"KALBAR/{when.year}/{i:05d}"
            subject = text(rng.randrange(8, 25))
            yield SearchDoc(
                "request", str(i), reg, subject, body=subject,
                meta=f"{reg}\n{name}\npermohonan informasi\nselesai\ndikabulkan\n{when.year}",
                agency=slug, agency_name=name, date=when,
                url=f"/permohonan/register?badan={slug}")


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def verdict(value, target):
    return "OK" if value <= target else f"MISSED by {(value - target) / target:.0%}"


def fts5_build(path, docs):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, meta, agency UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 2')")
    t = time.perf_counter()
    with con:
        con.executemany("INSERT INTO fts(title, body, meta, agency) VALUES (?,?,?,?)",
                        ((d.title, f"{d.body}\n{d.text}", d.meta, d.agency) for d in docs))
    return con, time.perf_counter() - t


def fts5_query(con, words, agency):
    match = " AND ".join(f'"{w}"' for w in words)
    where, args = "fts MATCH ?", [match]
    if agency:
        where += " AND agency = ?"
        args.append(agency)
    rows = con.execute(f"SELECT rowid, title, snippet(fts, 1, '<mark>', '</mark>', ' … ', 24) "
                       f"FROM fts WHERE {where} ORDER BY bm25(fts, 3.0, 1.0, 0.5) LIMIT 20",
                       args).fetchall()
    total = con.execute(f"SELECT count(*) FROM fts WHERE {where}", args).fetchone()[0]
    return rows, total


def build_whoosh(app, docs, args):
    from whoosh import index as windex

    from ppid.search import index as sindex
    path = sindex.index_dir(app)
    path.mkdir(parents=True, exist_ok=True)
    ix = windex.create_in(str(path), sindex.make_schema(), indexname=sindex.INDEX_NAME)
    t = time.perf_counter()
    sindex.fill(ix, docs, procs=args.procs, limitmb=args.limitmb)  # what reindex does
    took = time.perf_counter() - t
    size = sum(f.stat().st_size for f in path.iterdir()) / 1e6
    return took, f"{size:,.0f} MB, {len(list(path.glob('*.seg')))} segment(s)"


def build_postgres(app, docs, args):
    """The rows as the backend writes them (postgres.write_docs), in batches, with the
    GIN index dropped meanwhile and built at the end, as a bulk load does."""
    import sqlalchemy as sa

    from ppid.search import postgres
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_search_documents_terms"))
    t = time.perf_counter()
    batch = []
    with db.engine.begin() as conn:
        for doc in docs:
            batch.append(doc)
            if len(batch) == 1000:
                postgres.write_docs(conn, batch)
                batch = []
        postgres.write_docs(conn, batch)
    rows = time.perf_counter() - t
    with db.engine.begin() as conn:
        conn.execute(sa.text("SET maintenance_work_mem = '512MB'"))
        conn.execute(sa.text("CREATE INDEX ix_search_documents_terms ON search_documents "
                             "USING gin (terms)"))
        conn.execute(sa.text("VACUUM ANALYZE search_documents") if False else sa.text(
            "ANALYZE search_documents"))
    took = time.perf_counter() - t
    with db.engine.connect() as conn:
        size = conn.execute(sa.text(
            "SELECT pg_total_relation_size('search_documents') / 1e6")).scalar_one()
    return took, f"{size:,.0f} MB; rows {rows:.0f} s, GIN index {took - rows:.0f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database", default="sqlite",
                    help="sqlite (Whoosh) or a PostgreSQL URL (PostgreSQL full-text search)")
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--procs", type=int, default=2, help="Whoosh writer processes")
    ap.add_argument("--limitmb", type=int, default=256)
    ap.add_argument("--queries", type=int, default=60, help="queries per class")
    ap.add_argument("--updates", type=int, default=40, help="record writes measured")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--keep", help="the data directory (kept; default: a temporary one)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the index (or rows) an earlier run with the same --keep, "
                         "--database, --records and --seed built: queries only")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="ppid-bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = (f"sqlite:///{workdir / 'bench.sqlite3'}" if args.database == "sqlite"
           else args.database)
    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "b" * 40,
                      "DATA_DIR": str(workdir), "MAIL_BACKEND": "none", "DATABASE_URL": url})
    import logging
    logging.getLogger("ppid.search").setLevel(logging.ERROR)
    from ppid.search import backend, services
    kind = backend.name(app)
    print(f"== Search benchmark: {kind} backend, {args.records:,} records, {os.cpu_count()} "
          f"CPU(s), load average {os.getloadavg()[0]:.1f} at start")
    words, cum = vocabulary(random.Random(args.seed))

    def corpus():   # the same documents each time
        return iter_docs(args.records, random.Random(args.seed + 1), words, cum)

    with app.app_context():
        fts_path = workdir / "fts5.sqlite3"
        if args.reuse and fts_path.exists():
            con = sqlite3.connect(str(fts_path))
            print("\nbulk rebuild: reused the index and FTS5 table of an earlier run")
        else:
            db.drop_all()
            db.create_all()
            build = build_whoosh if kind == "whoosh" else build_postgres
            took, detail = build(app, corpus(), args)
            fts_path.unlink(missing_ok=True)
            con, fts_s = fts5_build(str(fts_path), corpus())
            rate = args.records / took
            print(f"\nbulk rebuild: {kind} {rate:,.0f} records/s ({took:.1f} s, {detail}) | "
                  f"FTS5 {args.records / fts_s:,.0f} records/s ({fts_s:.1f} s)")
        queries(app, args, rng, con, words, kind)
        writes(app, args, kind)


def queries(app, args, rng, con, words, kind):
    from ppid.search import services
    pool = [w for w in words[:3000] if len(w) > 3]
    commonest = [w for w in words[:12] if len(w) > 3]
    slugs = [s for s, _n in AGENCIES]
    results = []
    print(f"\nquery latency (ms): page = /cari (facet counts, snippets), API = "
          f"/api/v1/search (no facets), FTS5 = bm25 top 20 + snippet + count")
    print("                                 page p50   p95 |   API p50   p95 |  FTS5 p50   p95 "
          "| p95 ratio page/API")
    classes = [(n, f, n > 1 and f"{n} words" or "1 word") for n in (1, 2, 3) for f in (False, True)]
    classes += [(1, False, "commonest single word"), (1, True, "commonest single word")]
    for nwords, filtered, name in classes:
        cases = []
        for _ in range(args.queries):
            if name.startswith("commonest"):
                qw = [rng.choice(commonest)]
            else:
                qw = rng.sample(pool[: 300 if nwords > 1 else 3000], nwords)
            cases.append((qw, rng.choice(slugs) if filtered else None))
        services.search(services.SearchParams(q=" ".join(cases[0][0])))  # warm
        fts5_query(con, cases[0][0], None)
        pt, at, ft, hits = [], [], [], 0
        for qw, agency in cases:
            # Snippets made cold for each timed search, as the FTS5 baseline has no cache.
            services._snippets.clear()
            t = time.perf_counter()
            r = services.search(services.SearchParams(q=" ".join(qw), agency=agency))
            pt.append((time.perf_counter() - t) * 1000)
            hits += r.total
            services._snippets.clear()
            t = time.perf_counter()
            services.search(services.SearchParams(q=" ".join(qw), agency=agency, facets=False))
            at.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
            t = time.perf_counter()
            fts5_query(con, qw, agency)
            ft.append((time.perf_counter() - t) * 1000)
        p95, a95, f95 = pct(pt, 95), pct(at, 95), pct(ft, 95)
        results.append((nwords, name, p95, p95 / f95, a95, a95 / f95))
        label = f"{name}{' + agency' if filtered else ''}"
        print(f"  {label:<30} {pct(pt, 50):8.1f} {p95:6.1f} | {pct(at, 50):8.1f} {a95:6.1f} | "
              f"{pct(ft, 50):8.1f} {f95:6.1f} | {p95 / f95:5.2f}x / {a95 / f95:5.2f}x  "
              f"(mean hits {hits / len(cases):,.0f})")
    for path_name, i95, iratio in (("page", 2, 3), ("API", 4, 5)):
        if kind == "whoosh":
            targets = [("all queries", 50, [r for r in results])]
        else:
            targets = [("2-3 words", 50, [r for r in results if r[0] > 1]),
                       ("commonest single words", 150,
                        [r for r in results if r[1].startswith("commonest")])]
        for what, target, rows in targets:
            worst = max(r[i95] for r in rows)
            ratio = max(r[iratio] for r in rows)
            print(f"  {path_name}, {what}: worst p95 {worst:.1f} ms (target <= {target}: "
                  f"{verdict(worst, target)}); worst p95 ratio to FTS5 {ratio:.2f}x "
                  f"(target <= 3x: {verdict(ratio, 3)})")


def writes(app, args, kind):
    """What a record write costs with search, against the same write with search detached."""
    from ppid.agencies.models import Agency
    from ppid.search import sources
    from tests.search_records import make_dip_item
    agency = db.session.query(Agency).filter_by(slug="bench-inc").one_or_none()
    if agency is None:   # (a reused data directory has it)
        agency = Agency(slug="bench-inc", name="Dinas Uji Tambahan", kind="pembantu")
        db.session.add(agency)
        db.session.commit()
    live = sources.registered()
    saved = dict(live)

    def change(i):
        t = time.perf_counter()
        make_dip_item(agency, f"Pengumuman tambahan nomor {i}",
                      summary="uji pembaruan laporan keuangan daerah " * 5,
                      text="isi dokumen pengadaan barang dan jasa " * 200)
        db.session.commit()
        return (time.perf_counter() - t) * 1000

    without, with_search, drains = [], [], []
    for i in range(args.updates):
        live.clear()
        without.append(change(f"a{i}"))
        live.update(saved)
        with_search.append(change(f"b{i}"))
        if kind == "whoosh":
            from ppid.search.indexing import drain
            t = time.perf_counter()
            drain(app)
            drains.append((time.perf_counter() - t) * 1000)
    added50 = pct(with_search, 50) - pct(without, 50)
    added95 = pct(with_search, 95) - pct(without, 95)
    what = "queueing it" if kind == "whoosh" else "its search row"
    print(f"\nrecord write ({args.updates} new DIP items with a 1,200-word text):")
    print(f"  commit without search {pct(without, 50):.1f} ms p50 / {pct(without, 95):.1f} ms "
          f"p95; with {what} {pct(with_search, 50):.1f} / {pct(with_search, 95):.1f} ms")
    print(f"  added to the transaction: {added50:.1f} ms p50 / {added95:.1f} ms p95"
          + (f" (target <= 5 ms: {verdict(added95, 5)})" if kind == "postgresql" else ""))
    if drains:
        print(f"  the indexer's drain (off the request, until searchable): "
              f"{pct(drains, 50):.1f} ms p50 / {pct(drains, 95):.1f} ms p95")


if __name__ == "__main__":
    main()
