"""The search page, GET /api/v1/search and the officers' request search."""
import pytest

from ppid.core import auth
from ppid.extensions import db
from ppid.search import backend
from ppid.search.indexing import drain, pending_count
from tests.search_records import make_dip_item, make_request
from tests.conftest import login


@pytest.fixture
def fresh_index(app):
    with app.app_context():
        backend.get(app).clear(app)
    yield
    with app.app_context():
        backend.get(app).clear(app)


@pytest.fixture
def corpus(client, factories, fresh_index):
    a = factories.agency(slug="dinkes", name="Dinas Kesehatan")
    b = factories.agency(slug="disdik", name="Dinas Pendidikan")
    item = make_dip_item(a, "Laporan keuangan dinas kesehatan 2025",
                         summary="Ringkasan <b>realisasi</b> anggaran yang dikelola",
                         text="Neraca dan arus kas tahun 2025.")
    make_dip_item(b, "Laporan keuangan sekolah", category="setiap_saat")
    req = make_request(b, "Data keuangan bantuan operasional sekolah",
                       name="Canaryname Hartono", identity="6171999988887777")
    db.session.commit()
    drain()   # (Whoosh: as the job worker would; a search never applies the queue)
    out = {"item_id": item.id, "reg": req.registration_number, "req_id": req.id,
           "a": a, "b": b}
    db.session.rollback()  # (as a request ends: the test's reads above began a transaction)
    return out


def test_api_search_response_shape(client, corpus):
    resp = client.get("/api/v1/search?q=laporan+keuangan+dinas+kesehatan+2025")
    assert resp.status_code == 200
    data = resp.get_json()
    assert set(data) == {"items", "total", "page", "per_page"}
    assert data["total"] >= 1 and data["page"] == 1 and data["per_page"] == 20
    first = data["items"][0]
    assert set(first) == {"type", "id", "title", "agency", "snippet", "url"}
    assert first == {**first, "type": "dip", "id": corpus["item_id"], "agency": "dinkes"}
    assert first["url"].endswith(f"/badan/dinkes/dip/{corpus['item_id']}")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_api_request_hits_carry_the_registration_number(client, corpus):
    data = client.get("/api/v1/search?q=operasional&type=request").get_json()
    assert data["items"] == [{
        "type": "request", "registration_number": corpus["reg"],
        "title": "Data keuangan bantuan operasional sekolah", "agency": "disdik",
        "snippet": data["items"][0]["snippet"], "url": data["items"][0]["url"]}]
    assert "<mark>operasional</mark>" in data["items"][0]["snippet"]


def test_api_filters_and_pagination(client, corpus):
    assert client.get("/api/v1/search?q=keuangan").get_json()["total"] == 3
    assert client.get("/api/v1/search?q=keuangan&agency=disdik").get_json()["total"] == 2
    assert client.get("/api/v1/search?q=keuangan&type=dip").get_json()["total"] == 2
    assert client.get("/api/v1/search?q=keuangan&category=setiap_saat").get_json()["total"] == 1
    assert client.get("/api/v1/search?q=keuangan&year=2025").get_json()["total"] == 0
    page2 = client.get("/api/v1/search?q=keuangan&per_page=2&page=2").get_json()
    assert page2["total"] == 3 and len(page2["items"]) == 1


@pytest.mark.parametrize("query, field", [
    ("", "q"), ("q=", "q"), ("q=x&type=semua", "type"), ("q=x&year=abc", "year"),
    ("q=x&per_page=1000", "per_page"), ("q=x&page=0", "page"), ("q=x&sort=acak", "sort"),
    ("q=" + "a" * 5000, "q"),
])
def test_api_bad_parameters_are_400_json(client, corpus, query, field):
    resp = client.get("/api/v1/search?" + query)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"] == "invalid_parameter" and body["message"] and field in body["fields"]


HOSTILE = ['"', "AND", "OR NOT", "*", "lap*", "(((", '"laporan', "title:x", "%00",
           "%1b%5b31m", "laporan%5E9", "%22%22%22", "NOT", "' OR 1=1 --", "%3Cscript%3E",
           "a" * 500, "a" * 5000, "%ef%bf%bf", "%F0%9F%98%80"]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_answer_200_or_400(client, corpus, q):
    for url in (f"/api/v1/search?q={q}", f"/cari?q={q}"):
        resp = client.get(url)
        assert resp.status_code in (200, 400), (url, resp.status_code)
        if resp.status_code == 400:
            text = resp.get_data(as_text=True)
            assert "terlalu panjang" in text or "Masukkan" in text


def test_search_page_shows_hits_facets_and_highlights(client, corpus):
    resp = client.get("/cari?q=keuangan")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "3 hasil" in html
    assert "<mark>keuangan</mark>" in html
    assert "&lt;b&gt;realisasi" in html or "realisasi" not in html
    assert "Dinas Pendidikan</a> <span class=\"count\">(2)</span>" in html
    assert 'href="/cari?q=keuangan&amp;badan=disdik"' in html
    assert "Canaryname" not in html and "6171999988887777" not in html
    filtered = client.get("/cari?q=keuangan&badan=disdik&jenis=request").get_data(as_text=True)
    assert "1 hasil" in filtered and corpus["reg"] in filtered


def test_search_page_did_you_mean_and_empty_form(client, corpus):
    html = client.get("/cari?q=kuangan").get_data(as_text=True)
    assert "Mungkin maksud Anda" in html and "keuangan" in html
    assert client.get("/cari").status_code == 200
    assert "Cari" in client.get("/").get_data(as_text=True)


def test_canary_personal_data_not_in_public_search(client, corpus):
    for q in ("Canaryname", "Hartono", "6171999988887777"):
        assert client.get(f"/api/v1/search?q={q}").get_json()["total"] == 0


def test_officer_search_finds_requester_in_own_agency_only(client, corpus, factories):
    helper_b = factories.user(auth.HELPER, corpus["b"])
    helper_a = factories.user(auth.HELPER, corpus["a"])
    main = factories.user(auth.MAIN)
    auditor = factories.user(auth.AUDITOR)
    db.session.commit()

    login(client, helper_b)
    html = client.get("/kelola/cari-permohonan?q=canaryname").get_data(as_text=True)
    assert corpus["reg"] in html and "Canaryname Hartono" in html
    assert corpus["reg"] in client.get("/kelola/cari-permohonan?q=6171999988887777"
                                       ).get_data(as_text=True)
    client.post("/keluar")

    login(client, helper_a)
    html = client.get("/kelola/cari-permohonan?q=canaryname").get_data(as_text=True)
    assert corpus["reg"] not in html and "Canaryname" not in html.split("</form>", 1)[1]
    client.post("/keluar")

    login(client, main)
    assert corpus["reg"] in client.get("/kelola/cari-permohonan?q=hartono").get_data(
        as_text=True)
    client.post("/keluar")

    login(client, auditor)
    assert client.get("/kelola/cari-permohonan?q=hartono").status_code == 403


def test_officer_search_requires_login_and_escapes_like(client, corpus, factories):
    resp = client.get("/kelola/cari-permohonan?q=x")
    assert resp.status_code == 302
    main = factories.user(auth.MAIN)
    db.session.commit()
    login(client, main)
    html = client.get("/kelola/cari-permohonan?q=%25").get_data(as_text=True)
    assert corpus["reg"] not in html  # "%" is a literal, not a wildcard
    assert client.get("/kelola/cari-permohonan?q=" + "a" * 600).status_code == 400


def test_a_web_change_is_searchable_once_applied_and_a_search_never_applies_it(
        client, corpus, factories, app):
    """Whoosh: the change waits in the queue, which searches leave alone (a GET never
    writes), until the job worker's drain applies it; PostgreSQL: the row was written in
    the change's own transaction, so the next search already sees it."""
    from ppid.registry.models import DipItem
    main = factories.user(auth.MAIN)
    db.session.commit()
    login(client, main)
    assert client.get("/api/v1/search?q=neraca").get_json()["total"] == 1
    resp = client.post(f"/kelola/dip/{corpus['item_id']}/tarik",
                       data={"reason": "Salah unggah dokumen"})
    assert resp.status_code in (200, 302)
    # The test client shares the test's app context (and session): end its transaction
    # as the end of a real request would.
    db.session.rollback()
    assert db.session.get(DipItem, corpus["item_id"]).state == "withdrawn"
    db.session.rollback()
    if backend.name(app) == "whoosh":
        queued = pending_count()
        assert queued >= 1
        assert client.get("/api/v1/search?q=neraca").get_json()["total"] == 1
        assert "neraca" in client.get("/cari?q=neraca").get_data(as_text=True).lower()
        assert pending_count() == queued   # left for the worker
        assert drain() == queued
    assert client.get("/api/v1/search?q=neraca").get_json()["total"] == 0


def test_search_page_says_when_results_match_only_most_words(client, corpus):
    html = client.get("/cari?q=neraca+jembatan").get_data(as_text=True)
    assert "1 hasil" in html
    assert "Tidak ada yang memuat semua kata yang dicari" in html
    full = client.get("/cari?q=neraca").get_data(as_text=True)
    assert "1 hasil" in full and "memuat semua kata" not in full


def test_api_search_falls_back_to_most_words_too(client, corpus):
    data = client.get("/api/v1/search?q=neraca+jembatan").get_json()
    assert data["total"] == 1 and data["items"][0]["id"] == corpus["item_id"]
