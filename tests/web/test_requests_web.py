"""Requests through the web and the API: intake, bad input, privacy, handling, objections."""
import io
import re
import socket

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import OutboxMail
from ppid.extensions import db
from ppid.info_requests import services
from ppid.info_requests.models import InfoRequest, Objection, RequestAttachment
from tests.conftest import login
from tests.services.test_requests_services import NEW_DIK

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(factories):
    utama = factories.agency(slug="diskominfo", name="Diskominfo Uji", kind="utama")
    dinkes = factories.agency(slug="dinkes", name="Dinas Kesehatan Uji", parent_id=utama.id,
                              atasan_position="Kepala Dinas")
    other = factories.agency(slug="dishub", name="Dinas Perhubungan Uji", parent_id=utama.id)

    class W:
        pass
    w = W()
    w.utama, w.dinkes, w.other = utama, dinkes, other
    w.officer = factories.user(auth.HELPER, dinkes, name="Budi Petugas")
    w.stranger = factories.user(auth.HELPER, other, name="Petugas Lain")
    w.atasan = factories.user(auth.ATASAN, dinkes, name="Atasan Dinkes")
    w.main = factories.user(auth.MAIN, None, name="Rina Utama")
    w.auditor = factories.user(auth.AUDITOR, None, name="Auditor")
    w.citizen = factories.user(auth.CITIZEN, None, name="Warga Uji", email="warga@uji.id")
    db.session.commit()
    return w


def form_data(**over):
    data = {"name": "Siti Pemohon", "identity_type": "nik",
            "identity_number": "6171010203850001", "address": "Jl. Gajah Mada 12, Pontianak",
            "phone": "081234567890", "email": "siti@contoh.id", "occupation": "Guru",
            "proxy_name": "", "information": "Data kasus DBD per kabupaten tahun 2025.",
            "purpose": "Penelitian", "obtain_method": "salinan", "copy_form": "softcopy",
            "delivery": "email", "agency": "dinkes", "website": ""}
    data.update(over)
    return data


def api_data(**over):
    data = form_data(**over)
    data.pop("website")
    data.pop("proxy_name")
    data.pop("identity_type")
    return data


def count_requests():
    return db.session.execute(sa.select(sa.func.count()).select_from(InfoRequest)).scalar_one()


def logout(client):
    client.post("/keluar")


# --- Intake -------------------------------------------------------------------------------

def test_form_is_labelled_and_has_a_honeypot(client, world):
    html = client.get("/permohonan/baru").get_data(as_text=True)
    for name in ("name", "identity_type", "identity_number", "address", "phone", "email",
                 "occupation", "proxy_name", "proxy_letter", "information", "purpose",
                 "obtain_method", "copy_form", "delivery", "agency"):
        assert f'<label for="{name}"' in html, name
    assert 'class="hp-field" aria-hidden="true"' in html
    assert "NIK 16 angka" in html


def test_online_submission_gives_number_token_and_tracking(client, world):
    resp = client.post("/permohonan/baru", data=form_data(), content_type="multipart/form-data")
    assert resp.status_code == 303  # to its receipt (post/redirect/get)
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    assert req.registration_number in html
    token = re.search(r"/lacak/([A-Za-z0-9_-]{20,})", html).group(1)
    assert services.find_by_token(token).id == req.id
    page = client.get(f"/lacak/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert req.registration_number in text and "Hari yang tidak dihitung" in text
    letter = client.get(f"/lacak/{token}/surat/{req.letters[0].id}")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert client.get("/lacak/tidak-ada-token-seperti-ini").status_code == 404
    assert client.get(f"/lacak/{req.id}").status_code in (302, 401)  # id needs the owner


def test_form_with_proxy_requires_and_stores_the_power_of_attorney(client, world):
    resp = client.post("/permohonan/baru", data=form_data(proxy_name="Kuasa Hukum"),
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and "Lampirkan surat kuasa" in resp.get_data(as_text=True)
    assert count_requests() == 0
    resp = client.post("/permohonan/baru", data=form_data(
        proxy_name="Kuasa Hukum", proxy_letter=(io.BytesIO(PDF), "kuasa.pdf")),
        content_type="multipart/form-data")
    assert resp.status_code == 303
    att = db.session.execute(sa.select(RequestAttachment)).scalar_one()
    assert att.kind == "surat_kuasa" and att.media_type == "application/pdf"


BAD_INPUTS = [
    ({"name": "", "address": "", "information": "", "purpose": ""},
     {"name", "address", "information", "purpose"}),
    ({"identity_number": "617101020385000"}, {"identity_number"}),
    ({"email": "siti.contoh.id"}, {"email"}),
    ({"information": "x" * 100_000}, {"information"}),
    ({"agency": "badan-fiktif"}, {"agency"}),
    ({"delivery": "drone"}, {"delivery"}),
]


@pytest.mark.parametrize("change,fields", BAD_INPUTS)
def test_bad_form_input_gets_field_messages_and_creates_nothing(client, world, change, fields):
    resp = client.post("/permohonan/baru", data=form_data(**change),
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for name in fields:
        assert f'id="{name}-error"' in html, name
    assert "NIK harus tepat 16 angka" in html if "identity_number" in fields else True
    assert count_requests() == 0
    assert db.session.execute(sa.select(OutboxMail)).first() is None


@pytest.mark.parametrize("change,fields", BAD_INPUTS)
def test_bad_api_input_gets_field_messages_and_creates_nothing(client, world, change, fields):
    resp = client.post("/api/v1/requests", json=api_data(**change))
    # An unknown agency with every other field valid is not found (on the form: a field error).
    unknown = fields == {"agency"}
    assert resp.status_code == (404 if unknown else 422)
    body = resp.get_json()
    assert body["error"] == ("not_found" if unknown else "validation_failed")
    assert set(body["fields"]) == fields
    assert all(body["fields"][f] for f in fields)
    assert count_requests() == 0


def test_api_missing_fields_and_bad_json(client, world):
    resp = client.post("/api/v1/requests", json={})
    assert resp.status_code == 422
    assert {"name", "identity_number", "address", "email", "information", "purpose",
            "obtain_method", "delivery", "agency"} <= set(resp.get_json()["fields"])
    resp = client.post("/api/v1/requests", data="bukan json", content_type="text/plain")
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_json"
    resp = client.post("/api/v1/requests", json=api_data(name=["daftar"]))
    assert resp.status_code == 422 and "name" in resp.get_json()["fields"]
    assert count_requests() == 0


def test_api_submit_and_public_view(client, world):
    resp = client.post("/api/v1/requests", json=api_data())
    assert resp.status_code == 201
    body = resp.get_json()
    assert set(body) == {"registration_number", "received_on", "due_on", "status",
                         "tracking_url"}
    assert body["status"] == "diterima" and "/lacak/" in body["tracking_url"]
    view = client.get(f"/api/v1/requests/{body['registration_number']}")
    assert view.status_code == 200
    public = view.get_json()
    assert set(public) == {"registration_number", "agency", "subject", "status", "outcome",
                           "received_on", "due_on", "extended_due_on", "closed_on", "is_late"}
    assert public["agency"] == "dinkes" and public["is_late"] is False
    missing = client.get("/api/v1/requests/KALBAR/2026/99999")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"


def test_honeypot_and_rate_limit(app, client, world):
    resp = client.post("/permohonan/baru", data=form_data(website="http://spam.example"),
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and count_requests() == 0
    app.config.update(RATELIMIT_ENABLED=True, REQUEST_RATELIMIT="2 per hour")
    try:
        assert client.post("/api/v1/requests", json=api_data()).status_code == 201
        assert client.post("/permohonan/baru", data=form_data(),
                           content_type="multipart/form-data").status_code == 303
        limited = client.post("/api/v1/requests", json=api_data())
        assert limited.status_code == 429 and limited.get_json()["error"] == "rate_limited"
        page = client.post("/permohonan/baru", data=form_data(),
                           content_type="multipart/form-data")
        assert page.status_code == 429 and "Terlalu banyak" in page.get_data(as_text=True)
        assert count_requests() == 2
    finally:
        app.config.update(RATELIMIT_ENABLED=False, REQUEST_RATELIMIT="10 per hour")


def test_smtp_down_never_fails_a_submission(app, client, world):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    old = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    try:
        assert client.post("/api/v1/requests", json=api_data()).status_code == 201
        assert client.post("/permohonan/baru", data=form_data(),
                           content_type="multipart/form-data").status_code == 303
    finally:
        app.config.update(old)
    assert count_requests() == 2
    mails = db.session.execute(sa.select(OutboxMail)).scalars().all()
    receipts = [m for m in mails if "baru masuk" not in m.subject]  # (and officers' notices)
    assert len(receipts) == 2 and all(m.sent_at is None and not m.is_abandoned for m in mails)


# --- Privacy --------------------------------------------------------------------------------

CANARIES = {"name": "Kanarinama Qxz", "identity_number": "6171015907939931",
            "address": "Jalan Kanari Qxz 77", "phone": "0899 3199 3177",
            "email": "kanari.qxz@contoh.id", "occupation": "Pekerjaan Kanari Qxz",
            "proxy_name": "Kuasa Kanari Qxz"}


def _public_urls(app, slug, number):
    private = ("/kelola", "/lacak", "/dasbor", "/akun", "/permohonan/saya", "/atur-sandi",
               "/static")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(private):
            continue
        args = set(rule.arguments)
        if args - {"slug", "registration_number"}:
            continue
        url = rule.rule.replace("<slug>", slug).replace(
            "<path:registration_number>", number)
        yield url
        yield url + "?q=Kanari&status=selesai"


def test_personal_data_reaches_no_public_page_api_feed_or_export(app, client, world,
                                                                 pdftotext):
    resp = client.post("/permohonan/baru", data=form_data(
        **CANARIES, proxy_letter=(io.BytesIO(PDF), "kuasa.pdf"),
        information="Anggaran program imunisasi 2025"), content_type="multipart/form-data")
    assert resp.status_code == 303
    token = re.search(r"/lacak/([A-Za-z0-9_-]{20,})", resp.headers["Location"]).group(1)
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    login(client, world.officer)
    assert client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "ditolak", "exemption_letters": ["h"],
        "exemption_consequence": "Rahasia pribadi", "exemption_id": "0",
        "exemption_information": "Data pribadi pasien", "exemption_document": "Rekam medis",
        "exemption_public_interest": "Rahasia pribadi lebih berat.",
        "exemption_end_on": "2031-12-31"}).status_code == 302
    # The subject is held off the register until an officer has reviewed it.
    assert client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok",
                       data={"decision": "tampilkan"}).status_code == 302
    logout(client)
    assert client.post(f"/lacak/{token}/keberatan", data={
        "grounds": ["a"], "statement": "Keberatan"}).status_code == 302
    number = req.registration_number
    checked = 0
    for url in _public_urls(app, "dinkes", number):
        # The test's app context shares one session with the requests: end its transaction
        # so the page's own connections (search drains its queue) are not blocked.
        db.session.rollback()
        page = client.get(url)
        assert page.status_code < 500, url
        body = (pdftotext(page.data) if page.mimetype == "application/pdf"
                else page.get_data(as_text=True))
        for field, canary in CANARIES.items():
            assert canary not in body, f"{field} leaked on {url}"
        checked += 1
    assert checked >= 10
    register = client.get("/permohonan/register").get_data(as_text=True)
    assert number in register and "Anggaran program imunisasi 2025" in register
    api = client.get(f"/api/v1/requests/{number}").get_data(as_text=True)
    assert number in api
    for url in ("/dip.atom", "/badan/dinkes/dip.atom", "/badan/dinkes/dip.csv",
                "/permohonan/register", "/badan/dinkes", f"/api/v1/requests/{number}"):
        assert url.split("?")[0] in {u.split("?")[0] for u in _public_urls(app, "dinkes",
                                                                           number)}
    # An auditor reads the request, with its requester's identity masked.
    login(client, world.auditor)
    for url in (f"/kelola/permohonan/{req.id}", "/kelola/keberatan",
                f"/kelola/keberatan/{req.objections[0].id}",
                f"/kelola/register/permohonan?tahun={req.year}",
                f"/kelola/register/permohonan.csv?tahun={req.year}",
                f"/kelola/register/keberatan?tahun={req.objections[0].received_on.year}"):
        page = client.get(url)
        assert page.status_code == 200, url
        for field, canary in CANARIES.items():
            assert canary not in page.get_data(as_text=True), (url, field)
    logout(client)
    # The handling officer and the atasan deciding the objection see them.
    login(client, world.officer)
    page = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    for canary in CANARIES.values():
        assert canary in page
    logout(client)
    login(client, world.atasan)
    obj = db.session.execute(sa.select(Objection)).scalar_one()
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert CANARIES["name"] in page and CANARIES["address"] in page
    logout(client)
    login(client, world.stranger)
    assert client.get(f"/kelola/permohonan/{req.id}").status_code == 403


def test_redacted_subject_replaces_it_on_the_register(client, world):
    client.post("/api/v1/requests", json=api_data(information="Rekam medis pasien X di RSUD"))
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    login(client, world.officer)
    resp = client.post(f"/kelola/permohonan/{req.id}/samarkan",
                       data={"redacted_subject": "Permohonan data kesehatan perorangan"})
    assert resp.status_code == 302
    logout(client)
    html = client.get("/permohonan/register").get_data(as_text=True)
    assert "Permohonan data kesehatan perorangan" in html and "Rekam medis pasien X" not in html
    api = client.get(f"/api/v1/requests/{req.registration_number}").get_json()
    assert api["subject"] == "Permohonan data kesehatan perorangan"


# --- Handling -------------------------------------------------------------------------------

def test_officer_enters_handles_and_closes_a_request(client, world, monkeypatch):
    from datetime import datetime, timezone as tz
    from ppid.info_requests import views
    # Entered on Wednesday 25 March 2026 (Jakarta), five days after its receipt by post.
    monkeypatch.setattr(views, "utcnow", lambda: datetime(2026, 3, 25, 3, tzinfo=tz.utc))
    login(client, world.officer)
    resp = client.post("/kelola/permohonan/baru", data=form_data(
        channel="pos", received_at="2026-03-20T14:30", email=""),
        content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    assert req.channel == "pos" and str(req.effective_on) == "2026-03-25"
    assert client.get("/kelola/permohonan").status_code == 200
    assert req.registration_number in client.get("/kelola/permohonan").get_data(as_text=True)
    assert client.post(f"/kelola/permohonan/{req.id}/proses", data={}).status_code == 302
    assert client.post(f"/kelola/permohonan/{req.id}/tugaskan",
                       data={"officer": world.officer.id}).status_code == 302
    refused = client.post(f"/kelola/permohonan/{req.id}/tutup", data={"outcome": "ditolak"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="exemption_consequence-error"' in html
    db.session.expire_all()
    assert db.session.get(InfoRequest, req.id).state == "diproses"
    done = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "dikabulkan", "response_note": "Rekap DBD", "info_form": "softcopy",
        "cost_per_page": "0", "pages": "3", "delivery_cost": "0",
        "available_on": "2026-04-01", "payment_method": "tanpa_biaya"})
    assert done.status_code == 302
    again = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "tidak_dikuasai"})
    assert again.status_code == 422 and "tidak dapat ditutup" in again.get_data(as_text=True)
    upload = client.post(f"/kelola/permohonan/{req.id}/berkas", data={
        "file": (io.BytesIO(b"kolom,nilai\nDBD,12\n"), "rekap.csv"), "note": "Rekap"},
        content_type="multipart/form-data")
    assert upload.status_code == 302
    bad = client.post(f"/kelola/permohonan/{req.id}/berkas", data={
        "file": (io.BytesIO(b"MZ\x90\x00program"), "virus.pdf")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and "program" in bad.get_data(as_text=True)
    db.session.expire_all()
    req = db.session.get(InfoRequest, req.id)
    assert req.state == "selesai" and req.outcome == "dikabulkan"
    assert [e.action for e in req.events] == ["diterima", "diproses", "ditugaskan", "selesai",
                                              "berkas"]
    assert {x.kind for x in req.letters} == {"tanda_bukti", "pemberitahuan"}
    pdf = client.get(f"/kelola/permohonan/{req.id}/surat/{req.letters[-1].id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_queue_access_and_forwarding_from_the_utama_inbox(client, world):
    client.post("/api/v1/requests", json=api_data(agency="diskominfo"))
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    assert client.get("/kelola/permohonan").status_code in (302, 401)
    login(client, world.officer)
    assert client.get(f"/kelola/permohonan/{req.id}").status_code == 403
    logout(client)
    login(client, world.main)
    assert req.registration_number in client.get("/kelola/permohonan").get_data(as_text=True)
    resp = client.post(f"/kelola/permohonan/{req.id}/teruskan", data={"agency": "dinkes"})
    assert resp.status_code == 302
    logout(client)
    login(client, world.officer)
    assert client.get(f"/kelola/permohonan/{req.id}").status_code == 200
    dash = client.get("/dasbor")
    assert dash.status_code == 200


def test_citizen_account_request_objection_and_atasan_decision(client, world):
    login(client, world.citizen)
    resp = client.post("/permohonan/baru", data=form_data(email="warga@uji.id"),
                       content_type="multipart/form-data")
    assert resp.status_code == 303
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    assert req.requester_user_id == world.citizen.id and req.tracking_token_hash is None
    assert req.registration_number in client.get("/permohonan/saya").get_data(as_text=True)
    page = client.get(f"/lacak/{req.id}").get_data(as_text=True)
    assert "Keberatan dapat diajukan setelah" in page
    services.close_request(req, "ditolak", {"exemption_letters": ["h"],
                                            "exemption_consequence": "Rahasia pribadi",
                                            **NEW_DIK},
                           actor=world.officer, now=services.utcnow())
    db.session.commit()
    page = client.get(f"/lacak/{req.id}").get_data(as_text=True)
    assert "Ajukan keberatan" in page
    empty = client.post(f"/lacak/{req.id}/keberatan", data={"statement": "x"})
    assert empty.status_code == 422 and "paling sedikit satu alasan" in empty.get_data(
        as_text=True)
    resp = client.post(f"/lacak/{req.id}/keberatan",
                       data={"grounds": ["a", "f"], "statement": "Mohon dibuka sebagian."})
    assert resp.status_code == 302
    obj = db.session.execute(sa.select(Objection)).scalar_one()
    assert obj.grounds == "a,f"
    logout(client)
    login(client, world.stranger)
    assert client.get(f"/lacak/{req.id}").status_code == 403
    logout(client)
    login(client, world.atasan)
    assert obj.registration_number in client.get("/kelola/keberatan").get_data(as_text=True)
    bad = client.post(f"/kelola/keberatan/{obj.id}/putus", data={"decision": "menguatkan"})
    assert bad.status_code == 422
    ok = client.post(f"/kelola/keberatan/{obj.id}/putus",
                     data={"decision": "menguatkan", "reasons": "Data pribadi pasien."})
    assert ok.status_code == 302
    dispute = client.post(f"/kelola/keberatan/{obj.id}/sengketa",
                          data={"filed_on": services.local_today().isoformat(),
                                "commission": "provinsi", "note": "Reg KI"})
    assert dispute.status_code == 302
    db.session.expire_all()
    obj = db.session.get(Objection, obj.id)
    assert obj.decision == "menguatkan" and obj.dispute_outcome == "dalam_proses"
    letter = next(x for x in obj.request.letters if x.kind == "putusan_keberatan")
    assert client.get(f"/kelola/keberatan/{obj.id}/surat/{letter.id}").status_code == 200
    logout(client)
    login(client, world.stranger)
    assert client.post(f"/kelola/keberatan/{obj.id}/putus",
                       data={"decision": "menguatkan", "reasons": "x"}).status_code == 403


def test_requester_withdraws_by_token_and_agency_page_shows_statistics(client, world):
    resp = client.post("/permohonan/baru", data=form_data(information="Jadwal vaksinasi"),
                       content_type="multipart/form-data")
    token = re.search(r"/lacak/([A-Za-z0-9_-]{20,})", resp.get_data(as_text=True)).group(1)
    assert client.post(f"/lacak/{token}/tarik", data={"note": "Sudah dapat", "confirm": "y"}).status_code == 302
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    db.session.refresh(req)
    assert req.state == "ditarik"
    assert "Permohonan telah ditarik" in client.get(f"/lacak/{token}").get_data(as_text=True)
    db.session.rollback()
    page = client.get("/badan/dinkes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Layanan permohonan informasi" in html and req.registration_number in html
    filtered = client.get("/permohonan/register?badan=dishub").get_data(as_text=True)
    assert req.registration_number not in filtered
    assert req.registration_number in client.get(
        "/permohonan/register?badan=dinkes&status=ditarik&tahun=" + str(req.year)).get_data(
        as_text=True)
    assert client.get("/permohonan/register?page=abc").status_code == 400


def test_late_objection_on_the_web_is_refused_with_its_due_date(client, world):
    from datetime import datetime, timezone as tz
    login(client, world.citizen)
    client.post("/permohonan/baru", data=form_data(email="warga@uji.id"),
                content_type="multipart/form-data")
    req = db.session.execute(sa.select(InfoRequest)).scalar_one()
    req.received_at = datetime(2026, 1, 5, 3, tzinfo=tz.utc)
    services.close_request(req, "tidak_dikuasai", {}, actor=world.officer,
                           now=datetime(2026, 1, 6, 3, tzinfo=tz.utc))
    db.session.commit()
    page = client.post(f"/lacak/{req.id}/keberatan",
                       data={"grounds": ["d"], "statement": "Terlambat"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "seharusnya diajukan paling lambat 20 Februari 2026" in html  # Isra Mikraj, Imlek
    assert db.session.execute(sa.select(Objection)).first() is None


def test_officer_entry_with_bad_input_creates_nothing(client, world):
    login(client, world.officer)
    resp = client.post("/kelola/permohonan/baru", data=form_data(
        channel="merpati", received_at="kemarin", email="", phone="",
        identity_number="12345"), content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    for name in ("channel", "received_at", "phone", "identity_number"):
        assert f'id="{name}-error"' in html, name
    future = client.post("/kelola/permohonan/baru", data=form_data(
        channel="pos", received_at="2099-01-01T10:00"), content_type="multipart/form-data")
    assert future.status_code == 422 and "masa depan" in future.get_data(as_text=True)
    assert count_requests() == 0
    logout(client)
    login(client, world.main)
    client.post("/api/v1/requests", json=api_data(agency="dishub"))
    page = client.get(f"/kelola/permohonan?badan={world.dinkes.id}").get_data(as_text=True)
    assert "KALBAR/" not in page.split("<table")[1].split("</table>")[0]
    page = client.get(f"/kelola/permohonan?badan={world.other.id}").get_data(as_text=True)
    assert "KALBAR/" in page.split("<table")[1].split("</table>")[0]


def test_internal_export_masks_the_identity_number(client, world):
    client.post("/api/v1/requests", json=api_data(name="=HYPERLINK(1)"))
    login(client, world.officer)
    resp = client.get("/kelola/permohonan/ekspor.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert "6171**********01" in text and "6171010203850001" not in text
    assert "'=HYPERLINK(1)" in text
    logout(client)
    login(client, world.auditor)  # reads the queue, without names or identity numbers
    text = client.get("/kelola/permohonan/ekspor.csv").get_data(as_text=True)
    assert "HYPERLINK" not in text and "6171**" not in text and "[disamarkan]" in text
