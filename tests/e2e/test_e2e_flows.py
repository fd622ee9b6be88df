"""The registry's five main flows in a real browser (issue 7, "End-to-end tests in Chromium").

1. a citizen files a request on a phone, gets the number, the due date and the receipt PDF;
2. a helper officer takes it from the top of the queue, extends it, attaches a released file
   and closes it as partly granted; the citizen's tracking page shows outcome and letter;
3. the citizen objects; the atasan PPID decides; the citizen sees the decision;
4. a helper officer clears an overdue obligation with a new version; the PPID Utama's matrix
   shows it current;
5. the auditor opens the compliance view and downloads the audit report.

The live database is shared by every e2e test, so each test seeds its own agency and accounts
(unique slugs and e-mails) through the services, inside the app context.
"""
import io
import re
import subprocess
import uuid
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from ppid.agencies.models import Agency
from ppid.core import auth
from ppid.core.db import utcnow
from ppid.core.pdf import html_to_pdf
from ppid.core.services import build_calendar, local_today, timezone
from ppid.extensions import db
from ppid.info_requests import rules as req_rules
from ppid.info_requests import services as req_services
from ppid.registry import services as reg_services
from ppid.registry.demo import seed_catalogue
from ppid.registry.models import Obligation
from tests.conftest import TEST_PASSWORD, make_agency, make_user, working_days_back
from tests.e2e.conftest import ARTIFACTS, axe_violations, in_app, login_in_browser
from tests.e2e.conftest import click_nav


# --- helpers ----------------------------------------------------------------------------------

def _uid():
    return uuid.uuid4().hex[:6]


def _ensure_utama():
    """The government's PPID Utama (one for the whole live database)."""
    main = db.session.execute(sa.select(Agency).where(Agency.kind == "utama")
                              .order_by(Agency.id).limit(1)).scalar_one_or_none()
    return main or make_agency(slug="e2e-ppid-utama", name="PPID Utama Provinsi (E2E)",
                               kind="utama", atasan_name="Sekretaris Daerah",
                               atasan_position="Sekretaris Daerah")


def _agency(uid, label):
    _ensure_utama()
    return make_agency(slug=f"e2e-{label.lower().replace(' ', '-')}-{uid}",
                       name=f"{label} E2E {uid}", short_name=f"{label[:6]} {uid}",
                       atasan_name="Kepala Dinas", atasan_position="Kepala Dinas")


def _request_data(agency, name, email):
    return {"name": name, "identity_type": "nik", "identity_number": "6171010101900001",
            "address": "Jl. Ahmad Yani No. 1, Pontianak", "phone": "0561 123456",
            "email": email, "occupation": "Wartawan", "proxy_name": None,
            "information": "Dokumen kontrak pengadaan alat kesehatan tahun 2025",
            "purpose": "Liputan tentang belanja daerah", "obtain_method": "salinan",
            "copy_form": "softcopy", "delivery": "email", "agency": agency}


def _pdf(text):
    """A small, real PDF document (the app's own PDF renderer)."""
    return html_to_pdf(f"<html><body><h1>{text}</h1><p>Dokumen uji E2E.</p></body></html>")


def _pdf_text(data):
    assert data[:5] == b"%PDF-", data[:40]
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                         check=True, timeout=30)
    return out.stdout.decode("utf-8", "replace")


def _fetch(page, href):
    """Download a link with the browser's own session (cookies of its context)."""
    scheme, _empty, host = page.url.split("/", 3)[:3]
    url = href if href.startswith("http") else f"{scheme}//{host}{href}"
    resp = page.request.get(url)
    assert resp.status == 200, (url, resp.status, resp.text()[:300])
    return resp


def _no_axe(page, label):
    found = axe_violations(page)
    assert found == [], f"{label} ({page.url}): {found}"


def _citizen_screenshot(phone, request):
    """The citizen's final screen: the fixtures name their screenshots after the test, so a
    test driving two pages keeps the citizen's under its own name."""
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"{request.node.name}-pemohon.png"), full_page=True)


def _logout(page):
    page.get_by_role("button", name="Keluar").click()
    page.get_by_role("link", name="Masuk", exact=True).wait_for()  # logged out


# --- 1. a citizen files a request on a phone ----------------------------------------------------

def test_citizen_files_request_on_phone_and_gets_receipt(live_server, phone):
    uid = _uid()
    with in_app(live_server):
        agency = _agency(uid, "Dinas Kesehatan")
        db.session.commit()
        agency_name = agency.name
        expected_due = req_services.tanggal(
            req_rules.answer_deadline(build_calendar(), local_today()).due_on)

    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name="Ajukan permohonan").first.click()
    phone.wait_for_url("**/permohonan/baru**")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _no_axe(phone, "formulir permohonan")

    phone.get_by_label("Nama lengkap").fill(f"Siti Warga {uid}")
    phone.get_by_label("Jenis identitas").select_option(label="NIK (Kartu Tanda Penduduk)")
    phone.get_by_label("Nomor identitas").fill("6171014505900002")
    phone.get_by_label("Alamat", exact=True).fill("Jl. Gajah Mada No. 5, Pontianak")
    phone.get_by_label("Nomor telepon").fill("0812 3456 7890")
    phone.get_by_label("Alamat e-mail").fill(f"siti-{uid}@contoh.id")
    phone.get_by_label("Ditujukan kepada").select_option(label=agency_name)
    phone.get_by_label("Rincian informasi yang dibutuhkan").fill(
        "Daftar puskesmas dan jumlah tenaga kesehatan per kecamatan tahun 2025")
    phone.get_by_label("Tujuan penggunaan informasi").fill("Penelitian skripsi")
    phone.get_by_label("Cara memperoleh informasi").select_option(label="Mendapatkan salinan")
    phone.get_by_label("Bentuk salinan").select_option(label="Softcopy (berkas elektronik)")
    phone.get_by_label("Cara mendapatkan salinan informasi").select_option(label="E-mail")
    phone.get_by_role("button", name="Kirim permohonan").click()

    phone.get_by_role("heading", name="Permohonan Anda telah diterima").wait_for()
    number = phone.locator(".req-number").inner_text().strip()
    assert re.fullmatch(r"[A-Z]+/\d{4}/\d{5}", number), number
    status = phone.get_by_role("status").inner_text()
    assert f"paling lambat {expected_due}" in status, status

    phone.get_by_role("link", name="Lihat status dan unduh tanda bukti (PDF)").click()
    phone.get_by_role("heading", name=f"Permohonan {number}").wait_for()
    facts = phone.locator("dl.facts").first.inner_text()
    assert "Jatuh tempo jawaban" in facts and expected_due in facts, facts
    assert agency_name in facts
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _no_axe(phone, "halaman pelacakan")

    receipt = phone.get_by_role(
        "link", name="Tanda Bukti Penerimaan Permohonan Informasi Publik (PDF)")
    resp = _fetch(phone, receipt.get_attribute("href"))
    assert resp.headers["content-type"] == "application/pdf"
    text = _pdf_text(resp.body())
    assert number in text, text[:1000]
    with in_app(live_server):
        req = req_services.find_by_number(number)
        assert req.agency.slug == agency.slug and req.channel == "online"
        assert req_services.tanggal(req.due_on) == expected_due


# --- 2. a helper officer extends and closes it as partly granted --------------------------------

def test_helper_extends_and_partly_grants_request(live_server, page, phone, request):
    uid = _uid()
    with in_app(live_server):
        agency = _agency(uid, "Dinas Pendidikan")
        helper = make_user(auth.HELPER, agency, email=f"helper-{uid}@uji.go.id",
                           name=f"Petugas Pendidikan {uid}")
        cal = build_calendar()
        now = utcnow()
        # Filed online eight working days ago: due within 3 working days, so most urgent.
        filed_on = working_days_back(cal, local_today(now), 8)
        urgent, token = req_services.submit_request(
            _request_data(agency, f"Budi Warga {uid}", f"budi-{uid}@contoh.id"), actor=None,
            now=now, received_at=datetime.combine(filed_on, time(10, 0), tzinfo=timezone()))
        newer, _token = req_services.submit_request(
            _request_data(agency, f"Rina Warga {uid}", f"rina-{uid}@contoh.id"), actor=None,
            now=now)
        db.session.commit()
        number, newer_number = urgent.registration_number, newer.registration_number
        max_ext = req_services.tanggal(req_rules.max_extended_due(cal, urgent.due_on))
        release = _pdf(f"Kontrak pengadaan (dihitamkan) {uid}")
        email = helper.email
        available_on = today_iso = local_today(now).isoformat()
        ends_iso = (local_today(now) + timedelta(days=3 * 365)).isoformat()

    login_in_browser(page, live_server.url, email, TEST_PASSWORD)
    page.wait_for_url("**/dasbor")
    click_nav(page, "Antrean permohonan")
    page.get_by_role("heading", name="Antrean permohonan").wait_for()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    first = rows.first.inner_text()
    assert number in first and "Segera jatuh tempo" in first, first
    assert newer_number in rows.nth(1).inner_text()
    _no_axe(page, "antrean permohonan")

    rows.first.get_by_role("link", name=number).click()
    page.get_by_role("heading", name=f"Permohonan {number}").wait_for()
    _no_axe(page, "rincian permohonan")

    # Extend once, with written reasons, to the legal maximum (7 working days): the action
    # is folded under its name on the request's page (only the actions its state allows).
    page.locator("summary", has_text="Perpanjang jangka waktu").click()
    page.get_by_label("Alasan perpanjangan (tertulis)").fill(
        "Dokumen kontrak berada di arsip UPT dan perlu diuji konsekuensi bagian rahasia.")
    page.get_by_role("button", name="Perpanjang").click()
    page.get_by_text(f"Jangka waktu diperpanjang sampai {max_ext}.").wait_for()

    # Attach the released (redacted) document.
    page.locator("summary", has_text="Lampirkan dokumen informasi").click()
    page.get_by_label("Berkas informasi").set_input_files(
        files=[{"name": f"kontrak-{uid}.pdf", "mimeType": "application/pdf",
                "buffer": release}])
    page.get_by_label("Keterangan").fill("Salinan dengan nilai HPS dihitamkan")
    page.get_by_role("button", name="Lampirkan").click()
    page.get_by_text("Berkas dilampirkan pada jawaban.").wait_for()

    # Close as partly granted, with the written notice's required fields: the outcome
    # first, then its fields appear (no other outcome's: nothing of "tidak dikuasai").
    assert not page.get_by_label("Informasi yang diberikan").is_visible()
    page.get_by_label("Keputusan", exact=True).select_option(label="Dikabulkan sebagian")
    assert not page.get_by_label("Badan publik yang menguasai informasi (jika diketahui)").is_visible()
    page.get_by_label("Informasi yang diberikan").fill("Salinan kontrak tanpa rincian HPS")
    page.get_by_label("Bentuk informasi").select_option(label="Softcopy (berkas elektronik)")
    page.get_by_label("Biaya salinan per lembar (Rp)").fill("0")
    page.get_by_label("Jumlah lembar").fill("12")
    page.get_by_label("Biaya pengiriman (Rp)").fill("0")
    page.get_by_label("Waktu penyediaan informasi").fill(available_on)
    page.get_by_label("b. hak kekayaan intelektual dan persaingan usaha", exact=True).check()
    page.get_by_label("Bagian yang dihitamkan").fill("Harga perkiraan sendiri (HPS)")
    page.get_by_label("Alasan penghitaman").fill("Rahasia dagang penyedia (Pasal 17 huruf b)")
    # the withheld part rests on a DIK entry made with this decision (Perki 1/2021 Pasal 49)
    page.get_by_label("Konsekuensi apabila informasi dibuka").fill(
        "Membuka HPS merusak persaingan usaha yang sehat antarpenyedia.")
    page.get_by_label("Entri DIK baru: informasi yang dikecualikan").fill(
        "Harga perkiraan sendiri (HPS) pengadaan")
    page.get_by_label("Entri DIK baru: dokumen yang memuatnya").fill("Dokumen HPS kontrak")
    page.get_by_label("Entri DIK baru: pertimbangan kepentingan publik").fill(
        "Nilai kontrak tetap terbuka; hanya rincian HPS yang dihitamkan.")
    page.get_by_label("Entri DIK baru: nomor keputusan penetapan").fill(f"027/{uid}/PPID")
    page.get_by_label("Entri DIK baru: tanggal keputusan").fill(today_iso)
    page.get_by_label("Entri DIK baru: berlaku sampai").fill(ends_iso)
    page.get_by_role("button", name="Simpan keputusan dan terbitkan surat").click()
    page.get_by_text("Permohonan selesai; pemberitahuan tertulis diterbitkan.").wait_for()
    assert "Dikabulkan sebagian" in page.content()

    with in_app(live_server):
        req = req_services.find_by_number(number)
        assert (req.state, req.outcome) == ("selesai", "dikabulkan_sebagian")
        assert req.extended_due_on is not None and req.extension_reason

    # The citizen's tracking page: outcome, letters and the released file.
    phone.goto(f"{live_server.url}/lacak/{token}")
    phone.get_by_role("heading", name=f"Permohonan {number}").wait_for()
    body = phone.locator("main").inner_text()
    assert "Selesai" in body and "Dikabulkan sebagian" in body, body[:2000]
    assert "Harga perkiraan sendiri (HPS)" in body
    assert f"Diperpanjang sampai {max_ext}" in body
    _no_axe(phone, "halaman pelacakan (selesai)")
    notice = phone.get_by_role("link", name="Pemberitahuan Tertulis (PDF)")
    text = _pdf_text(_fetch(phone, notice.get_attribute("href")).body())
    assert number in text
    phone.get_by_role("link", name="Pemberitahuan Perpanjangan Jangka Waktu (PDF)").wait_for()
    released = _fetch(phone, phone.get_by_role("link", name=f"kontrak-{uid}.pdf")
                      .get_attribute("href")).body()
    assert released == release
    _citizen_screenshot(phone, request)


# --- 3. the citizen objects; the atasan decides -------------------------------------------------

def test_citizen_objects_and_atasan_decides(live_server, page, phone, request):
    uid = _uid()
    with in_app(live_server):
        agency = _agency(uid, "Dinas PUPR")
        helper = make_user(auth.HELPER, agency, email=f"helper-{uid}@uji.go.id")
        atasan = make_user(auth.ATASAN, agency, email=f"atasan-{uid}@uji.go.id",
                           name=f"Kepala Dinas PUPR {uid}")
        now = utcnow()
        req, token = req_services.submit_request(
            _request_data(agency, f"Andi Warga {uid}", f"andi-{uid}@contoh.id"), actor=None,
            now=now)
        req_services.close_request(req, req_rules.DITOLAK, {
            "exemption_letters": ["b"],
            "exemption_consequence": "Membuka nilai penawaran merugikan persaingan usaha.",
            "exemption_information": "Nilai penawaran peserta tender",
            "exemption_document": "Dokumen penawaran",
            "exemption_public_interest": "Persaingan usaha yang sehat lebih berat.",
            "exemption_end_on": (now + timedelta(days=365)).date()},
            actor=helper, now=now)
        db.session.commit()
        number, email = req.registration_number, atasan.email

    phone.goto(f"{live_server.url}/lacak/{token}")
    phone.get_by_role("heading", name=f"Permohonan {number}").wait_for()
    assert "Ditolak (informasi dikecualikan)" in phone.content()
    phone.get_by_role("link", name="Ajukan keberatan").click()
    phone.get_by_role("heading", name=f"Ajukan keberatan atas permohonan {number}").wait_for()
    _no_axe(phone, "formulir keberatan")
    phone.get_by_label("a. Permohonan informasi ditolak dengan alasan pengecualian Pasal 17"
                       ).check()
    phone.get_by_label("Kasus posisi (uraian keberatan)").fill(
        "Nilai kontrak yang sudah ditandatangani bukan rahasia dagang; mohon dibuka.")
    phone.get_by_role("button", name="Kirim keberatan").click()
    flash = phone.locator(".flash-success")
    flash.wait_for()
    objection_number = re.search(r"nomor (\S+/KEB/\d{4}/\d{5})", flash.inner_text()).group(1)
    assert "Tanda Bukti Penerimaan Keberatan (PDF)" in phone.content()

    login_in_browser(page, live_server.url, email, TEST_PASSWORD)
    page.wait_for_url("**/dasbor")
    click_nav(page, "Keberatan")
    page.get_by_role("heading", name="Keberatan yang menunggu putusan atasan PPID").wait_for()
    _no_axe(page, "antrean keberatan")
    page.get_by_role("link", name=objection_number).click()
    page.get_by_role("heading", name=f"Keberatan {objection_number}").wait_for()
    assert "Nilai kontrak yang sudah ditandatangani" in page.content()
    _no_axe(page, "rincian keberatan")
    page.get_by_label("Putusan", exact=True).select_option(
        label="Memerintahkan informasi dibuka sebagian")
    page.get_by_label("Alasan putusan (tertulis)").fill(
        "Nilai total kontrak terbuka; rincian harga satuan tetap dikecualikan.")
    page.get_by_role("button", name="Simpan putusan dan terbitkan surat").click()
    page.get_by_text("Putusan keberatan disimpan; surat tanggapan diterbitkan.").wait_for()

    phone.reload()
    section = phone.locator("section[aria-labelledby=keberatan]").inner_text()
    assert objection_number in section
    assert "Putusan: Memerintahkan informasi dibuka sebagian" in section, section
    assert "rincian harga satuan tetap dikecualikan" in section
    letter = phone.get_by_role("link", name="Tanggapan Atasan PPID atas Keberatan (PDF)")
    text = _pdf_text(_fetch(phone, letter.get_attribute("href")).body())
    assert objection_number in text
    _citizen_screenshot(phone, request)


# --- 4. an overdue obligation cleared from the dashboard ----------------------------------------

def _publish_as_of(agency, obligation, day, title):
    moment = datetime.combine(day, time(9, 0), tzinfo=timezone())
    item = reg_services.create_item(agency, {
        "title": title, "summary": "Ringkasan program dan anggaran.",
        "holding_unit": "Sekretariat",
        "responsible": "Sekretaris", "made_at_place": "Pontianak", "made_on": day,
        "form": "cetak_elektronik", "retention": "5 tahun", "category": "berkala",
        "obligation_id": obligation.id, "event_at": None}, actor=None, now=moment)
    reg_services.add_version(item, FileStorage(io.BytesIO(_pdf(title)), filename="v1.pdf",
                                               content_type="application/pdf"),
                             "Versi pertama", actor=None, now=moment)
    reg_services.publish_item(item, actor=None, now=moment)
    return item


def test_helper_clears_overdue_obligation_and_matrix_shows_current(live_server, page):
    uid = _uid()
    with in_app(live_server):
        seed_catalogue()
        agency = _agency(uid, "Dinas Perhubungan")
        helper = make_user(auth.HELPER, agency, email=f"helper-{uid}@uji.go.id")
        main = make_user(auth.MAIN, email=f"utama-{uid}@uji.go.id")
        ob = db.session.execute(sa.select(Obligation).where(Obligation.code == "b")).scalar_one()
        _publish_as_of(agency, ob, local_today() - timedelta(days=240),
                       f"Ringkasan program {uid}")
        db.session.commit()
        assert reg_services.status_of(agency, ob).status == "terlambat"
        ob_title, agency_name = ob.title, agency.name
        short = agency.short_name
        helper_email, main_email = helper.email, main.email
        new_version = _pdf(f"Ringkasan program semester ini {uid}")

    login_in_browser(page, live_server.url, helper_email, TEST_PASSWORD)
    page.wait_for_url("**/dasbor")
    todo = page.locator("table.reg-todo tbody tr").filter(has_text=f"b. {ob_title}")
    assert "Terlambat" in todo.inner_text()
    _no_axe(page, "dasbor petugas")
    todo.get_by_role("link", name="Unggah versi baru").click()
    page.get_by_role("heading", name="Unggah versi baru").wait_for()
    page.get_by_label("Berkas dokumen").set_input_files(
        files=[{"name": f"ringkasan-program-{uid}.pdf", "mimeType": "application/pdf",
                "buffer": new_version}])
    page.get_by_label("Catatan versi").fill("Pemutakhiran semester berjalan")
    page.get_by_role("button", name="Unggah").click()
    page.get_by_text("Versi 2 diunggah.").wait_for()
    page.goto(live_server.url + "/dasbor")
    assert page.locator("table.reg-todo tbody tr").filter(has_text=f"b. {ob_title}").count() == 0
    _logout(page)

    login_in_browser(page, live_server.url, main_email, TEST_PASSWORD)
    page.wait_for_url("**/dasbor")
    click_nav(page, "Matriks kepatuhan")
    page.get_by_role("heading", name="Matriks kepatuhan informasi berkala").wait_for()
    page.get_by_label("Nama badan publik").fill(agency_name)
    page.get_by_role("button", name="Saring").click()
    page.wait_for_url("**q=**")
    row = page.locator("table.reg-matrix tbody tr").filter(
        has=page.get_by_role("rowheader", name=short))
    assert row.count() == 1
    cell = row.locator("a[href$='/kewajiban/b']")
    assert cell.inner_text().strip().endswith("Terkini"), cell.inner_text()
    assert row.locator("td.st-terkini a[href$='/kewajiban/b']").count() == 1
    _no_axe(page, "matriks kepatuhan")


# --- 5. the auditor's compliance view and audit report ------------------------------------------

def test_auditor_views_compliance_and_downloads_audit_report(live_server, page):
    uid = _uid()
    with in_app(live_server):
        seed_catalogue()
        agency = _agency(uid, "Dinas Sosial")
        helper = make_user(auth.HELPER, agency, email=f"helper-{uid}@uji.go.id")
        auditor = make_user(auth.AUDITOR, email=f"auditor-{uid}@kominfo.go.id",
                            name=f"Auditor Kominfo {uid}")
        cal = build_calendar()
        # A request received by post 20 working days ago and still open: late.
        received = working_days_back(cal, local_today(), 20)
        late, _token = req_services.submit_request(
            _request_data(agency, f"Dewi Warga {uid}", f"dewi-{uid}@contoh.id"),
            # Entered by the officer on the day it arrived (intake backdating is limited).
            actor=helper, now=datetime.combine(received, time(15, 0), tzinfo=timezone()),
            channel="pos", received_at=datetime.combine(received, time(9, 0), tzinfo=timezone()))
        db.session.commit()
        late_number, agency_name, email = late.registration_number, agency.name, auditor.email

    login_in_browser(page, live_server.url, email, TEST_PASSWORD)
    page.wait_for_url("**/dasbor")
    _no_axe(page, "dasbor auditor")
    click_nav(page, "Kepatuhan", exact=True)
    page.get_by_role("heading", name="Kepatuhan badan publik", exact=True).wait_for()
    row = page.locator("table.rep-compliance tbody tr").filter(
        has=page.get_by_role("rowheader", name=agency_name))
    assert row.count() == 1, page.locator("table.rep-compliance").inner_text()[:2000]
    _no_axe(page, "kepatuhan")

    click_nav(page, "Laporan", exact=True)
    page.get_by_role("heading", name="Laporan audit kepatuhan (Kominfo)").wait_for()
    audit_pdf = page.locator("h2:has-text('Laporan audit kepatuhan') + ul").get_by_role(
        "link", name="PDF", exact=True)
    resp = _fetch(page, audit_pdf.get_attribute("href"))
    assert resp.headers["content-type"] == "application/pdf"
    text = _pdf_text(resp.body())
    flat = " ".join(text.split())
    assert "Laporan Audit Kepatuhan Keterbukaan Informasi Publik" in flat
    assert agency_name in flat
    assert late_number in flat, "late request missing from section 4 of the audit report"
