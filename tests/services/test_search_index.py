"""Search over real DIP items and requests, on the backend of the suite's database (the
SQLite pass: Whoosh; the PostgreSQL pass: PostgreSQL full-text search): analysis in
practice, results citizens expect, filters, facets, public content only, and the index
kept right (queue or same transaction, rebuild, check, several writers, a SIGKILL)."""
import logging
import multiprocessing
import os
import signal
from datetime import date

import pytest
import sqlalchemy as sa

from ppid.extensions import db
from ppid.search import backend, services
from ppid.search.analysis import STOP_WORDS
from ppid.search.indexing import drain, pending_count
from ppid.search.models import SearchDocument, SearchPending
from tests.search_records import add_version, make_dip_item, make_request


def _backend():
    return backend.name()


@pytest.fixture
def fresh_index(ctx):
    backend.get(ctx).clear(ctx)
    yield ctx
    backend.get(ctx).clear(ctx)


@pytest.fixture
def whoosh(fresh_index):
    if backend.name(fresh_index) != "whoosh":
        pytest.skip("the Whoosh backend's own machinery (this pass: PostgreSQL)")
    from ppid.search import index as sindex
    return sindex


@pytest.fixture
def postgres(fresh_index):
    if backend.name(fresh_index) != "postgresql":
        pytest.skip("the PostgreSQL backend's own machinery (this pass: Whoosh)")
    from ppid.search import postgres as pg
    return pg


def find(q, **kw):
    """A search once the queue is applied (Whoosh), as the job worker applies it: the
    search itself never does (a GET never writes). PostgreSQL has no queue."""
    drain()
    return services.search(services.SearchParams(q=q, **kw))


def ids(result):
    return {(h.type, h.public_id) for h in result.hits}


def order(result):
    return [h.public_id for h in result.hits]


def stored():
    return backend.get().stored_documents()


def drift():
    from ppid.search.cli import check_index
    db.session.rollback()
    drain()
    return check_index()


# --- Analysis in practice --------------------------------------------------------------------

def test_stemming_matches_kelola_pengelolaan_dikelola(fresh_index, factories):
    a = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    item = make_dip_item(a, "Laporan pengelolaan sampah medis",
                         summary="Limbah yang dikelola rumah sakit daerah")
    db.session.commit()
    for q in ("kelola", "pengelolaan", "dikelola", "mengelola"):
        assert ids(find(q)) == {("dip", str(item.id))}, q


def test_an_affixed_word_and_its_root_find_each_other_both_ways(fresh_index, factories):
    a = factories.agency(name="Dinas Uji")
    root = make_dip_item(a, "Rencana kerja tahunan")
    affixed = make_dip_item(a, "Laporan kinerja instansi")
    managed = make_dip_item(a, "Pengelolaan arsip")
    plain = make_dip_item(a, "Arsip yang kelola sendiri")
    db.session.commit()
    assert ids(find("kinerja")) == ids(find("kerja")) == {("dip", str(root.id)),
                                                          ("dip", str(affixed.id))}
    assert ids(find("kelola")) == ids(find("pengelolaan")) == {("dip", str(managed.id)),
                                                               ("dip", str(plain.id))}


@pytest.mark.parametrize("word, text", [("kerja", "Pekerjaan jalan provinsi"),
                                        ("baik", "Praktik kebaikan pelayanan"),
                                        ("sama", "Perjanjian kerja sama daerah"),
                                        ("tahun", "Laporan tahunan")])
def test_a_common_content_word_is_never_a_stop_word(fresh_index, factories, word, text):
    a = factories.agency(name="Dinas Uji")
    item = make_dip_item(a, text)
    db.session.commit()
    assert word not in STOP_WORDS
    assert ids(find(word)) == {("dip", str(item.id))}


def test_stop_words_are_a_short_list_of_function_words():
    assert 30 <= len(STOP_WORDS) <= 100
    assert {"yang", "dan", "di", "ke", "dari", "untuk"} <= STOP_WORDS
    assert not STOP_WORDS & {"kerja", "baik", "sama", "tahun", "tidak", "baru", "lama",
                             "akhir", "umum", "bulan", "hari", "daerah", "data"}


def test_a_query_of_function_words_only_is_never_emptied(fresh_index, factories):
    a = factories.agency(name="Dinas Uji")
    item = make_dip_item(a, "Data yang dikecualikan dan alasannya")
    recap = make_dip_item(a, "Rekapitulasi anggaran")
    db.session.commit()
    assert ids(find("yang")) == {("dip", str(item.id))}
    assert ids(find("yang dan")) == {("dip", str(item.id))}
    # Beside a content word they are left out, not required.
    assert ids(find("yang rekapitulasi")) == {("dip", str(recap.id))}


def test_phrase_search_is_exact(fresh_index, factories):
    a = factories.agency()
    exact = make_dip_item(a, "Pengelolaan keuangan daerah")
    stemmed_only = make_dip_item(a, "Keuangan yang dikelola daerah")
    db.session.commit()
    assert ids(find("pengelolaan keuangan")) == {("dip", str(exact.id)),
                                                 ("dip", str(stemmed_only.id))}
    assert ids(find('"pengelolaan keuangan"')) == {("dip", str(exact.id))}
    assert ids(find('"dikelola keuangan"')) == set()
    assert ids(find('"keuangan yang dikelola"')) == {("dip", str(stemmed_only.id))}


def test_regulation_references_stay_whole(fresh_index, factories):
    a = factories.agency()
    ref = make_dip_item(a, "Penolakan berdasarkan UU 14/2008 Pasal 17 huruf b")
    other = make_dip_item(a, "Jadwal pasal 1 ayat 17 hari kerja 2008")
    db.session.commit()
    assert ids(find("14/2008")) == {("dip", str(ref.id))}
    assert ids(find("Pasal 17")) == {("dip", str(ref.id))}
    assert ids(find("2008")) == {("dip", str(ref.id)), ("dip", str(other.id))}


def test_or_not_and_groups(fresh_index, factories):
    a = factories.agency()
    bridge = make_dip_item(a, "Kontrak jembatan sungai")
    road = make_dip_item(a, "Kontrak jalan desa")
    port = make_dip_item(a, "Laporan pelabuhan")
    db.session.commit()
    assert ids(find("jembatan OR pelabuhan")) == {("dip", str(bridge.id)),
                                                  ("dip", str(port.id))}
    assert ids(find("kontrak NOT jembatan")) == {("dip", str(road.id))}
    assert ids(find("(jembatan OR jalan) kontrak")) == {("dip", str(bridge.id)),
                                                        ("dip", str(road.id))}


# --- Results citizens expect -------------------------------------------------------------------

def test_words_that_do_not_all_occur_fall_back_to_most_of_them(fresh_index, factories):
    a = factories.agency(name="Dinas Uji")
    managed = make_dip_item(a, "Pengelolaan sampah kota")
    budget = make_dip_item(a, "Anggaran pendidikan")
    make_dip_item(a, "Peta jalan")
    db.session.commit()
    r = find("pengelolaan anggaran")
    assert r.partial and r.total == 2
    assert ids(r) == {("dip", str(managed.id)), ("dip", str(budget.id))}
    full = find("pengelolaan sampah")
    assert not full.partial and ids(full) == {("dip", str(managed.id))}


def test_a_fallback_ranks_documents_matching_more_words_first(fresh_index, factories):
    a = factories.agency(name="Dinas Uji")
    one = make_dip_item(a, "Irigasi irigasi irigasi sawah")     # one word, many times
    two = make_dip_item(a, "Irigasi bendungan")                 # two of the three words
    make_dip_item(a, "Pasar tradisional")
    db.session.commit()
    r = find("irigasi bendungan waduk")
    assert r.partial and order(r) == [str(two.id)]  # most (two of three) required
    r = find("irigasi bendungan waduk pompa")       # two of four
    assert r.partial and order(r) == [str(two.id)]
    r = find("sawah bendungan")                     # one of two words: both, neither first
    assert r.partial and set(order(r)) == {str(one.id), str(two.id)}
    assert find("sawah bendungan", type="request").total == 0


def test_title_and_summary_outrank_the_agency_name_only(fresh_index, factories):
    """The issue's demo-data case: an agency whose name holds a query word ("Badan
    Pengelolaan Keuangan"), whose short items hold the other word in their title."""
    bpkad = factories.agency(slug="bpkad", name="Badan Pengelolaan Keuangan dan Aset Daerah",
                             short_name="BPKAD Keuangan")
    dinkes = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    for n in range(4):
        make_dip_item(bpkad, f"Laporan aset {n}")
    titled = make_dip_item(dinkes, "Laporan keuangan dinas kesehatan tahun anggaran 2025",
                           summary="Neraca, laporan realisasi anggaran dan catatan atas "
                                   "laporan keuangan puskesmas dan rumah sakit daerah",
                           text="Laporan keuangan ini disusun menurut standar akuntansi "
                                "pemerintahan. " * 40)
    summarised = make_dip_item(dinkes, "Dokumen tahunan",
                               summary="Memuat laporan keuangan lengkap")
    db.session.commit()
    r = find("laporan keuangan")
    assert r.total == 6
    assert order(r)[:2] == [str(titled.id), str(summarised.id)]


def test_title_boost_and_date_sort(fresh_index, factories):
    a = factories.agency()
    in_body = make_dip_item(a, "Dokumen lain", summary="menyebut retribusi sekali",
                            made_on=date(2026, 1, 1))
    in_title = make_dip_item(a, "Retribusi daerah", made_on=date(2020, 1, 1))
    db.session.commit()
    assert order(find("retribusi")) == [str(in_title.id), str(in_body.id)]
    assert order(find("retribusi", sort="date")) == [str(in_body.id), str(in_title.id)]


def test_latest_version_text_is_searchable(fresh_index, factories):
    a = factories.agency()
    item = make_dip_item(a, "Laporan tahunan", text="isi lama tentang jembatan")
    db.session.commit()
    assert ids(find("jembatan")) == {("dip", str(item.id))}
    add_version(item, "isi baru tentang pelabuhan")
    db.session.commit()
    assert ids(find("pelabuhan")) == {("dip", str(item.id))}
    assert ids(find("jembatan")) == set()


def test_filters_and_facet_counts(fresh_index, factories):
    a = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    b = factories.agency(slug="disdik", name="Dinas Pendidikan")
    make_dip_item(a, "Anggaran kesehatan", made_on=date(2025, 1, 5))
    make_dip_item(a, "Anggaran puskesmas", made_on=date(2024, 1, 5), category="setiap_saat")
    make_dip_item(b, "Anggaran sekolah", made_on=date(2025, 6, 1))
    make_request(b, "Mohon salinan anggaran sekolah dasar", received_on=date(2026, 3, 2))
    db.session.commit()
    r = find("anggaran")
    assert r.total == 4
    assert dict(r.facets["type"]) == {"dip": 3, "request": 1}
    assert dict(r.facets["agency"]) == {"dinkes": 2, "disdik": 2}
    assert dict(r.facets["category"]) == {"berkala": 2, "setiap_saat": 1}
    assert r.facets["year"] == [("2026", 1), ("2025", 2), ("2024", 1)]
    assert find("anggaran", agency="dinkes").total == 2
    assert find("anggaran", agency="dinkes", year=2025).total == 1
    assert find("anggaran", type="request").total == 1
    assert find("anggaran", category="setiap_saat").total == 1
    filtered = find("anggaran", agency="disdik")
    assert dict(filtered.facets["type"]) == {"dip": 1, "request": 1}


def test_pagination(fresh_index, factories):
    a = factories.agency()
    for i in range(7):
        make_dip_item(a, f"Laporan kegiatan nomor {i}")
    db.session.commit()
    pages = [find("kegiatan", page=p, per_page=3) for p in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [3, 3, 1]
    assert all(p.total == 7 for p in pages)
    assert len({h.public_id for p in pages for h in p.hits}) == 7
    assert find("kegiatan", page=4, per_page=3, facets=False).total == 7


def test_search_without_facets_gives_the_same_hits_and_total(fresh_index, factories):
    a = factories.agency()
    for i in range(30):
        make_dip_item(a, f"Laporan pengawasan {i}", summary="pengawasan " * (i % 5 + 1))
    db.session.commit()
    for sort in ("relevance", "date"):
        full = find("pengawasan", per_page=7, page=2, sort=sort)
        lean = find("pengawasan", per_page=7, page=2, sort=sort, facets=False)
        assert lean.total == full.total == 30
        assert [h.public_id for h in lean.hits] == [h.public_id for h in full.hits]
        assert lean.facets["agency"] == [] and full.facets["agency"] == [(a.slug, 30)]


def test_facets_and_totals_after_updates_and_withdrawals(fresh_index, factories):
    a = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    b = factories.agency(slug="disdik", name="Dinas Pendidikan")
    items = []
    for n in range(3):  # three commits (Whoosh: three segments)
        items.append(make_dip_item(a, f"Program imunisasi {n}", made_on=date(2024, 1, 1)))
        items.append(make_dip_item(b, f"Program imunisasi sekolah {n}",
                                   category="setiap_saat", made_on=date(2025, 1, 1)))
        db.session.commit()
    items[0].state = "withdrawn"
    db.session.commit()
    r = find("imunisasi", per_page=2)
    assert r.total == 5 and len(r.hits) == 2
    assert dict(r.facets["agency"]) == {"dinkes": 2, "disdik": 3}
    assert dict(r.facets["category"]) == {"berkala": 2, "setiap_saat": 3}
    assert r.facets["year"] == [("2025", 3), ("2024", 2)]
    f = find("imunisasi sekolah", agency="disdik", year=2025)
    assert f.total == 3 and dict(f.facets["agency"]) == {"disdik": 3}
    assert find("imunisasi", agency="dinkes", facets=False).total == 2


def test_withdrawn_and_draft_items_are_not_found(fresh_index, factories):
    a = factories.agency()
    item = make_dip_item(a, "Rencana strategis perikanan")
    draft = make_dip_item(a, "Rencana perikanan draf", state="draft")
    db.session.commit()
    assert ids(find("perikanan")) == {("dip", str(item.id))}
    item.state = "withdrawn"
    db.session.commit()
    assert find("perikanan").total == 0
    draft.state = "published"
    db.session.commit()
    assert ids(find("perikanan")) == {("dip", str(draft.id))}


def test_redacted_subject_is_not_findable_by_original_words(fresh_index, factories):
    a = factories.agency()
    req = make_request(a, "Rekam medis pasien bernama Siti di ruang isolasi")
    db.session.commit()
    assert ids(find("isolasi")) == {("request", req.registration_number)}
    req.redacted_subject = "Permohonan data layanan kesehatan"
    db.session.commit()
    assert find("isolasi").total == 0
    assert find('"rekam medis"').total == 0
    assert find("siti").total == 0
    assert ids(find("layanan kesehatan")) == {("request", req.registration_number)}
    assert ids(find(req.registration_number)) == {("request", req.registration_number)}


def test_canary_personal_data_is_not_findable(fresh_index, factories):
    a = factories.agency()
    make_request(a, "Data jumlah sekolah", name="Zulkarnaenkanari Wibisono",
                 identity="9999888877776666", address="Gang Kenari Canary 77",
                 phone="089900112233", email="canary.pemohon@contoh.id",
                 occupation="Peternakanari")
    db.session.commit()
    for q in ("Zulkarnaenkanari", "Wibisono", "9999888877776666", "Canary", "Kenari",
              "089900112233", "canary.pemohon@contoh.id", "contoh.id", "Peternakanari"):
        assert find(q).total == 0, q
    everything = repr(stored())
    assert "Zulkarnaenkanari" not in everything and "9999888877776666" not in everything
    if _backend() == "postgresql":
        words = db.session.execute(sa.text("SELECT word FROM search_words")).scalars().all()
        assert not {"zulkarnaenkanari", "wibisono", "kenari", "peternakanari"} & set(words)


def test_snippet_is_escaped_except_marks(fresh_index, factories):
    a = factories.agency()
    make_dip_item(a, "Catatan", summary="<script>alert('x')</script> tentang irigasi sawah")
    db.session.commit()
    snippet = str(find("irigasi").hits[0].snippet)
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;/script&gt;" in snippet
    assert "<mark>irigasi</mark>" in snippet


def test_snippets_mark_stems_and_phrases(fresh_index, factories):
    a = factories.agency()
    make_dip_item(a, "Catatan", summary="Sampah yang dikelola desa setiap pekan")
    db.session.commit()
    assert "<mark>dikelola</mark>" in str(find("pengelolaan").hits[0].snippet)
    assert "<mark>setiap</mark> <mark>pekan</mark>" in str(
        find('"setiap pekan"').hits[0].snippet)


def test_snippets_of_a_repeated_search_come_from_the_cache_and_follow_edits(
        fresh_index, factories, monkeypatch):
    a = factories.agency()
    item = make_dip_item(a, "Laporan irigasi", summary="Saluran irigasi desa Sungai Ambawang")
    db.session.commit()
    made = []
    real = services._make_snippet
    monkeypatch.setattr(services, "_make_snippet",
                        lambda *args: made.append(args[0]) or real(*args))
    first = find("irigasi").hits[0].snippet
    again = find("irigasi").hits[0].snippet
    assert first == again and "<mark>irigasi</mark>" in str(first)
    assert len(made) == 1  # the second page reused it
    assert find("saluran").hits[0].snippet != first  # other words: made anew
    item.summary = "Saluran irigasi desa Kubu Raya"
    db.session.commit()
    edited = str(find("irigasi").hits[0].snippet)
    assert "Kubu Raya" in edited and "Ambawang" not in edited
    assert len(made) == 3


def test_did_you_mean(fresh_index, factories):
    a = factories.agency()
    make_dip_item(a, "Laporan keuangan daerah")
    db.session.commit()
    r = find("keuanagn")
    assert r.total == 0 and r.suggestion == "keuangan"
    r = find("laporan keuanagn")  # one word found: those results, and the correction
    assert r.partial and r.total == 1 and r.suggestion == "laporan keuangan"
    assert find("laporan keuangan").suggestion is None
    assert find("kuangan").suggestion == "keuangan"


HOSTILE = ['"', '"laporan', 'laporan"', "AND", "OR", "NOT", "AND OR NOT", "laporan AND",
           "NOT laporan", "(", ")", "((laporan", "*", "lap*", "?", "title:laporan",
           "laporan^5", "[a TO z]", "{}", "\\", "'", "~", "laporan~2", "a" * 499,
           "laporan\x00\x07\x1b", "\u202e\u200b", "😀 laporan", "%_%", "' OR 1=1 --",
           "<script>alert(1)</script>", "laporan " * 40, "':*", "'laporan' & !", "<->",
           "a <2> b", "laporan)(", "(NOT)", "\"\" \"\" OR", "yang OR NOT dan"]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_fail(fresh_index, factories, q):
    a = factories.agency()
    make_dip_item(a, "Laporan keuangan")
    db.session.commit()
    try:
        result = find(q)
    except services.QueryError as exc:
        assert exc.message
    else:
        assert result.total >= 0


def test_too_long_and_empty_queries_are_refused(fresh_index):
    for q in ("", "   ", "\x00", "x" * 5000):
        with pytest.raises(services.QueryError):
            find(q)


def test_agency_rename_reindexes_its_records(fresh_index, factories):
    a = factories.agency(name="Dinas Lama")
    make_dip_item(a, "Rencana kerja")
    make_request(a, "Salinan rencana kerja")
    db.session.commit()
    assert find("lama").total == 2
    a.name = "Badan Perencanaan Baru"
    db.session.commit()
    assert find("perencanaan").total == 2
    assert find("lama").total == 0


# --- Kept right: the check, the rebuild -----------------------------------------------------

def test_reindex_check_reports_drift_and_repairs(fresh_index, factories, app):
    a = factories.agency()
    kept = make_dip_item(a, "Daftar aset tanah")
    changed = make_dip_item(a, "Daftar aset gedung")
    lost = make_dip_item(a, "Daftar aset jalan")
    db.session.commit()
    find("aset")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["ppid", "reindex", "--check"])
    assert ok.exit_code == 0, ok.output
    # Drift behind the search's back: a change without ORM events, a lost entry.
    db.session.execute(sa.update(type(changed)).where(type(changed).id == changed.id)
                       .values(title="Daftar aset kendaraan"))
    db.session.commit()
    if _backend() == "postgresql":
        db.session.execute(sa.delete(SearchDocument).where(
            SearchDocument.doc_id == str(lost.id)))
    else:
        from ppid.search import index as sindex
        sindex.write_docs(sindex.get_index(), {f"dip:{lost.id}": None})
    db.session.commit()
    changed_id, lost_id, kept_id = changed.id, lost.id, kept.id
    db.session.rollback()  # the CLI runs in its own transactions
    bad = runner.invoke(args=["ppid", "reindex", "--check"])
    assert bad.exit_code == 1
    assert f"usang: dip:{changed_id}" in bad.output
    assert f"hilang: dip:{lost_id}" in bad.output
    assert f"dip:{kept_id}" not in bad.output
    fixed = runner.invoke(args=["ppid", "reindex", "--check", "--repair"])
    assert fixed.exit_code == 0, fixed.output
    assert runner.invoke(args=["ppid", "reindex", "--check"]).exit_code == 0
    assert ids(find("kendaraan")) == {("dip", str(changed_id))}


def test_reindex_rebuilds_everything(fresh_index, factories, app):
    a = factories.agency()
    make_dip_item(a, "Profil dinas")
    make_request(a, "Profil pejabat struktural")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["ppid", "reindex"])
    assert result.exit_code == 0, result.output
    assert "2 dokumen" in result.output
    assert find("profil").total == 2


# --- Kept right: the PostgreSQL backend writes in the record's transaction ---------------

def test_postgres_rows_are_written_in_the_records_transaction(postgres, factories):
    a = factories.agency()
    db.session.commit()
    make_dip_item(a, "Antrean perubahan")
    db.session.rollback()
    assert db.session.query(SearchDocument).count() == 0   # rolled back with the record
    item = make_dip_item(a, "Antrean perubahan")
    db.session.commit()
    row = db.session.get(SearchDocument, ("dip", str(item.id)))
    assert row is not None and row.title == "Antrean perubahan"
    assert db.session.query(SearchPending).count() == 0   # no queue, no indexer
    assert ids(find("antrean")) == {("dip", str(item.id))}


def test_postgres_savepoint_rollback_keeps_the_committed_state(postgres, factories):
    a = factories.agency()
    req = make_request(a, "Salinan kontrak jembatan")
    db.session.commit()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            req.redacted_subject = "Dibatalkan"
            db.session.flush()
            raise RuntimeError("savepoint rolled back")
    db.session.commit()
    assert ids(find("jembatan")) == {("request", req.registration_number)}
    assert find("dibatalkan").total == 0


def test_a_released_savepoint_before_the_commit_loses_no_change(fresh_index, factories):
    """SQLAlchemy reports a savepoint's release as a commit: the records touched before it
    (here: before a first registration number's counter row) are still written."""
    from ppid.core.audit import next_counter_value
    a = factories.agency()
    item = make_dip_item(a, "Laporan sebelum titik simpan")
    next_counter_value("uji-titik-simpan")   # its first use inserts in a savepoint
    with db.session.begin_nested():
        req = make_request(a, "Permohonan salinan peta lahan gambut")
    db.session.commit()
    assert ids(find("simpan")) == {("dip", str(item.id))}
    assert ids(find("gambut")) == {("request", req.registration_number)}


def test_postgres_weights_the_fields(postgres, factories):
    a = factories.agency(name="Dinas Perhubungan")
    item = make_dip_item(a, "Jadwal kapal", summary="Pelabuhan Dwikora", text="Tiket feri")
    db.session.commit()
    terms = db.session.execute(sa.text(
        "SELECT terms::text FROM search_documents WHERE doc_id = :i"), {"i": str(item.id)}
    ).scalar_one()
    import re
    positions = dict(re.findall(r"'([^']+)':(\S+)", terms))
    # A: title, B: summary, C: document text, D (written without a letter): agency name.
    assert {w: re.sub(r"[\d,]", "", positions[w]) for w in ("jadwal", "labuh", "tiket",
                                                             "hubung")} == {
        "jadwal": "A", "labuh": "B", "tiket": "C", "hubung": ""}


# --- Kept right: the Whoosh backend's queue and index --------------------------------------

def test_queue_row_is_written_in_the_same_transaction(whoosh, factories):
    a = factories.agency()
    db.session.commit()
    whoosh.get_index()
    make_dip_item(a, "Antrean perubahan")
    assert db.session.execute(sa.select(sa.func.count(SearchPending.id))).scalar_one() >= 1
    db.session.rollback()
    assert pending_count() == 0  # rolled back with the change
    make_dip_item(a, "Antrean perubahan")
    db.session.commit()
    assert pending_count() >= 1
    services.search(services.SearchParams(q="antrean"))
    assert pending_count() >= 1   # a search never applies it ...
    assert drain() >= 1           # ... the job worker's drain does
    assert pending_count() == 0
    assert find("antrean").total == 1


def _queued_keys():
    return sorted(tuple(r) for r in db.session.execute(
        sa.select(SearchPending.doc_type, SearchPending.doc_id)))


def test_a_document_is_queued_once_per_transaction_and_again_after_a_savepoint_rollback(
        whoosh, factories):
    a = factories.agency()
    db.session.commit()
    whoosh.get_index()  # an index to apply the queue to (not a rebuild)
    req = make_request(a, "Salinan kontrak jembatan")
    for note in ("satu", "dua"):  # more flushes touching the same request
        req.redacted_subject = f"Salinan kontrak ({note})"
        db.session.flush()
    assert _queued_keys() == [("request", str(req.id))]
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            req.redacted_subject = "Dibatalkan"
            db.session.flush()  # queued inside the savepoint would be lost with it ...
            db.session.execute(sa.delete(SearchPending))
            raise RuntimeError("savepoint rolled back")
    assert _queued_keys() == [("request", str(req.id))]  # (the delete was undone too)
    db.session.execute(sa.delete(SearchPending))  # as if the savepoint had queued it
    req.redacted_subject = "Salinan kontrak (tiga)"
    db.session.flush()  # ... so after a savepoint rollback it is queued anew
    assert _queued_keys() == [("request", str(req.id))]
    db.session.commit()
    assert drain() == 1
    assert ids(find("kontrak")) == {("request", req.registration_number)}


def test_index_failure_keeps_database_write_and_retries(whoosh, factories, monkeypatch):
    a = factories.agency()
    whoosh.get_index()
    real = whoosh.write_docs

    def broken(ix, docs):
        raise OSError("disk full")

    monkeypatch.setattr(whoosh, "write_docs", broken)
    item = make_dip_item(a, "Peta rawan banjir")
    item_id, cls = item.id, type(item)
    db.session.commit()
    with pytest.raises(OSError):
        drain()
    assert services.search(services.SearchParams(q="banjir")).total == 0  # (not failing)
    assert db.session.get(cls, item_id) is not None
    db.session.rollback()
    assert pending_count() >= 1
    monkeypatch.setattr(whoosh, "write_docs", real)
    assert ids(find("banjir")) == {("dip", str(item_id))}   # the next drain applies it
    assert pending_count() == 0


def test_a_failed_index_commit_releases_the_writer_lock(whoosh, factories, monkeypatch):
    """A commit that raises (here: its merge step, the policy write_docs gives Whoosh)
    cancels the writer, so Whoosh's lock is free for the next writer at once."""
    from ppid.search.sources import registered
    ix = whoosh.get_index()
    a = factories.agency()
    item = make_dip_item(a, "Laporan gagal simpan")
    db.session.commit()
    doc = {f"dip:{item.id}": registered()["dip"].load(db.session, [str(item.id)])[str(item.id)]}
    db.session.rollback()

    def failing_merge(writer, segments):
        raise OSError("disk full")
    monkeypatch.setattr(whoosh, "tiered_merge", failing_merge)
    with pytest.raises(OSError) as failure:   # (its traceback keeps the writer alive)
        whoosh.write_docs(ix, doc)
    ix.writer(timeout=0).cancel()   # (whoosh.index.LockError while the lock is held)
    del failure
    monkeypatch.undo()
    whoosh.write_docs(ix, doc)
    assert ids(find("simpan")) == {("dip", str(item.id))}


def test_missing_index_is_rebuilt_with_a_warning(whoosh, factories, caplog):
    a = factories.agency()
    item = make_dip_item(a, "Data curah hujan")
    db.session.commit()
    whoosh.clear()
    with caplog.at_level(logging.WARNING, logger="ppid.search.index"):
        assert ids(find("hujan")) == {("dip", str(item.id))}
    assert "rebuilding" in caplog.text and "missing" in caplog.text


def test_corrupt_index_is_rebuilt_with_a_warning(whoosh, factories, caplog):
    a = factories.agency()
    item = make_dip_item(a, "Data kualitas udara")
    db.session.commit()
    find("udara")
    path = whoosh.index_dir()
    whoosh.forget()
    for f in path.iterdir():
        if f.name.endswith(".seg") or f.name.startswith("_ppid"):
            f.write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING, logger="ppid.search.index"):
        assert ids(find("udara")) == {("dip", str(item.id))}
    assert "rebuilding" in caplog.text


def test_index_deleted_under_an_open_searcher_is_rebuilt(whoosh, factories, caplog):
    import shutil
    a = factories.agency()
    item = make_dip_item(a, "Data panen padi")
    item_id = item.id
    db.session.commit()
    assert find("panen").total == 1  # a searcher is now open and cached
    shutil.rmtree(whoosh.index_dir())
    with caplog.at_level(logging.WARNING, logger="ppid.search"):
        assert ids(find("panen")) == {("dip", str(item_id))}
    assert "rebuilding" in caplog.text


@pytest.mark.parametrize("old_name", ["ppid_v1", "ppid_v2"])
def test_an_index_of_an_older_schema_is_rebuilt_with_a_log_line(whoosh, factories, caplog,
                                                                 old_name):
    """ppid_v2 is what the code before issue 14 built (its TOC named private classes)."""
    from whoosh import index as windex
    from whoosh.fields import ID, Schema
    a = factories.agency()
    item = make_dip_item(a, "Data debit sungai")
    db.session.commit()
    whoosh.clear()
    path = whoosh.index_dir()
    old = windex.create_in(str(path), Schema(key=ID(stored=True)), indexname=old_name)
    with old.writer() as w:
        w.add_document(key="dip:0")
    with caplog.at_level(logging.WARNING, logger="ppid.search.index"):
        assert ids(find("sungai")) == {("dip", str(item.id))}
    assert "older schema" in caplog.text and "rebuilding" in caplog.text
    assert not list(path.glob(f"_{old_name}_*.toc"))


def test_rebuild_with_several_writer_processes(whoosh, factories):
    a = factories.agency()
    for n in range(40):
        make_dip_item(a, f"Laporan bulanan {n}")
    db.session.commit()
    assert whoosh.rebuild(procs=2) == 40
    assert find("bulanan", facets=False).total == 40
    assert drift() == ([], [], [])


# --- Several processes writing at once; a SIGKILL during a write -------------------------

WORKERS = 3
PER_WORKER = 10


def _app_for(data_dir, url):
    from ppid import create_app
    from tests.conftest import base_config
    return create_app(base_config(data_dir, url))


def _writer(data_dir, url, agency_id, worker_no, count, out):
    from ppid.registry.models import DipItem
    app = _app_for(data_dir, url)
    with app.app_context():
        from ppid.agencies.models import Agency
        agency = db.session.get(Agency, agency_id)
        made = []
        for i in range(count):
            item = make_dip_item(agency, f"Dokumen proses {worker_no} nomor {i} pengelolaan")
            made.append(item.id)
            db.session.commit()
            if worker_no == 0 and i % 3 == 0:
                find("pengelolaan")   # searches meanwhile (Whoosh: they apply the queue)
        for item_id in made[::2]:  # then change half of them again
            item = db.session.get(DipItem, item_id)
            item.title = f"Dokumen proses {worker_no} diubah {item_id} pengelolaan"
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    out.put(made)


def _titles():
    from ppid.registry.models import DipItem
    return dict(db.session.execute(sa.select(DipItem.id, DipItem.title)).all())


@pytest.mark.slow
def test_several_processes_writing_at_once_lose_no_update(fresh_index, factories):
    agency = factories.agency()
    db.session.commit()
    agency_id = agency.id
    db.session.rollback()
    mp = multiprocessing.get_context("spawn")
    out = mp.Queue()
    procs = [mp.Process(target=_writer,
                        args=(fresh_index.config["DATA_DIR"],
                              fresh_index.config["SQLALCHEMY_DATABASE_URI"],
                              agency_id, n, PER_WORKER, out))
             for n in range(WORKERS)]
    for p in procs:
        p.start()
    made = []
    for _ in procs:
        made.extend(out.get(timeout=240))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(made) == WORKERS * PER_WORKER
    r = find("pengelolaan", per_page=100, facets=False)
    assert {int(h.public_id) for h in r.hits} == set(made)
    titles = _titles()
    assert {h.public_id: h.title for h in r.hits} == {str(i): titles[i] for i in made}
    assert drift() == ([], [], [])


def _killed_writer(data_dir, url, agency_id, ready):
    """Writes records as fast as it can (Whoosh: applying the queue itself after each,
    as the indexer does), until it is killed."""
    app = _app_for(data_dir, url)
    with app.app_context():
        from ppid.agencies.models import Agency
        from ppid.search import backend as sbackend
        agency = db.session.get(Agency, agency_id)
        n = 0
        while True:
            make_dip_item(agency, f"Catatan terbunuh {n} pengarsipan",
                          text="isi dokumen " * 200)
            db.session.commit()
            drain()   # (as the job worker does; nothing on PostgreSQL)
            n += 1
            if n == 5:
                ready.set()


@pytest.mark.slow
def test_a_sigkill_during_a_write_leaves_nothing_missing(fresh_index, factories):
    agency = factories.agency()
    db.session.commit()
    agency_id = agency.id
    db.session.rollback()
    find("pengarsipan")   # (Whoosh: an index exists, so the child does not build one)
    mp = multiprocessing.get_context("spawn")
    ready = mp.Event()
    child = mp.Process(target=_killed_writer,
                       args=(fresh_index.config["DATA_DIR"],
                             fresh_index.config["SQLALCHEMY_DATABASE_URI"], agency_id, ready))
    child.start()
    try:
        assert ready.wait(120), "the writer did not get going"
        import random
        import time
        time.sleep(random.uniform(0.05, 0.3))   # somewhere in a write or an index commit
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.join(30)
    assert child.exitcode == -signal.SIGKILL
    db.session.rollback()
    titles = _titles()
    assert len(titles) >= 5
    db.session.rollback()   # (a test's open SQLite transaction holds the write lock)
    found = {int(h.public_id) for h in find("pengarsipan", per_page=1000, facets=False).hits}
    assert found == set(titles)
    assert drift() == ([], [], [])
    # And the index still takes writes after the kill.
    make_dip_item(db.session.merge(agency), "Catatan sesudahnya pengarsipan")
    db.session.commit()
    assert find("pengarsipan", facets=False).total == len(titles) + 1


def test_a_backup_of_a_migrated_database_leaves_the_search_rows_out(fresh_database_url,
                                                                    tmp_path):
    """The PostgreSQL search tables are derived (and absent on SQLite): never archived."""
    from flask_migrate import upgrade

    from ppid import ROOT, create_app
    from ppid.core.backup import create_backup
    app = create_app({"ENV": "testing", "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": fresh_database_url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        manifest = create_backup(tmp_path / "backup.tar.gz")
        db.session.remove()
        db.engine.dispose()
    assert "registry_dip_item" in manifest["tables"] and "search_pending" in manifest["tables"]
    assert not {"search_documents", "search_words"} & set(manifest["tables"])


def test_postgres_searches_can_read_from_a_replica(postgres, factories, app):
    """SEARCH_REPLICA_URL: searches on their own engine (here the same database stands in
    for a streaming replica, which holds what the primary committed)."""
    a = factories.agency()
    item = make_dip_item(a, "Data replika pembacaan")
    db.session.commit()
    app.config["SEARCH_REPLICA_URL"] = app.config["DATABASE_URL"]
    used = []
    try:
        assert ids(find("replika")) == {("dip", str(item.id))}
        assert find("replikaa").suggestion == "replika"
        engine = next(iter(postgres._replicas.values()))
        sa.event.listen(engine, "before_cursor_execute", lambda *a: used.append(1))
        find("pembacaan")
        assert used   # the replica's engine answered
    finally:
        app.config["SEARCH_REPLICA_URL"] = None
        for engine in postgres._replicas.values():
            engine.dispose()
        postgres._replicas.clear()


# --- A new record's document, from the session (issue #13: the counter's hold) -------------

def test_a_new_requests_document_built_from_the_session_equals_the_loaded_one(
        fresh_index, factories):
    """The document of a request inserted in this transaction is built from the values the
    session holds (no reload while the registration counter is locked): the same document
    as loading it, None while its subject is held, and loaded after all when a column it
    needs is not in memory."""
    from ppid.info_requests import search as request_source
    from ppid.search.sources import UNKNOWN
    a = factories.agency()
    req = make_request(a, "Salinan peta kawasan hutan lindung", outcome=None)
    closed = make_request(a, "Salinan kontrak jembatan gantung", state="selesai",
                          outcome="dikabulkan", redacted_subject="Kontrak jembatan")
    held = make_request(a, "Salinan keputusan kepala dinas", is_subject_held=True)
    loaded = request_source.load(db.session, [str(r.id) for r in (req, closed, held)])
    assert request_source.build(db.session, req) == loaded[str(req.id)]
    assert request_source.build(db.session, closed) == loaded[str(closed.id)]
    assert request_source.build(db.session, held) is None and str(held.id) not in loaded
    db.session.expire(req, ["state"])
    assert request_source.build(db.session, req) is UNKNOWN


def _statements_after_the_draw(statements):
    draws = [i for i, s in enumerate(statements) if s.startswith("UPDATE counter")]
    return statements[draws[-1] + 1:]


def test_postgres_a_new_request_is_written_without_reloading_it(postgres, factories, app,
                                                              monkeypatch):
    """Between the registration number's draw and the commit, a new request's search row
    costs no SELECT (its document is built from the session) and, while its subject is
    held, no statement at all (no row can exist for a record this transaction inserted);
    the rows written are those a reindex would write. (A process's first write checks once
    that the search tables exist: pg_catalog, left out.)"""
    from ppid.info_requests import services as requests
    from tests.services.test_requests_services import MON_16_MARCH, data_for
    a = factories.agency()
    db.session.commit()
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement.lstrip())

    sa.event.listen(db.engine, "after_cursor_execute", record)
    try:
        numbers = {}
        for hold, words in ((True, "peta kawasan gambut"), (False, "peta kawasan mangrove")):
            monkeypatch.setitem(app.config, "REQUEST_SUBJECT_HOLD", hold)
            seen.clear()
            req, _token = requests.submit_request(
                data_for(a, information=f"Salinan {words} tahun 2025."), actor=None,
                now=MON_16_MARCH)
            numbers[hold] = req.registration_number
            db.session.commit()
            tail = [s for s in _statements_after_the_draw(seen) if "pg_catalog" not in s]
            assert not [s for s in tail if s.upper().startswith("SELECT")], tail
            assert not [s for s in tail if "search_documents" in s and
                        s.upper().startswith("DELETE")], tail
            touched = [s for s in tail if "search_documents" in s]
            assert len(touched) == (0 if hold else 1), tail
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", record)
    assert ids(find("mangrove")) == {("request", numbers[False])}
    assert find("gambut").total == 0
    assert drift() == ([], [], [])
