"""Search over real DIP items and requests: analysis in practice, filters, facets,
public content only, and the index kept right (queue, rebuild, check)."""
import logging
from datetime import date

import pytest
import sqlalchemy as sa

from ppid.extensions import db
from ppid.search import index as sindex
from ppid.search import services
from ppid.search.indexing import drain, pending_count
from ppid.search.models import SearchPending
from ppid.search.testing import add_version, make_dip_item, make_request


@pytest.fixture
def fresh_index(ctx):
    sindex.clear(ctx)
    yield ctx
    sindex.clear(ctx)


def find(q, **kw):
    return services.search(services.SearchParams(q=q, **kw))


def ids(result):
    return {(h.type, h.public_id) for h in result.hits}


def test_stemming_matches_kelola_pengelolaan_dikelola(fresh_index, factories):
    a = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    item = make_dip_item(a, "Laporan pengelolaan sampah medis",
                         summary="Limbah yang dikelola rumah sakit daerah")
    db.session.commit()
    for q in ("kelola", "pengelolaan", "dikelola", "mengelola"):
        assert ids(find(q)) == {("dip", str(item.id))}, q


def test_phrase_search_is_exact(fresh_index, factories):
    a = factories.agency()
    exact = make_dip_item(a, "Pengelolaan keuangan daerah")
    stemmed_only = make_dip_item(a, "Keuangan yang dikelola daerah")
    db.session.commit()
    assert ids(find("pengelolaan keuangan")) == {("dip", str(exact.id)),
                                                 ("dip", str(stemmed_only.id))}
    assert ids(find('"pengelolaan keuangan"')) == {("dip", str(exact.id))}
    assert ids(find('"dikelola keuangan"')) == set()


def test_regulation_references_stay_whole(fresh_index, factories):
    a = factories.agency()
    ref = make_dip_item(a, "Penolakan berdasarkan UU 14/2008 Pasal 17 huruf b")
    other = make_dip_item(a, "Jadwal pasal 1 ayat 17 hari kerja 2008")
    db.session.commit()
    assert ids(find("14/2008")) == {("dip", str(ref.id))}
    assert ids(find("Pasal 17")) == {("dip", str(ref.id))}
    assert ids(find("2008")) == {("dip", str(ref.id)), ("dip", str(other.id))}


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
    assert dict(r.facets["year"]) == {"2024": 1, "2025": 2, "2026": 1}
    assert find("anggaran", agency="dinkes").total == 2
    assert find("anggaran", agency="dinkes", year=2025).total == 1
    assert find("anggaran", type="request").total == 1
    assert find("anggaran", category="setiap_saat").total == 1
    filtered = find("anggaran", agency="disdik")
    assert dict(filtered.facets["type"]) == {"dip": 1, "request": 1}


def test_title_boost_and_date_sort(fresh_index, factories):
    a = factories.agency()
    in_body = make_dip_item(a, "Dokumen lain", summary="menyebut retribusi sekali",
                            made_on=date(2026, 1, 1))
    in_title = make_dip_item(a, "Retribusi daerah", made_on=date(2020, 1, 1))
    db.session.commit()
    assert [h.public_id for h in find("retribusi").hits] == [str(in_title.id), str(in_body.id)]
    assert [h.public_id for h in find("retribusi", sort="date").hits] == [
        str(in_body.id), str(in_title.id)]


def test_pagination(fresh_index, factories):
    a = factories.agency()
    for i in range(7):
        make_dip_item(a, f"Laporan kegiatan nomor {i}")
    db.session.commit()
    pages = [find("kegiatan", page=p, per_page=3) for p in (1, 2, 3)]
    assert [len(p.hits) for p in pages] == [3, 3, 1]
    assert all(p.total == 7 for p in pages)
    assert len({h.public_id for p in pages for h in p.hits}) == 7


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
    stored = sindex.stored_documents()
    assert "Zulkarnaenkanari" not in repr(stored)
    assert "9999888877776666" not in repr(stored)


def test_snippet_is_escaped_except_marks(fresh_index, factories):
    a = factories.agency()
    make_dip_item(a, "Catatan", summary="<script>alert('x')</script> tentang irigasi sawah")
    db.session.commit()
    snippet = str(find("irigasi").hits[0].snippet)
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;/script&gt;" in snippet
    assert "<mark>irigasi</mark>" in snippet


def test_snippets_of_a_repeated_search_come_from_the_cache_and_follow_edits(
        fresh_index, factories, monkeypatch):
    a = factories.agency()
    item = make_dip_item(a, "Laporan irigasi", summary="Saluran irigasi desa Sungai Ambawang")
    db.session.commit()
    made = []
    real = services._make_snippet
    monkeypatch.setattr(services, "_make_snippet",
                        lambda *args: made.append(args[1]) or real(*args))
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
    r = find("laporan keuanagn")
    assert r.total == 0
    assert r.suggestion == "laporan keuangan"
    assert find("laporan keuangan").suggestion is None


HOSTILE = ['"', '"laporan', 'laporan"', "AND", "OR", "NOT", "AND OR NOT", "laporan AND",
           "NOT laporan", "(", ")", "((laporan", "*", "lap*", "?", "title:laporan",
           "laporan^5", "[a TO z]", "{}", "\\", "'", "~", "laporan~2", "a" * 499,
           "laporan\x00\x07\x1b", "\u202e\u200b", "😀 laporan", "%_%", "' OR 1=1 --",
           "<script>alert(1)</script>", "laporan " * 40]


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


def test_queue_row_is_written_in_the_same_transaction(fresh_index, factories, app):
    a = factories.agency()
    db.session.commit()
    sindex.get_index()
    app.config["SEARCH_AUTO_INDEX"] = False
    try:
        make_dip_item(a, "Antrean perubahan")
        assert db.session.execute(sa.select(sa.func.count(SearchPending.id))).scalar_one() >= 1
        db.session.rollback()
        assert pending_count() == 0  # rolled back with the change
        make_dip_item(a, "Antrean perubahan")
        db.session.commit()
        assert pending_count() >= 1
    finally:
        app.config["SEARCH_AUTO_INDEX"] = True
    assert drain() >= 1
    assert pending_count() == 0
    assert find("antrean").total == 1


def _queued_keys():
    return sorted(tuple(r) for r in db.session.execute(
        sa.select(SearchPending.doc_type, SearchPending.doc_id)))


def test_a_document_is_queued_once_per_transaction_and_again_after_a_savepoint_rollback(
        fresh_index, factories, app):
    a = factories.agency()
    db.session.commit()
    sindex.get_index(app)  # an index to apply the queue to (not a rebuild)
    app.config["SEARCH_AUTO_INDEX"] = False
    try:
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
    finally:
        app.config["SEARCH_AUTO_INDEX"] = True
    assert drain() == 1
    assert ids(find("kontrak")) == {("request", req.registration_number)}


def test_index_failure_keeps_database_write_and_retries(fresh_index, factories, monkeypatch):
    a = factories.agency()
    sindex.get_index()
    calls = {"n": 0}
    real = sindex.write_docs

    def broken(ix, docs):
        calls["n"] += 1
        raise OSError("disk full")

    monkeypatch.setattr(sindex, "write_docs", broken)
    item = make_dip_item(a, "Peta rawan banjir")
    item_id, cls = item.id, type(item)
    db.session.commit()  # must not raise
    assert calls["n"] == 1
    assert db.session.get(cls, item_id) is not None
    db.session.rollback()
    assert pending_count() >= 1
    monkeypatch.setattr(sindex, "write_docs", real)
    # The next search applies the leftover queue first.
    assert ids(find("banjir")) == {("dip", str(item_id))}
    assert pending_count() == 0


def test_missing_index_is_rebuilt_with_a_warning(fresh_index, factories, caplog):
    a = factories.agency()
    item = make_dip_item(a, "Data curah hujan")
    db.session.commit()
    sindex.clear()
    with caplog.at_level(logging.WARNING, logger="ppid.search.index"):
        assert ids(find("hujan")) == {("dip", str(item.id))}
    assert "rebuilding" in caplog.text and "missing" in caplog.text


def test_corrupt_index_is_rebuilt_with_a_warning(fresh_index, factories, caplog):
    a = factories.agency()
    item = make_dip_item(a, "Data kualitas udara")
    db.session.commit()
    find("udara")
    path = sindex.index_dir()
    sindex.forget()
    for f in path.iterdir():
        if f.name.endswith(".seg") or f.name.startswith("_ppid"):
            f.write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING, logger="ppid.search.index"):
        assert ids(find("udara")) == {("dip", str(item.id))}
    assert "rebuilding" in caplog.text


def test_reindex_check_reports_drift_and_repairs(fresh_index, factories, app):
    a = factories.agency()
    kept = make_dip_item(a, "Daftar aset tanah")
    changed = make_dip_item(a, "Daftar aset gedung")
    db.session.commit()
    db.session.rollback()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["ppid", "reindex", "--check"])
    assert ok.exit_code == 0, ok.output
    # Drift behind the queue's back: a change without events, a missing entry.
    app.config["SEARCH_AUTO_INDEX"] = False
    try:
        db.session.execute(sa.update(type(changed)).where(type(changed).id == changed.id)
                           .values(title="Daftar aset kendaraan"))
        newcomer = make_dip_item(a, "Daftar aset jalan")
        db.session.commit()
        db.session.execute(sa.delete(SearchPending))
        db.session.commit()
    finally:
        app.config["SEARCH_AUTO_INDEX"] = True
    changed_id, newcomer_id, kept_id = changed.id, newcomer.id, kept.id
    db.session.rollback()  # the CLI runs in its own transactions
    bad = runner.invoke(args=["ppid", "reindex", "--check"])
    assert bad.exit_code == 1
    assert f"usang: dip:{changed_id}" in bad.output
    assert f"hilang: dip:{newcomer_id}" in bad.output
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


def test_index_deleted_under_an_open_searcher_is_rebuilt(fresh_index, factories, caplog):
    a = factories.agency()
    item = make_dip_item(a, "Data panen padi")
    item_id = item.id
    db.session.commit()
    assert find("panen").total == 1  # a searcher is now open and cached
    import shutil
    shutil.rmtree(sindex.index_dir())
    with caplog.at_level(logging.WARNING, logger="ppid.search"):
        assert ids(find("panen")) == {("dip", str(item_id))}
    assert "rebuilding" in caplog.text


def test_index_of_an_older_schema_is_rebuilt_with_a_warning(fresh_index, factories, caplog,
                                                            monkeypatch):
    from whoosh import index as windex
    from whoosh.fields import ID, Schema
    a = factories.agency()
    item = make_dip_item(a, "Data debit sungai")
    db.session.commit()
    sindex.clear()
    path = sindex.index_dir()
    old = windex.create_in(str(path), Schema(key=ID(stored=True)), indexname="ppid_v1")
    with old.writer() as w:
        w.add_document(key="dip:0")
    with caplog.at_level(logging.WARNING, logger="ppid.search.index"):
        assert ids(find("sungai")) == {("dip", str(item.id))}
    assert "older schema" in caplog.text and "rebuilding" in caplog.text
    assert not list(path.glob("_ppid_v1_*.toc"))


def test_facets_and_totals_over_several_segments_with_deletions(fresh_index, factories):
    a = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    b = factories.agency(slug="disdik", name="Dinas Pendidikan")
    items = []
    for n in range(3):  # three commits: three segments
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
