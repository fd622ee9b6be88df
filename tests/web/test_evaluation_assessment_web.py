"""The E-Monev pages: each PPID works on its own agency's assessment (attest, upload, see
the computations), another agency's officer is refused, the auditor reads every agency
ranked and changes nothing, the administrator adjusts the weights; evidence uploads are
checked (a fake PDF, an oversized file), expiring evidence shows on the dashboard, bad
input is a message, both languages, and no requester's personal data appears."""
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import AuditEvent
from ppid.core.services import local_today
from ppid.evaluation import assessment, rules
from ppid.evaluation.models import EmonevAttestation, EmonevWeight
from ppid.extensions import db
from ppid.info_requests import services as rq
from ppid.registry.demo import _pdf_bytes
from tests.conftest import csrf_token_from, login
from tests.services.test_requests_services import GRANT, at, data_for
from tests.web.test_evaluation_web import CANARY


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="utama-emw", name="PPID Utama Uji", kind="utama")
    a = factories.agency(slug="dinas-a-emw", name="Dinas A E-Monev", parent_id=utama.id)
    b = factories.agency(slug="dinas-b-emw", name="Dinas B E-Monev", parent_id=utama.id)

    class W:
        pass
    w = W()
    w.a, w.b = a, b
    w.officer_a = factories.user(auth.HELPER, a, name="Petugas A")
    w.officer_b = factories.user(auth.HELPER, b, name="Petugas B")
    w.auditor = factories.user(auth.AUDITOR, None, name="Auditor")
    w.admin = factories.user(auth.ADMIN, None, name="Admin")
    w.main = factories.user(auth.MAIN, None, name="Utama")
    year = local_today().year
    req, _token = rq.submit_request(data_for(a, **CANARY), actor=None,
                                    now=at(year, 3, 16))
    rq.close_request(req, "dikabulkan", GRANT, actor=w.officer_a, now=at(year, 3, 17))
    db.session.commit()
    return w


def pdf_file(name="sk-ppid.pdf", text="SK PPID"):
    return (io.BytesIO(_pdf_bytes([text])), name)


def attest_data(html, **over):
    today = local_today()
    data = {"question": "ko_sk_ppid", "statement": "SK Kepala Dinas Nomor 1 Tahun 2026",
            "valid_from": (today - timedelta(days=30)).isoformat(),
            "valid_until": (today + timedelta(days=400)).isoformat(),
            "document": pdf_file(), "csrf_token": csrf_token_from(html)}
    data.update(over)
    return data


def test_officer_attests_and_sees_the_computation(client, world):
    login(client, world.officer_a)
    assert client.get("/kelola/emonev").headers["Location"].endswith(
        f"/kelola/emonev/{world.a.slug}")
    page = client.get(f"/kelola/emonev/{world.a.slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Penilaian mandiri E-Monev: Dinas A E-Monev" in html
    assert "1 dari 1 permohonan" in html          # on time, computed from the register
    assert "Yang masih kurang" in html and "SK penetapan PPID" in html
    before = html
    resp = client.post(f"/kelola/emonev/{world.a.slug}/bukti", data=attest_data(html),
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    page = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    assert "Bukti: sk-ppid.pdf" in page
    row = db.session.execute(sa.select(EmonevAttestation)).scalar_one()
    assert row.agency_id == world.a.id and row.attested_by_id == world.officer_a.id
    assert db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "emonev.attest")).scalar_one().actor_id == world.officer_a.id
    # The total rose by what the list of missing items promised for the SK PPID.
    a_before = _total(before)
    assert _total(page) > a_before
    download = client.get(f"/kelola/emonev/bukti/{row.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def _total(html):
    import re
    m = re.search(r"<strong>([0-9]+\.[0-9])</strong>", html)
    return float(m.group(1))


def test_another_agency_is_refused(client, world):
    row = assessment.attest(world.a, "ko_sop", assessment.check_evidence(
        _storage(*pdf_file("sop.pdf", "SOP"))), statement="SOP", valid_from=date(2026, 1, 1),
        valid_until=date(2030, 1, 1), actor=world.officer_a)
    db.session.commit()
    login(client, world.officer_b)
    assert client.get(f"/kelola/emonev/{world.a.slug}").status_code == 403
    assert client.get(f"/kelola/emonev/bukti/{row.id}").status_code == 403
    html = client.get(f"/kelola/emonev/{world.b.slug}").get_data(as_text=True)
    resp = client.post(f"/kelola/emonev/{world.a.slug}/bukti", data=attest_data(html),
                       content_type="multipart/form-data")
    assert resp.status_code == 403
    assert client.get("/kelola/emonev/peringkat").status_code == 403
    assert client.get("/kelola/emonev/peringkat.csv").status_code == 403
    assert client.get("/kelola/emonev/bobot").status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(EmonevAttestation)
                              ).scalar_one() == 1
    client.post("/keluar", data={"csrf_token": csrf_token_from(html)})
    assert client.get(f"/kelola/emonev/{world.a.slug}").status_code in (302, 401)


def _storage(stream, name):
    from werkzeug.datastructures import FileStorage
    return FileStorage(stream, filename=name)


def test_auditor_reads_all_ranked_and_changes_nothing(client, world):
    login(client, world.auditor)
    assert client.get("/kelola/emonev").headers["Location"].endswith("/kelola/emonev/peringkat")
    page = client.get("/kelola/emonev/peringkat")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Pemerintah secara keseluruhan" in html
    for name in ("Dinas A E-Monev", "Dinas B E-Monev", "PPID Utama Uji"):
        assert name in html
    assert "Atur bobot indikator" not in html
    csv_resp = client.get("/kelola/emonev/peringkat.csv")
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    import csv as csv_module
    rows = list(csv_module.DictReader(io.StringIO(csv_resp.get_data(as_text=True)
                                                  .lstrip("\ufeff"))))
    assert rows[0]["badan_publik"] == "Pemerintah secara keseluruhan"
    assert rows[0]["peringkat"] == "" and rows[1]["peringkat"] == "1"
    assert {r["slug"] for r in rows[1:]} == {world.a.slug, world.b.slug, "utama-emw"}
    assert all(r["predikat"] and r["nilai"] for r in rows)
    for value in CANARY.values():
        assert value not in csv_resp.get_data(as_text=True)
    assert client.get("/kelola/emonev/peringkat.csv?tahun=abc").status_code == 400
    agency_page = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    assert "Hanya baca" in agency_page and "Simpan bukti" not in agency_page
    resp = client.post(f"/kelola/emonev/{world.a.slug}/bukti", data=attest_data(html),
                       content_type="multipart/form-data")
    assert resp.status_code == 403
    assert client.post("/kelola/emonev/bobot", data={
        **rules.DEFAULT_INDICATOR_WEIGHTS, "csrf_token": csrf_token_from(html)}
    ).status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(EmonevAttestation)
                              ).scalar_one() == 0


def test_the_ppid_utama_attests_for_any_agency(client, world):
    login(client, world.main)
    html = client.get(f"/kelola/emonev/{world.b.slug}").get_data(as_text=True)
    assert "Simpan bukti" in html
    resp = client.post(f"/kelola/emonev/{world.b.slug}/bukti",
                       data=attest_data(html, question="sp_disabilitas"),
                       content_type="multipart/form-data")
    assert resp.status_code == 302


@pytest.mark.parametrize("document, message", [
    ((io.BytesIO(b"Ini bukan PDF, hanya teks biasa."), "palsu.pdf"), "Jenis berkas palsu.pdf tidak diterima"),
    ((io.BytesIO(b"MZ\x90\x00program"), "sk.pdf"), "program"),
    ((io.BytesIO(_pdf_bytes(["x"])), "../sk.pdf"), "garis miring"),
])
def test_evidence_upload_is_checked(client, world, document, message):
    login(client, world.officer_a)
    html = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    resp = client.post(f"/kelola/emonev/{world.a.slug}/bukti",
                       data=attest_data(html, document=document),
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(EmonevAttestation)
                              ).scalar_one() == 0


def test_evidence_is_at_most_2_mb(ctx):
    """The Komisi Informasi's limit per question (checked on the file itself: a form post
    this size spools to a temporary file the test client leaves open)."""
    from ppid.core.uploads import UploadRejected
    with ctx.test_request_context():
        with pytest.raises(UploadRejected) as err:
            assessment.check_evidence(_storage(io.BytesIO(
                b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)), "besar.pdf"))
        assert "melebihi batas ukuran 2 MB" in str(err.value)
        assert assessment.check_evidence(_storage(*pdf_file())).media_type == \
            "application/pdf"


def test_bad_attestation_input_is_a_message(client, world):
    login(client, world.officer_a)
    html = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    today = local_today()
    for over, message in (
            ({"valid_until": (today - timedelta(days=60)).isoformat()}, "sebelum tanggal mulai"),
            ({"valid_from": "bukan-tanggal"}, "Periksa kembali"),
            ({"question": "ji_berkala"}, "Periksa kembali"),
            ({"document": (io.BytesIO(b""), "")}, "Pilih berkas bukti")):
        resp = client.post(f"/kelola/emonev/{world.a.slug}/bukti",
                           data=attest_data(html, **over), content_type="multipart/form-data")
        assert resp.status_code == 422, over
        assert message in resp.get_data(as_text=True), over
    for url in (f"/kelola/emonev/{world.a.slug}?tahun=abc",
                f"/kelola/emonev/{world.a.slug}?tahun=1999",
                f"/kelola/emonev/{world.a.slug}?tahun={today.year + 1}"):
        resp = client.get(url)
        assert resp.status_code == 400 and "Tahun harus angka antara 2000" in \
            resp.get_data(as_text=True)
    assert client.get("/kelola/emonev/tidak-ada").status_code == 404
    assert client.get("/kelola/emonev/bukti/999999").status_code == 404


def test_administrator_adjusts_the_weights(client, world):
    year = local_today().year
    login(client, world.admin)
    html = client.get(f"/kelola/emonev/bobot?tahun={year}").get_data(as_text=True)
    assert "bobot bawaan" in html and 'value="40"' in html
    bad = client.post(f"/kelola/emonev/bobot?tahun={year}", data={
        **rules.DEFAULT_INDICATOR_WEIGHTS, "digitalisasi": "25",
        "csrf_token": csrf_token_from(html)})
    assert bad.status_code == 422
    assert "Jumlah bobot harus 100; sekarang 105." in bad.get_data(as_text=True)
    bad = client.post(f"/kelola/emonev/bobot?tahun={year}", data={
        **rules.DEFAULT_INDICATOR_WEIGHTS, "digitalisasi": "dua puluh",
        "csrf_token": csrf_token_from(html)})
    assert bad.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(EmonevWeight)
                              ).scalar_one() == 0
    new = dict(rules.DEFAULT_INDICATOR_WEIGHTS, jenis_informasi=30, digitalisasi=30)
    ok = client.post(f"/kelola/emonev/bobot?tahun={year}", data={
        **new, "csrf_token": csrf_token_from(html)})
    assert ok.status_code == 302
    assert assessment.weights_for(year).weights == new
    assert db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "emonev.weights")).scalar_one().actor_id == world.admin.id
    assert client.get("/kelola/emonev/bobot?tahun=abc").status_code == 400
    client.post("/keluar", data={"csrf_token": csrf_token_from(html)})
    login(client, world.officer_a)
    assert client.get("/kelola/emonev/bobot").status_code == 403


def test_expired_evidence_shows_on_the_dashboard_and_page(client, world):
    today = local_today()
    assessment.attest(world.a, "ko_maklumat", assessment.check_evidence(
        _storage(*pdf_file("maklumat.pdf", "Maklumat"))), statement="Maklumat",
        valid_from=today - timedelta(days=400), valid_until=today - timedelta(days=3),
        actor=world.officer_a)
    db.session.commit()
    login(client, world.officer_a)
    dash = client.get("/dasbor").get_data(as_text=True)
    assert "E-Monev: bukti penilaian mandiri" in dash
    assert "Maklumat pelayanan informasi" in dash and "Kedaluwarsa" in dash
    page = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    assert "Kedaluwarsa" in page and "tidak berlaku" in page
    client.post("/keluar", data={"csrf_token": csrf_token_from(page)})
    login(client, world.officer_b)
    assert "Maklumat pelayanan informasi" not in client.get("/dasbor").get_data(as_text=True)


def test_english_and_no_personal_data(client, world):
    login(client, world.main)
    pages = [f"/kelola/emonev/{world.a.slug}", "/kelola/emonev/peringkat"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for value in CANARY.values():
            assert value not in html, (url, value)
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    html = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    assert "E-Monev self-assessment" in html and "Information types" in html
    assert "What is still missing" in html
    html = client.get("/kelola/emonev/peringkat").get_data(as_text=True)
    assert "The government as a whole" in html


def test_the_pack_button(client, world, monkeypatch, pdftotext):
    import zipfile

    from ppid.evaluation import pack
    checked = []
    monkeypatch.setattr(pack, "check_url", lambda url: (checked.append(url), (200, ""))[1])
    login(client, world.officer_a)
    page = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    assert f"/kelola/emonev/{world.a.slug}/paket.zip" in page
    resp = client.get(f"/kelola/emonev/{world.a.slug}/paket.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert f"emonev-{world.a.slug}-" in resp.headers["Content-Disposition"]
    z = zipfile.ZipFile(io.BytesIO(resp.data))
    names = z.namelist()
    assert "00-indeks.pdf" in names and "manifest.json" in names and len(names) == 21
    assert checked and all(u.startswith("http://localhost/") for u in checked)
    texts = [pdftotext(z.read(n)) if n.endswith(".pdf") else z.read(n).decode()
             for n in names]
    assert "1 dari 1 permohonan" in " ".join(texts)
    for value in CANARY.values():  # the pack holds aggregates, never a requester
        assert all(value not in text for text in texts), value
    assert client.get(f"/kelola/emonev/{world.b.slug}/paket.zip").status_code == 403
    assert client.get(f"/kelola/emonev/{world.a.slug}/paket.zip?tahun=abc").status_code == 400


def test_a_wrong_document_is_withdrawn(client, world):
    """The officer withdraws a wrong SK: it stops counting, stays in the history with its
    reason, is audited; another agency's officer and the auditor cannot withdraw it."""
    today = local_today()
    row = assessment.attest(world.a, "ko_sk_ppid", assessment.check_evidence(
        _storage(*pdf_file("sk-salah.pdf", "SK salah"))), statement="SK yang salah",
        valid_from=today - timedelta(days=10), valid_until=today + timedelta(days=700),
        actor=world.officer_a)
    db.session.commit()
    row_id = row.id
    for user in (world.officer_b, world.auditor):
        login(client, user)
        resp = client.post(f"/kelola/emonev/bukti/{row_id}/tarik", data={"reason": "x"})
        assert resp.status_code == 403
        client.post("/keluar")
    login(client, world.officer_a)
    page = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    assert "Bukti: sk-salah.pdf" in page and "Tarik bukti" in page
    resp = client.post(f"/kelola/emonev/bukti/{row_id}/tarik", data={"reason": " "})
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(EmonevAttestation, row_id).is_withdrawn
    resp = client.post(f"/kelola/emonev/bukti/{row_id}/tarik",
                       data={"reason": "Salah unggah: SK dinas lain"})
    assert resp.status_code == 302
    page = client.get(f"/kelola/emonev/{world.a.slug}").get_data(as_text=True)
    assert "Ditarik" in page and "Salah unggah: SK dinas lain" in page
    assert "Bukti: sk-salah.pdf" not in page  # no longer counts
    result = assessment.assess_agency(world.a, today.year).assessment
    assert result.result_of(rules.Question.SK_PPID).score == 0
    assert db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "emonev.withdraw")).scalar_one().actor_id == world.officer_a.id
    again = client.post(f"/kelola/emonev/bukti/{row_id}/tarik", data={"reason": "lagi"})
    assert again.status_code == 302
    assert "sudah ditarik" in client.get(f"/kelola/emonev/{world.a.slug}").get_data(
        as_text=True)
    assert client.post("/kelola/emonev/bukti/999999/tarik",
                       data={"reason": "x"}).status_code == 404
