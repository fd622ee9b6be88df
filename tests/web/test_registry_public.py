"""Public DIP pages, exports (CSV, PDF), feeds, the exempt register, the matrix and the
officer's dashboard."""
import csv
import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.extensions import db
from ppid.core.services import local_today, timezone as local_tz
from ppid.registry import rules, services
from ppid.registry.models import Exemption
from tests.conftest import login
from tests.services.test_registry_items import SERTA_MERTA_PARTS, _exemption_data, approve
from tests.services.test_registry_staleness import (TODAY, make_catalogue, moment,
                                                    published_item)

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def registry(client, factories):
    obs = make_catalogue()
    agency = factories.agency(slug="dinkes-uji", name="Dinas Kesehatan Uji")
    today = date.today()
    current = published_item(agency, obs["a"], today - timedelta(days=40),
                             title="Profil Dinas Kesehatan 2026",
                             versions=[today - timedelta(days=5)])
    overdue = published_item(agency, obs["b"], today - timedelta(days=400),
                             title="Program & Kegiatan <script>alert(1)</script>")
    draft = published_item(agency, obs["c"], today - timedelta(days=3), title="Draf rahasia",
                           state="draft")
    withdrawn = published_item(agency, None, today - timedelta(days=30),
                               title="Pengumuman keliru", state="withdrawn")
    serta = services.create_item(agency, {
        "title": "Peringatan dini banjir", "summary": "Sungai Kapuas siaga",
        "holding_unit": "BPBD", "responsible": "Kalaksa", "made_at_place": "Sintang",
        "made_on": today, "form": "elektronik", "retention": "2 tahun",
        "category": "serta_merta", "obligation_id": None,
        "event_at": moment(today - timedelta(days=1), 3), **SERTA_MERTA_PARTS}, actor=None,
        now=moment(today - timedelta(days=1), 9))
    services.publish_item(serta, actor=None, now=moment(today - timedelta(days=1), 9))
    approve(services.save_exemption(agency, None, _exemption_data(), actor=None))
    db.session.commit()
    return {"obs": obs, "agency": agency, "current": current, "overdue": overdue,
            "draft": draft, "withdrawn": withdrawn, "serta": serta}


def test_agency_page_shows_dip_by_category_and_statuses(client, registry):
    html = client.get("/badan/dinkes-uji").get_data(as_text=True)
    assert "Profil Dinas Kesehatan 2026" in html
    assert "Program &amp; Kegiatan &lt;script&gt;" in html and "<script>alert" not in html
    assert "Draf rahasia" not in html
    assert "Pengumuman keliru" in html  # withdrawn items stay in the history
    for text in ("Terkini", "Terlambat", "Belum ada"):
        assert text in html
    assert "Informasi serta-merta" in html and "6.0" in html  # hours event -> publication
    assert "/badan/dinkes-uji/dip.pdf" in html and "/badan/dinkes-uji/dip.csv" in html


def test_item_page_shows_columns_history_and_old_versions_download(client, registry):
    item = registry["current"]
    html = client.get(f"/badan/dinkes-uji/dip/{item.id}").get_data(as_text=True)
    for label in ("Ringkasan isi informasi", "Pejabat atau unit/satuan kerja yang menguasai",
                  "Penanggung jawab pembuatan", "Waktu dan tempat pembuatan",
                  "Bentuk informasi yang tersedia", "Jangka waktu penyimpanan"):
        assert label in html
    assert 'property="og:title" content="Profil Dinas Kesehatan 2026"' in html
    assert html.count("/versi/") == 2
    old = client.get(f"/badan/dinkes-uji/dip/{item.id}/versi/1")
    assert old.status_code == 200 and old.data.startswith(b"%PDF")
    assert old.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/badan/dinkes-uji/dip/{item.id}/versi/3").status_code == 404


def test_drafts_are_not_public_and_withdrawn_items_keep_their_reason(client, registry):
    assert client.get(f"/badan/dinkes-uji/dip/{registry['draft'].id}").status_code == 404
    assert client.get(f"/badan/dinkes-uji/dip/{registry['draft'].id}/versi/1").status_code == 404
    html = client.get(f"/badan/dinkes-uji/dip/{registry['withdrawn'].id}").get_data(as_text=True)
    assert "ditarik" in html and "salah unggah" in html
    assert client.get(f"/badan/dinkes-uji/dip/{registry['withdrawn'].id}/versi/1"
                      ).status_code == 200
    # another agency's slug does not reach the item
    other = registry["agency"]
    assert client.get(f"/badan/tidak-ada/dip/{registry['current'].id}").status_code == 404
    assert other is not None


def test_dip_csv_has_the_official_columns_in_order(client, registry):
    year, semester = date.today().year, 1 if date.today().month <= 6 else 2
    resp = client.get(f"/badan/dinkes-uji/dip.csv?tahun={year}&semester={semester}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:7] == ["Nomor", "Ringkasan isi informasi",
                           "Pejabat atau unit/satuan kerja yang menguasai informasi",
                           "Penanggung jawab pembuatan atau penerbitan informasi",
                           "Waktu dan tempat pembuatan informasi",
                           "Bentuk informasi yang tersedia",
                           "Jangka waktu penyimpanan atau retensi arsip"]
    text = "\n".join(",".join(r) for r in rows)
    assert "Profil Dinas Kesehatan 2026" in text and "Draf rahasia" not in text
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(rows))]


@pytest.mark.parametrize("query", ["tahun=abc", "tahun=2026&semester=3", "tahun=1500"])
def test_dip_export_refuses_bad_periods(client, registry, query):
    resp = client.get(f"/badan/dinkes-uji/dip.csv?{query}")
    assert resp.status_code == 400
    assert "semester" in resp.get_data(as_text=True).lower()


def test_dip_pdf_contains_columns_and_items(client, registry, pdftotext):
    year, semester = date.today().year, 1 if date.today().month <= 6 else 2
    resp = client.get(f"/badan/dinkes-uji/dip.pdf?tahun={year}&semester={semester}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    raw = pdftotext(resp.data)
    text = " ".join(raw.split())
    assert "Daftar Informasi Publik" in text and "Dinas Kesehatan Uji" in text
    # Column headings wrap inside their cells: a distinctive word of each, then the row of
    # column numbers 1-7 that the official format prints under the headings.
    for word in ("Nomor", "Ringkasan", "menguasai", "Penanggung", "pembuatan", "Bentuk",
                 "retensi"):
        assert word in text
    assert "1 2 3 4 5 6 7" in text
    assert "Profil Dinas Kesehatan" in text and "Peringatan dini banjir" in text
    assert "Draf rahasia" not in text
    assert "Halaman 1 dari" in text


def test_atom_feeds_escape_everything(client, registry):
    for url in ("/badan/dinkes-uji/dip.atom", "/dip.atom"):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
        root = ET.fromstring(resp.data)  # well-formed despite the markup in a title
        titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
        assert "Program & Kegiatan <script>alert(1)</script>" in titles
        assert "Draf rahasia" not in titles and "Pengumuman keliru" not in titles
        assert b"<script>" not in resp.data


def test_public_exempt_register(client, registry):
    html = client.get("/informasi-dikecualikan").get_data(as_text=True)
    assert "Rekam medis pasien" in html and "440/1/2024" in html
    assert "rahasia pribadi" in html and "perlu ditinjau" in html
    assert 'property="og:title"' in html
    assert client.get("/informasi-dikecualikan?badan=dinkes-uji").status_code == 200
    # An agency the filter does not know: the page with the message next to the filter
    # (issue #17), not a bare error page.
    unknown = client.get("/informasi-dikecualikan?badan=tidak-ada")
    assert unknown.status_code == 400
    assert 'aria-invalid="true"' in unknown.get_data(as_text=True)


def test_obligation_detail_is_public(client, registry):
    html = client.get("/badan/dinkes-uji/kewajiban/b").get_data(as_text=True)
    assert "Terlambat" in html and "Program &amp; Kegiatan" in html
    assert "Nyatakan nihil" not in html  # no officer actions for the public
    assert client.get("/badan/dinkes-uji/kewajiban/zz").status_code == 404
    assert client.get("/badan/dinkes-uji/kewajiban/u").status_code == 404  # PPID Utama only


def test_matrix_for_main_officer_with_filters(client, factories, registry):
    other = factories.agency(name="Badan Lain Uji")
    main = factories.user(auth.MAIN)
    db.session.commit()
    login(client, main)
    html = client.get("/kelola/dip/matriks").get_data(as_text=True)
    assert "Dinas Kesehatan Uji" in html and "Badan Lain Uji" in html
    assert "/badan/dinkes-uji/kewajiban/b" in html
    assert "✗" in html and "Terlambat" in html
    html = client.get("/kelola/dip/matriks?q=kesehatan").get_data(as_text=True)
    assert "Badan Lain Uji" not in html and "Dinas Kesehatan Uji" in html
    html = client.get("/kelola/dip/matriks?status=terkini").get_data(as_text=True)
    assert "Badan Lain Uji" not in html  # it has nothing current
    assert client.get("/kelola/dip/matriks?status=bogus").status_code == 400
    assert other is not None


def test_auditor_sees_the_matrix(client, factories, registry):
    auditor = factories.user(auth.AUDITOR)
    db.session.commit()
    login(client, auditor)
    assert client.get("/kelola/dip/matriks").status_code == 200
    assert "Buka matriks kepatuhan" in client.get("/dasbor").get_data(as_text=True)


def test_catalogue_edit_changes_statuses(client, factories, registry):
    main = factories.user(auth.MAIN)
    db.session.commit()
    login(client, main)
    assert "Kewajiban a" in client.get("/kelola/katalog").get_data(as_text=True)
    ob = registry["obs"]["b"]
    resp = client.post(f"/kelola/katalog/{ob.id}/ubah", data={
        "code": "b", "title": "Kewajiban b", "description": "", "legal_basis": "",
        "category": "berkala", "period_months": "24", "applies_to": "semua",
        "is_active": "y"})
    assert resp.status_code == 302
    html = client.get("/badan/dinkes-uji/kewajiban/b").get_data(as_text=True)
    assert "Terkini" in html
    resp = client.post(f"/kelola/katalog/{ob.id}/ubah", data={
        "code": "b", "title": "", "category": "berkala", "period_months": "0",
        "applies_to": "semua"})
    assert resp.status_code == 422


def test_dashboard_opens_on_what_the_helper_must_do(client, factories, registry):
    helper = factories.user(auth.HELPER, registry["agency"])
    db.session.commit()
    login(client, helper)
    html = client.get("/dasbor").get_data(as_text=True)
    section = html[html.index("Kewajiban informasi berkala"):]
    assert "b. Kewajiban b" in section and "Terlambat" in section
    assert "c. Kewajiban c" in section and "Belum ada" in section
    assert "a. Kewajiban a" not in section  # current: nothing to do
    assert f"/kelola/dip/{registry['overdue'].id}/unggah" in section
    assert "/kelola/badan/dinkes-uji/nihil/c" in section


def test_helper_declares_nil_from_the_dashboard_link(client, factories, registry):
    helper = factories.user(auth.HELPER, registry["agency"])
    db.session.commit()
    login(client, helper)
    assert client.get("/kelola/badan/dinkes-uji/nihil/c").status_code == 200
    year, semester = rules.nil_periods_open(local_today())[1]   # the current semester
    resp = client.post("/kelola/badan/dinkes-uji/nihil/c", data={
        "period_year": str(year), "period_semester": str(semester),
        "reason": "Tidak ada kegiatan"})
    assert resp.status_code == 302
    html = client.get("/badan/dinkes-uji/kewajiban/c").get_data(as_text=True)
    assert "Nihil" in html and "Tidak ada kegiatan" in html
    end = rules.nil_effective_on(year, semester).strftime("%d-%m-%Y")
    assert f"Pernyataan nihil untuk periode sampai {end}" in html
    resp = client.post("/kelola/badan/dinkes-uji/nihil/c", data={
        "period_year": str(year), "period_semester": str(semester), "reason": "lagi"})
    assert resp.status_code == 422 and "sudah ada" in resp.get_data(as_text=True)


def test_nil_for_an_old_or_a_future_semester_is_refused(client, factories, registry):
    helper = factories.user(auth.HELPER, registry["agency"])
    db.session.commit()
    login(client, helper)
    previous, current = rules.nil_periods_open(local_today())
    too_old = rules.semester_from_index(rules.semester_index(*previous) - 1)
    future = rules.semester_from_index(rules.semester_index(*current) + 1)
    for (year, semester), message in ((too_old, "sudah lewat lebih dari satu periode"),
                                      (future, "belum berjalan")):
        resp = client.post("/kelola/badan/dinkes-uji/nihil/c", data={
            "period_year": str(year), "period_semester": str(semester),
            "reason": "Tidak ada kegiatan"})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and message in html
        assert rules.semester_label(*current) in html
    assert not services.nil_declarations(registry["agency"])
    html = client.get("/badan/dinkes-uji/kewajiban/c").get_data(as_text=True)
    assert "Belum ada" in html
    # the previous semester is accepted
    resp = client.post("/kelola/badan/dinkes-uji/nihil/c", data={
        "period_year": str(previous[0]), "period_semester": str(previous[1]),
        "reason": "Tidak ada kegiatan"})
    assert resp.status_code == 302


def test_republishing_through_the_web_keeps_the_old_date_and_status(client, factories,
                                                                    registry):
    helper = factories.user(auth.HELPER, registry["agency"])
    db.session.commit()
    login(client, helper)
    item = registry["overdue"]
    first = item.published_at
    first_text = item.published_at.astimezone(local_tz()).strftime("%d-%m-%Y")
    assert client.post(f"/kelola/dip/{item.id}/tarik",
                       data={"reason": "Salah unggah"}).status_code == 302
    html = client.get(f"/badan/dinkes-uji/dip/{item.id}").get_data(as_text=True)
    assert "Terbitkan kembali" in html and "tanggal terbit semula" in html
    resp = client.post(f"/kelola/dip/{item.id}/terbitkan", data={}, follow_redirects=True)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "diterbitkan kembali dengan tanggal terbit semula" in html
    assert first_text in html
    db.session.expire_all()
    assert db.session.get(type(item), item.id).published_at == first
    html = client.get("/badan/dinkes-uji/kewajiban/b").get_data(as_text=True)
    assert "Terlambat" in html and "Terkini" not in html


def test_officer_withdraws_with_a_reason(client, factories, registry):
    helper = factories.user(auth.HELPER, registry["agency"])
    db.session.commit()
    login(client, helper)
    item = registry["current"]
    assert client.post(f"/kelola/dip/{item.id}/tarik", data={"reason": ""}).status_code == 422
    assert client.post(f"/kelola/dip/{item.id}/tarik",
                       data={"reason": "Diganti dokumen baru"}).status_code == 302
    html = client.get(f"/badan/dinkes-uji/dip/{item.id}").get_data(as_text=True)
    assert "Diganti dokumen baru" in html


def test_exemption_pages_for_officers(client, factories, registry):
    helper = factories.user(auth.HELPER, registry["agency"])
    db.session.commit()
    login(client, helper)
    assert client.get("/kelola/badan/dinkes-uji/pengecualian/baru").status_code == 200
    resp = client.post("/kelola/badan/dinkes-uji/pengecualian/baru", data={
        "information": "Dokumen penyelidikan wabah", "pasal17_letters": "a",
        "other_statute": "", "consequence": "menghambat penyelidikan",
        "public_interest": "ringkasan diumumkan", "decided_by": "PPID Dinkes",
        "decree_number": "440/9/2026", "decree_on": "2026-01-05", "tested_on": "2026-01-02",
        "document": "Laporan penyelidikan epidemiologi", "end_on": "2027-01-05"})
    assert resp.status_code == 302
    # not public until the head of the body has approved it (PP 61/2010)
    assert "Dokumen penyelidikan wabah" not in client.get(
        "/informasi-dikecualikan").get_data(as_text=True)
    entry = db.session.execute(sa.select(Exemption).where(
        Exemption.information == "Dokumen penyelidikan wabah")).scalar_one()
    resp = client.post(f"/kelola/pengecualian/{entry.id}/setujui", data={
        "approved_by_name": "dr. Kepala", "approved_by_position": "Kepala Dinas Kesehatan",
        "approved_on": "2026-01-05"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    resp = client.post("/kelola/badan/dinkes-uji/pengecualian/baru", data={
        "information": "X", "pasal17_letters": "q", "consequence": "c", "public_interest": "p",
        "decided_by": "d", "decree_number": "n", "decree_on": "2026-01-05",
        "tested_on": "2026-01-02", "document": "d", "end_on": "2027-01-05"})
    assert resp.status_code == 422
    assert "Dokumen penyelidikan wabah" in client.get(
        "/informasi-dikecualikan").get_data(as_text=True)


def test_huge_ids_are_404_not_500(client, registry):
    for url in ("/badan/dinkes-uji/dip/99999999999", "/badan/dinkes-uji/dip/1/versi/99999999999",
                "/kelola/dip/99999999999/ubah"):
        assert client.get(url).status_code in (302, 404), url
