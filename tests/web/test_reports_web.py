"""Reports pages: the auditor reads everything and changes nothing; officers fill in and
publish their agency's annual report; charts and CSVs carry no personal data."""
import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.extensions import db
from ppid.registry.demo import seed_catalogue
from ppid.registry.models import DipItem, Obligation
from ppid.reports.models import AnnualReportText
from ppid.reports.testing import add_objection, add_request
from tests.conftest import login

YEAR = date.today().year - 1


@pytest.fixture
def world(factories):
    seed_catalogue()
    utama = factories.agency(slug="ppid-utama", name="PPID Utama Uji", kind="utama")
    a = factories.agency(slug="dinas-a", name="Dinas Alfa")
    r = add_request(a, date(YEAR, 3, 2), date(YEAR, 3, 16), state="selesai",
                    closed_on=date(YEAR, 3, 20), outcome="ditolak", letters="h")
    add_request(a, date(YEAR, 4, 1), date(YEAR, 4, 15), state="selesai",
                closed_on=date(YEAR, 4, 6), outcome="dikabulkan")
    add_objection(r, date(YEAR, 3, 25), date(YEAR, 5, 6), decision="menguatkan",
                  decided_on=date(YEAR, 4, 1))
    users = {
        "auditor": factories.user(auth.AUDITOR),
        "main": factories.user(auth.MAIN),
        "helper": factories.user(auth.HELPER, a),
        "other_helper": factories.user(auth.HELPER, utama),
        "citizen": factories.user(auth.CITIZEN),
    }
    db.session.commit()
    return {"utama": utama, "a": a, "users": users}


def _get_urls():
    return [
        "/kelola/kepatuhan", "/kelola/kepatuhan?urut=nama&predikat=none&q=alfa",
        "/kelola/kepatuhan?format=csv", "/kelola/kepatuhan/dinas-a", "/kelola/laporan",
        f"/kelola/laporan?tahun={YEAR}", f"/kelola/laporan/tahunan/{YEAR}.csv",
        f"/kelola/laporan/tahunan/{YEAR}.pdf", f"/kelola/laporan/tahunan/{YEAR}/dinas-a.pdf",
        f"/kelola/laporan/tahunan/{YEAR}/dinas-a.csv",
        f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian", "/kelola/laporan/audit.pdf",
        "/kelola/laporan/audit.csv", "/kelola/laporan/audit.csv?bagian=kewajiban",
        "/kelola/laporan/audit.csv?bagian=permohonan", "/dasbor",
    ]


def _post_urls():
    return [f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian",
            f"/kelola/laporan/tahunan/{YEAR}/penyampaian",
            f"/kelola/laporan/tahunan/{YEAR}/dinas-a/penyampaian",
            f"/kelola/laporan/tahunan/{YEAR}/dinas-a/terbitkan"]


def test_auditor_reads_every_reports_page_and_changes_nothing(client, world):
    login(client, world["users"]["auditor"])
    for url in _get_urls():
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert b"Pemohon Rahasia" not in resp.data and b"6171000000" not in resp.data, url
    isian = client.get(f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian").get_data(as_text=True)
    assert "<textarea" not in isian and "(belum diisi)" in isian
    # Every POST route of this blueprint refuses the auditor.
    posts = [r.rule for r in client.application.url_map.iter_rules()
             if r.endpoint.startswith("reports.") and "POST" in r.methods]
    assert len(posts) == len(_post_urls())
    for url in _post_urls():
        resp = client.post(url, data={"facilities": "diubah auditor"})
        assert resp.status_code == 403, url
    assert db.session.execute(sa.select(sa.func.count(AnnualReportText.id))).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count(DipItem.id))).scalar() == 0


def test_anonymous_and_citizen_are_refused(client, world):
    for url in ("/kelola/kepatuhan", f"/kelola/laporan/tahunan/{YEAR}.pdf",
                "/kelola/laporan/audit.csv"):
        assert client.get(url).status_code in (302, 401)
    login(client, world["users"]["citizen"])
    for url in _get_urls()[:-1]:
        assert client.get(url).status_code == 403, url
    for url in _post_urls():
        assert client.post(url).status_code == 403, url


def test_helper_sees_own_agency_report_only(client, world):
    login(client, world["users"]["helper"])
    assert client.get("/kelola/kepatuhan").status_code == 403
    assert client.get(f"/kelola/laporan/tahunan/{YEAR}.pdf").status_code == 403
    assert client.get(f"/kelola/laporan/tahunan/{YEAR}/dinas-a.csv").status_code == 200
    assert client.get(f"/kelola/laporan/tahunan/{YEAR}/ppid-utama.csv").status_code == 403
    page = client.get("/kelola/laporan").get_data(as_text=True)
    assert "Dinas Alfa" in page and "PPID Utama Uji" not in page
    assert client.post(f"/kelola/laporan/tahunan/{YEAR}/ppid-utama/isian",
                       data={"facilities": "x"}).status_code == 403


def test_helper_fills_in_texts_and_they_reach_the_pdf(client, world, pdftotext):
    login(client, world["users"]["helper"])
    url = f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian"
    resp = client.post(url, data={"facilities": "Meja informasi dan komputer publik",
                                  "staff": "Dua petugas", "budget": "Rp 25.000.000",
                                  "constraints": "", "recommendations": "Tambah petugas"})
    assert resp.status_code == 302
    text = db.session.execute(sa.select(AnnualReportText)).scalar_one()
    assert text.year == YEAR and text.staff == "Dua petugas"
    too_long = client.post(url, data={"facilities": "x" * 5001})
    assert too_long.status_code == 200 and "error" in too_long.get_data(as_text=True)
    pdf = client.get(f"/kelola/laporan/tahunan/{YEAR}/dinas-a.pdf")
    assert pdf.mimetype == "application/pdf"
    out = pdftotext(pdf.data)
    assert "Meja informasi dan komputer publik" in out and "Tambah petugas" in out
    assert "Dinas Alfa" in out


def test_publish_summary_as_obligation_e(client, world, pdftotext):
    login(client, world["users"]["helper"])
    resp = client.post(f"/kelola/laporan/tahunan/{YEAR}/dinas-a/terbitkan")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    e = db.session.execute(sa.select(Obligation).where(Obligation.code == "e")).scalar_one()
    item = db.session.execute(sa.select(DipItem).where(DipItem.obligation_id == e.id)
                              ).scalar_one()
    assert item.agency_id == world["a"].id and item.state == "published"
    assert len(item.versions) == 1 and item.versions[0].media_type == "application/pdf"
    from ppid.core.storage import storage
    out = pdftotext(storage().get(item.versions[0].sha256))
    assert "Ringkasan Laporan Layanan Informasi Publik" in out and "Dinas Alfa" in out
    # Publishing the same summary again is no new version (the history lists changes) ...
    resp = client.post(f"/kelola/laporan/tahunan/{YEAR}/dinas-a/terbitkan",
                       follow_redirects=True)
    assert resp.status_code == 200 and "isinya tidak berubah" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(DipItem, item.id).versions) == 1
    # ... a changed one is: a new decision in the year changes the figures.
    from ppid.reports.testing import add_request
    add_request(world["a"], date(YEAR, 6, 2), date(YEAR, 6, 16), state="selesai",
                closed_on=date(YEAR, 6, 10), outcome="dikabulkan")
    db.session.commit()
    assert client.post(f"/kelola/laporan/tahunan/{YEAR}/dinas-a/terbitkan").status_code == 302
    db.session.expire_all()
    assert len(db.session.get(DipItem, item.id).versions) == 2
    from ppid.registry import services as registry
    status = registry.status_of(world["a"], e)
    assert status.status == "terkini"


def test_consolidated_report_pdf_and_csv(client, world, pdftotext):
    login(client, world["users"]["main"])
    out = pdftotext(client.get(f"/kelola/laporan/tahunan/{YEAR}.pdf").data)
    assert "Gabungan seluruh badan publik" in out and "rincian per badan publik" in out
    assert "Dinas Alfa" in out and "PPID Utama Uji" in out
    rows = list(csv.reader(io.StringIO(
        client.get(f"/kelola/laporan/tahunan/{YEAR}.csv").get_data(as_text=True).lstrip(
            "\ufeff"))))
    total = dict(zip(rows[0], rows[-1]))
    assert total["badan_publik"] == "JUMLAH" and total["permohonan"] == "2"
    assert total["ditolak_pasal17_h"] == "1" and total["keberatan_menguatkan"] == "1"


def test_compliance_page_sorting_filter_chart_and_csv(client, world):
    login(client, world["users"]["main"])
    page = client.get("/kelola/kepatuhan?urut=nama").get_data(as_text=True)
    assert page.index("Dinas Alfa") < page.index("PPID Utama Uji")
    assert "<svg" in page and "<title" in page and "Sebaran predikat" in page
    # The chart needs no script: the only one is the registry's own enhancement (ppid.js).
    assert "<script" not in page.replace('<script src="/static/js/ppid.js" defer></script>', "")
    filtered = client.get("/kelola/kepatuhan?q=utama").get_data(as_text=True)
    assert "PPID Utama Uji" in filtered and "Dinas Alfa" not in filtered
    assert client.get("/kelola/kepatuhan?urut=acak").status_code == 400
    assert client.get("/kelola/kepatuhan?predikat=hebat").status_code == 400
    rows = list(csv.reader(io.StringIO(
        client.get("/kelola/kepatuhan?format=csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["peringkat", "badan_publik", "slug", "skor", "predikat"]
    assert len(rows) == 3
    audit_rows = list(csv.reader(io.StringIO(
        client.get("/kelola/laporan/audit.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert "status_a" in audit_rows[0] and "status_k" in audit_rows[0]
    assert client.get("/kelola/laporan/audit.csv?bagian=lain").status_code == 400
    assert client.get("/kelola/laporan/tahunan/1999.pdf").status_code == 404
    assert client.get(f"/kelola/laporan/tahunan/{YEAR}.docx").status_code == 404


def test_dashboard_section_and_nav(client, world):
    login(client, world["users"]["main"])
    page = client.get("/dasbor").get_data(as_text=True)
    assert "Kepatuhan dan laporan" in page and "/kelola/kepatuhan" in page
    client.post("/keluar")
    login(client, world["users"]["helper"])
    page = client.get("/dasbor").get_data(as_text=True)
    assert f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian" in page
    assert 'href="/kelola/kepatuhan"' not in page


def test_audit_pdf_has_every_part(client, world, pdftotext):
    login(client, world["users"]["auditor"])
    out = pdftotext(client.get("/kelola/laporan/audit.pdf").data)
    for part in ("Peringkat badan publik", "Matriks kewajiban", "Kewajiban terlambat",
                 "Permohonan terlambat", "Tren", "Dinas Alfa", "Halaman 2 dari"):
        assert part in out, part


def test_the_annual_report_has_every_pasal_56_section(client, world, pdftotext):
    """Perki 1/2021 Pasal 56: policy, implementation, service figures, objections and
    their implementation, the Komisi Informasi's results and their execution, courts,
    internal and external constraints, recommendations; read back from the PDF."""
    login(client, world["users"]["main"])
    resp = client.post(f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian", data={
        "policy": "Kebijakan: SK PPID dan SOP layanan.", "facilities": "Ruang layanan.",
        "staff": "Dua petugas.", "budget": "Rp 50 juta.",
        "constraints": "Kendala dalam: arsip belum digital.",
        "constraints_external": "Kendala luar: jaringan internet di kabupaten.",
        "recommendations": "Digitalisasi arsip 2027."})
    assert resp.status_code == 302
    out = " ".join(pdftotext(client.get(f"/kelola/laporan/tahunan/{YEAR}/dinas-a.pdf")
                             .data).split())
    headings = ["I. Gambaran umum kebijakan pelayanan informasi publik",
                "II. Gambaran umum pelaksanaan pelayanan informasi publik",
                "III. Rincian pelayanan informasi publik",
                "IV. Keberatan dan pelaksanaan putusannya",
                "V. Sengketa di Komisi Informasi dan pelaksanaannya",
                "VI. Perkara di pengadilan dan putusannya",
                "VII. Kendala internal dan eksternal",
                "VIII. Rekomendasi dan rencana tindak lanjut"]
    positions = [out.rindex(h) for h in headings]  # (the table of contents names them too)
    assert positions == sorted(positions), positions
    for text in ("Kebijakan: SK PPID", "Kendala dalam: arsip", "Kendala luar: jaringan",
                 "Digitalisasi arsip 2027", f"Batas penyampaian: 31 Maret {YEAR + 1}",
                 "Mediasi gagal, dilanjutkan ajudikasi", "Sudah dilaksanakan"):
        assert text in out, text
    for code in ("mediasi_berhasil", "dalam_proses", "dikabulkan_sebagian",
                 "tidak_dapat_diterima", "kabupaten_kota"):
        assert code not in out, code


def test_a_report_s_submission_is_recorded_with_its_recipient(client, world):
    login(client, world["users"]["main"])
    url = f"/kelola/laporan/tahunan/{YEAR}/dinas-a/penyampaian"
    page = client.get(f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian").get_data(as_text=True)
    assert f"31 Maret {YEAR + 1}" in page and "Belum ada penyampaian" in page
    bad = client.post(url, data={"submitted_on": f"{YEAR}-12-30", "recipient": "Gubernur",
                                 "method": "surat"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "setelah tahun itu berakhir" in body and 'value="Gubernur"' in body  # kept
    ok = client.post(url, data={"submitted_on": f"{YEAR + 1}-04-02", "method": "surel",
                                "recipient": "Komisi Informasi Provinsi Kalimantan Barat",
                                "reference": "045/PPID/IV"})
    assert ok.status_code == 302
    page = client.get(f"/kelola/laporan/tahunan/{YEAR}/dinas-a/isian").get_data(as_text=True)
    assert "Komisi Informasi Provinsi Kalimantan Barat" in page and "terlambat" in page
    from ppid.core.models import AuditEvent
    assert db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.action == "reports.annual_submitted")).scalar_one()
    # the consolidated report's submission is the PPID Utama's
    assert client.post(f"/kelola/laporan/tahunan/{YEAR}/penyampaian", data={
        "submitted_on": f"{YEAR + 1}-03-20", "method": "surat",
        "recipient": "Gubernur Kalimantan Barat"}).status_code == 302
    assert "Gubernur Kalimantan Barat" in client.get(
        f"/kelola/laporan?tahun={YEAR}").get_data(as_text=True)
