"""Search: bulk indexing, query latency against SQLite FTS5, and the incremental cost.

    .venv/bin/python bench/bench_search.py [--records 300000] [--procs 2] [--queries 60]

Generates a realistic corpus: Indonesian words drawn with a Zipf distribution from
PySastrawi's root-word dictionary (with common affixed forms), real DIP titles, 45 agencies;
records are DIP items (35 %, a third of them with a document text of 1-3 pages) and
requests (65 %). Then prints:
- bulk indexing rate of the Whoosh index (records/s), and of SQLite FTS5 for reference;
- query latency p50/p95 of one-, two- and three-word queries, with and without an agency
  filter, through the full search service (facets, snippets, "did you mean"), and the same
  queries on SQLite FTS5 (bm25 top 20 with snippet, plus the total count) over the same
  texts, with the ratio;
- the cost an incremental update adds to the request that caused it (queueing in the
  transaction) and the time until it is searchable (the drain off the request's path).
Targets: bulk >= 2,000 records/s; p95 <= 50 ms; p95 <= 3 x FTS5; incremental <= 20 ms.
"""
import argparse
import os
import random
import shutil
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


def generate(n, rng):
    from ppid.search.sources import SearchDoc
    words, cum = vocabulary(rng)

    def text(k):
        return " ".join(rng.choices(words, cum_weights=cum, k=k))

    docs = []
    n_dip = int(n * 0.35)
    start = date(2019, 1, 1)
    for i in range(n):
        slug, name = rng.choice(AGENCIES)
        when = start + timedelta(days=rng.randrange(0, 2900))
        if i < n_dip:
            title = rng.choice(TITLES).format(agency=name, year=when.year, year2=when.year + 4,
                                              n=rng.randrange(1, 80), sem=rng.choice("12"))
            body = text(rng.randrange(25, 60))
            if rng.random() < 1 / 3:
                body += "\n" + text(250 * rng.randrange(1, 4))
            docs.append(SearchDoc(
                "dip", str(i), str(i), title, body=body,
                meta=f"{name}\nSubbagian {text(2)}\nKepala {text(1)}\n{when.year}",
                agency=slug, agency_name=name, category=rng.choice(CATEGORIES), date=when,
                url=f"/badan/{slug}/dip/{i}"))
        else:
            reg = f"KALBAR/{when.year}/{i:05d}"
            subject = text(rng.randrange(8, 25))
            docs.append(SearchDoc(
                "request", str(i), reg, subject, body=subject,
                meta=f"{reg}\n{name}\npermohonan informasi\nselesai\ndikabulkan\n{when.year}",
                agency=slug, agency_name=name, date=when,
                url=f"/permohonan/register?badan={slug}"))
    return docs, words, cum


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def fts5_build(path, docs):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, meta, agency UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 2')")
    t = time.perf_counter()
    with con:
        con.executemany("INSERT INTO fts(rowid, title, body, meta, agency) VALUES (?,?,?,?,?)",
                        ((int(d.doc_id), d.title, d.body, d.meta, d.agency) for d in docs))
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=300_000)
    ap.add_argument("--procs", type=int, default=2, help="Whoosh writer processes")
    ap.add_argument("--limitmb", type=int, default=256)
    ap.add_argument("--queries", type=int, default=60, help="queries per class")
    ap.add_argument("--updates", type=int, default=40, help="incremental updates measured")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--keep", help="keep the data directory here (default: temporary)")
    ap.add_argument("--reuse", action="store_true",
                    help="with --keep: reuse the Whoosh index built there by an earlier run "
                         "with the same --records and --seed (queries only)")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="ppid-bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "b" * 40,
                      "DATA_DIR": str(workdir), "MAIL_BACKEND": "none",
                      "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}"})
    import logging
    logging.getLogger("ppid.search").setLevel(logging.ERROR)
    from whoosh import index as windex

    from ppid.search import index as sindex
    from ppid.search import services

    print(f"== Search benchmark: {args.records:,} records, {os.cpu_count()} CPU(s), "
          f"Whoosh writer procs={args.procs}, limitmb={args.limitmb}")
    t = time.perf_counter()
    docs, words, cum = generate(args.records, rng)
    tokens = sum(len(d.title.split()) + len(d.body.split()) + len(d.meta.split()) for d in docs)
    kinds = {k: sum(1 for d in docs if d.doc_type == k) for k in ("dip", "request")}
    with_text = sum(1 for d in docs if d.doc_type == "dip" and len(d.body.split()) > 100)
    print(f"corpus: {kinds['dip']:,} DIP items ({with_text:,} with a document text), "
          f"{kinds['request']:,} requests, {tokens:,} words, {len(words):,} distinct word "
          f"forms; generated in {time.perf_counter() - t:.1f} s")

    with app.app_context():
        db.create_all()
        path = sindex.index_dir()
        if args.reuse and args.keep and windex.exists_in(str(path), sindex.INDEX_NAME):
            ix = windex.open_dir(str(path), indexname=sindex.INDEX_NAME)
            bulk_s = None
        else:
            if path.exists():
                shutil.rmtree(path)
            path.mkdir(parents=True)
            # --- Bulk indexing --------------------------------------------------------
            t = time.perf_counter()
            ix = windex.create_in(str(path), sindex.make_schema(),
                                  indexname=sindex.INDEX_NAME)
            # The writer `flask ppid reindex` uses (index.bulk_writer), not Whoosh's
            # incremental SegmentWriter.
            writer = sindex.bulk_writer(ix, procs=args.procs, limitmb=args.limitmb)
            for d in docs:
                writer.add_document(**sindex.doc_fields(d))
            writer.commit()
            bulk_s = time.perf_counter() - t
        size_mb = sum(f.stat().st_size for f in path.iterdir()) / 1e6
        sindex._open[str(path)] = ix

        fts_path = workdir / "fts5.sqlite3"
        if fts_path.exists():
            fts_path.unlink()
        con, fts_s = fts5_build(str(fts_path), docs)
        if bulk_s is None:
            print(f"\nbulk indexing: reused the index in {path} ({size_mb:,.0f} MB) | FTS5 "
                  f"{args.records / fts_s:,.0f} records/s ({fts_s:.1f} s)")
        else:
            rate = args.records / bulk_s
            print(f"\nbulk indexing: Whoosh {rate:,.0f} records/s ({bulk_s:.1f} s, "
                  f"{size_mb:,.0f} MB, {len(list(path.glob('*.seg')))} segment(s)) | FTS5 "
                  f"{args.records / fts_s:,.0f} records/s ({fts_s:.1f} s) | target >= 2,000/s: "
                  f"{'OK' if rate >= 2000 else f'MISSED by {(2000 - rate) / 2000:.0%}'}")

        # --- Queries ----------------------------------------------------------------
        # Query words: what people type, from the frequent-but-not-stop-word ranks.
        pool = [w for w in words[:3000] if len(w) > 3]
        slugs = [s for s, _n in AGENCIES]
        results = []
        print("\nquery latency (ms): Whoosh = search page (with facet counts), API = "
              "GET /api/v1/search path (no facets)")
        print("                               Whoosh p50   p95 |   API p50   p95 |  FTS5 p50   p95 "
              "| p95 ratio page/API")
        for nwords in (1, 2, 3):
            for filtered in (False, True):
                cases = []
                for _ in range(args.queries):
                    qw = rng.sample(pool[: 300 if nwords > 1 else 3000], nwords)
                    cases.append((qw, rng.choice(slugs) if filtered else None))
                # Warm both once (first use opens files, fills caches).
                services.search(services.SearchParams(q=" ".join(cases[0][0])))
                fts5_query(con, cases[0][0], None)
                wt, at, ft, hits = [], [], [], 0
                for qw, agency in cases:
                    # Snippets made cold for each timed search (the page's and the API's
                    # would otherwise share them), as the FTS5 baseline has no such cache.
                    services._snippets.clear()
                    t = time.perf_counter()
                    r = services.search(services.SearchParams(q=" ".join(qw), agency=agency))
                    wt.append((time.perf_counter() - t) * 1000)
                    hits += r.total
                    services._snippets.clear()
                    t = time.perf_counter()
                    services.search(services.SearchParams(q=" ".join(qw), agency=agency,
                                                          facets=False))
                    at.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    fts5_query(con, qw, agency)
                    ft.append((time.perf_counter() - t) * 1000)
                w50, w95, f50, f95 = pct(wt, 50), pct(wt, 95), pct(ft, 50), pct(ft, 95)
                a50, a95 = pct(at, 50), pct(at, 95)
                ratio = w95 / f95 if f95 else float("inf")
                aratio = a95 / f95 if f95 else float("inf")
                results.append((nwords, filtered, w95, ratio, a95, aratio))
                label = f"{nwords} word(s){' + agency' if filtered else ''}"
                print(f"  {label:<28} {w50:8.1f} {w95:6.1f} | {a50:8.1f} {a95:6.1f} | "
                      f"{f50:8.1f} {f95:6.1f} | {ratio:5.2f}x / {aratio:5.2f}x  "
                      f"(mean hits {hits / len(cases):,.0f})")
        for name, i95, iratio in (("search page", 2, 3), ("API", 4, 5)):
            worst95 = max(r[i95] for r in results)
            worst_ratio = max(r[iratio] for r in results)
            print(f"  {name}: worst p95 {worst95:.1f} ms (target <= 50: "
                  f"{'OK' if worst95 <= 50 else f'MISSED by {(worst95 - 50) / 50:.0%}'}); "
                  f"worst p95 ratio {worst_ratio:.2f}x (target <= 3x: "
                  f"{'OK' if worst_ratio <= 3 else f'MISSED by {(worst_ratio - 3) / 3:.0%}'})")

        # --- Incremental updates ------------------------------------------------------
        incremental(app, args, rng)


def incremental(app, args, rng):
    """The request that changes a record pays for queueing it (same transaction); the drain
    runs after the response. Measured against the same change with search detached."""
    from ppid.agencies.models import Agency
    from ppid.search import sources
    from ppid.search.indexing import drain
    from ppid.search.testing import make_dip_item

    agency = db.session.query(Agency).filter_by(slug="bench-inc").one_or_none()
    if agency is None:  # (a kept data directory has it already)
        agency = Agency(slug="bench-inc", name="Dinas Uji Tambahan", kind="pembantu")
        db.session.add(agency)
        db.session.commit()
    app.config["SEARCH_AUTO_INDEX"] = False
    saved = dict(sources.SOURCES)

    def change(i):
        t = time.perf_counter()
        make_dip_item(agency, f"Pengumuman tambahan nomor {i}", summary="uji pembaruan")
        db.session.commit()
        return (time.perf_counter() - t) * 1000

    without, with_queue, drains = [], [], []
    for i in range(args.updates):
        sources.SOURCES.clear()
        without.append(change(f"a{i}"))
        sources.SOURCES.update(saved)
        with_queue.append(change(f"b{i}"))
        t = time.perf_counter()
        drain(app)
        drains.append((time.perf_counter() - t) * 1000)
    added50 = pct(with_queue, 50) - pct(without, 50)
    added95 = pct(with_queue, 95) - pct(without, 95)
    print(f"\nincremental update ({args.updates} changes of a DIP item):")
    print(f"  request commit without search {pct(without, 50):.1f} ms p50 / {pct(without, 95):.1f} "
          f"ms p95; with queueing {pct(with_queue, 50):.1f} / {pct(with_queue, 95):.1f} ms")
    print(f"  added to the request: {added50:.1f} ms p50 / {added95:.1f} ms p95 (target <= 20 ms: "
          f"{'OK' if added95 <= 20 else 'MISSED'})")
    print(f"  background drain (index write, until searchable): {pct(drains, 50):.1f} ms "
          f"p50 / {pct(drains, 95):.1f} ms p95 / {max(drains):.1f} ms max "
          f"(would be added if done inline: {'within' if pct(drains, 95) <= 20 else 'over'} 20 ms)")


if __name__ == "__main__":
    main()
