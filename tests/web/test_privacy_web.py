"""The privacy notice (UU 27/2022 Pasal 21) on every form that takes personal data, in both
languages, and the subject of a new request held off every public output until an
officer has reviewed it (issue #15 section 5; DOMAIN.md section 11)."""
import re

import pytest
import sqlalchemy as sa

from ppid.core.models import AuditEvent
from ppid.extensions import db
from ppid.info_requests.models import InfoRequest, RequestEvent
from ppid.search.indexing import drain
from tests.conftest import login
from tests.web.test_requests_web import api_data, logout
from tests.web.test_requests_web import world  # noqa: F401  (the fixture)

# What the notice must say, in each language: what, why, basis, who, how long, rights,
# controller (the PPID Utama's name comes from the world fixture).
NOTICE = {
    "id": ["Pemberitahuan pelindungan data pribadi", "Data yang dikumpulkan", "Untuk apa",
           "Dasar hukum", "UU 14/2008 Pasal 22", "PP 61/2010", "Perki 1/2021",
           "Siapa yang melihat", "Berapa lama disimpan", "5 tahun", "Hak Anda",
           "memperbaiki", "penghapusan", "pengaduan", "Pengendali data", "Diskominfo Uji",
           'href="/privasi"'],
    "en": ["Personal data protection notice", "Data collected", "What for", "Legal basis",
           "UU 14/2008 Pasal 22", "PP 61/2010", "Perki 1/2021", "Who sees it",
           "How long it is kept", "5 years", "Your rights", "correct", "erasure", "complain",
           "Data controller", "Diskominfo Uji", 'href="/privasi"'],
}


def english(client):
    client.post("/bahasa", data={"lang": "en", "next": "/"})


def indonesian(client):
    client.post("/bahasa", data={"lang": "id", "next": "/"})


def submit_api(client, **over):
    resp = client.post("/api/v1/requests", json=api_data(**over))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    body = resp.get_json()
    token = body["tracking_url"].rsplit("/", 1)[1]
    req = db.session.execute(sa.select(InfoRequest).where(
        InfoRequest.registration_number == body["registration_number"])).scalar_one()
    return req, token


def assert_notice(html, lang):
    text = re.sub(r"\s+", " ", html)
    for phrase in NOTICE[lang]:
        assert phrase in text, (lang, phrase)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_public_form_and_the_privacy_page_carry_the_notice(client, world, lang):
    if lang == "en":
        english(client)
    form = client.get("/permohonan/baru")
    assert form.status_code == 200
    assert_notice(form.get_data(as_text=True), lang)
    page = client.get("/privasi")
    assert page.status_code == 200
    assert_notice(page.get_data(as_text=True), lang)
    # A page of its own, linked from every page's footer too.
    assert 'href="/privasi"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_officer_form_has_the_notice_to_read_out(client, world, lang):
    login(client, world.officer)
    if lang == "en":
        english(client)
    html = client.get("/kelola/permohonan/baru").get_data(as_text=True)
    assert_notice(html, lang)
    assert ("Bacakan kepada pemohon" if lang == "id" else "Read this to the requester") in html


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_objection_form_has_the_notice(client, world, lang):
    req, token = submit_api(client)
    login(client, world.officer)
    assert client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "ditolak", "exemption_letters": ["h"],
        "exemption_consequence": "Rahasia pribadi", "exemption_id": "0",
        "exemption_information": "Data pribadi", "exemption_document": "Rekam medis",
        "exemption_public_interest": "Privasi lebih berat."}).status_code == 302
    logout(client)
    if lang == "en":
        english(client)
    html = client.get(f"/lacak/{token}/keberatan").get_data(as_text=True)
    assert_notice(html, lang)
    assert ("uraian keberatan" if lang == "id" else "objection") in html


def test_the_notice_states_the_configured_retention(app, client, world):
    app.config["PERSONAL_DATA_RETENTION_YEARS"] = 7
    try:
        assert "7 tahun" in client.get("/permohonan/baru").get_data(as_text=True)
        english(client)
        assert "7 years" in client.get("/privasi").get_data(as_text=True)
        doc = client.get("/api/v1/openapi.json").get_json()
        assert "7 year(s)" in doc["paths"]["/api/v1/requests"]["post"]["description"]
    finally:
        app.config["PERSONAL_DATA_RETENTION_YEARS"] = 5


def test_the_api_document_carries_the_notice_in_both_languages(client, world):
    doc = client.get("/api/v1/openapi.json").get_json()
    text = doc["paths"]["/api/v1/requests"]["post"]["description"]
    for phrase in ("Privacy notice (UU 27/2022 Pasal 21)", "Legal basis", "UU 14/2008 Pasal 22",
                   "PP 61/2010", "Perki 1/2021", "5 year(s)", "Rights", "Controller",
                   "Pemberitahuan pelindungan data pribadi", "Dasar hukum", "5 tahun",
                   "Pengendali", "/privasi"):
        assert phrase in text, phrase
    subject = doc["components"]["schemas"]["PublicRequest"]["properties"]["subject"]
    assert "Menunggu peninjauan petugas" in subject["description"]


# --- The subject waits for an officer's review ---------------------------------------------

SECRET = "Rekam medis pasien Qxzheld di puskesmas"


def public_outputs(client, req):
    """Every public output that shows requests, as text (register, API, search, agency
    page, feeds), read anonymously."""
    out = {}
    for url in ("/permohonan/register", "/permohonan/register?badan=dinkes",
                f"/api/v1/requests/{req.registration_number}", "/badan/dinkes",
                # (searched by another word of the subject: a page repeats its query)
                "/cari?q=puskesmas", "/cari?q=medis", "/api/v1/search?q=puskesmas",
                "/dip.atom", "/badan/dinkes/dip.atom"):
        # The test shares the pages' session: end its transaction first.
        db.session.rollback()
        drain()  # (Whoosh: as the job worker does; a search never applies the queue)
        resp = client.get(url)
        assert resp.status_code == 200, url
        out[url] = resp.get_data(as_text=True)
    return out


def test_a_new_subject_is_held_until_reviewed_then_shown(client, world):
    req, _token = submit_api(client, information=SECRET)
    assert req.is_subject_held
    for url, body in public_outputs(client, req).items():
        assert "Qxzheld" not in body, url
    register = client.get("/permohonan/register").get_data(as_text=True)
    assert req.registration_number in register and "Menunggu peninjauan petugas" in register
    api = client.get(f"/api/v1/requests/{req.registration_number}").get_json()
    assert api["subject"] == "Menunggu peninjauan petugas"
    english(client)
    assert "Awaiting officer review" in client.get("/permohonan/register").get_data(
        as_text=True)
    indonesian(client)

    login(client, world.officer)
    page = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    assert "Belum ditinjau" in page and 'action="/kelola/permohonan/%d/tinjau-pokok"' % req.id \
        in page
    resp = client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok",
                       data={"decision": "tampilkan"})
    assert resp.status_code == 302
    logout(client)
    outputs = public_outputs(client, req)
    assert SECRET in outputs["/permohonan/register"]
    assert SECRET in outputs[f"/api/v1/requests/{req.registration_number}"]
    assert "Qxzheld" in outputs["/cari?q=puskesmas"]  # searchable once reviewed
    assert "Qxzheld" in outputs["/api/v1/search?q=puskesmas"]
    assert "Menunggu peninjauan petugas" not in outputs["/permohonan/register"]
    # Audited, and on the timeline.
    db.session.rollback()
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "request.tinjau_pokok")).scalar_one()
    assert event.object_id == str(req.id) and '"tampilkan"' in event.changes
    assert db.session.execute(sa.select(RequestEvent.action).where(
        RequestEvent.request_id == req.id).order_by(RequestEvent.id.desc())
    ).scalars().first() == "tinjau_pokok"
    reviewed = db.session.get(InfoRequest, req.id)
    assert not reviewed.is_subject_held and reviewed.subject_reviewed_by_id == world.officer.id


def test_a_redacting_review_shows_only_the_replacement(client, world):
    req, _token = submit_api(client, information=SECRET)
    login(client, world.officer)
    # Redacting needs the replacement text.
    resp = client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok",
                       data={"decision": "samarkan", "redacted_subject": ""})
    assert resp.status_code == 422 and "pengganti" in resp.get_data(as_text=True)
    resp = client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok", data={"decision": "x"})
    assert resp.status_code == 422
    db.session.rollback()
    assert db.session.get(InfoRequest, req.id).is_subject_held
    resp = client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok", data={
        "decision": "samarkan", "redacted_subject": "Permohonan data layanan kesehatan"})
    assert resp.status_code == 302
    logout(client)
    outputs = public_outputs(client, req)
    for url, body in outputs.items():
        assert "Qxzheld" not in body, url
    assert "Permohonan data layanan kesehatan" in outputs["/permohonan/register"]
    assert outputs[f"/api/v1/requests/{req.registration_number}"].count(
        "Permohonan data layanan kesehatan") == 1


def test_the_old_redaction_action_also_counts_as_a_review(client, world):
    req, _token = submit_api(client, information=SECRET)
    login(client, world.officer)
    assert client.post(f"/kelola/permohonan/{req.id}/samarkan",
                       data={"redacted_subject": "Data kesehatan"}).status_code == 302
    db.session.rollback()
    assert not db.session.get(InfoRequest, req.id).is_subject_held


def test_only_the_handling_officers_review(client, world):
    req, _token = submit_api(client, information=SECRET)
    login(client, world.stranger)  # a helper of another agency
    assert client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok",
                       data={"decision": "tampilkan"}).status_code == 403
    logout(client)
    assert client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok",
                       data={"decision": "tampilkan"}).status_code in (302, 401)
    db.session.rollback()
    assert db.session.get(InfoRequest, req.id).is_subject_held


def test_without_the_hold_a_subject_shows_at_once(app, client, world):
    app.config["REQUEST_SUBJECT_HOLD"] = False
    try:
        req, _token = submit_api(client, information=SECRET)
    finally:
        app.config["REQUEST_SUBJECT_HOLD"] = True
    assert not req.is_subject_held
    assert SECRET in client.get("/permohonan/register").get_data(as_text=True)


CANARY = {"name": "Kanarinama Qxzweb", "identity_number": "6171015907939931",
          "address": "Jalan Kanari Qxzweb 77", "phone": "0899319931777",
          "email": "kanari.qxzweb@contoh.id", "occupation": "Penjaga Kanari Qxzweb"}


def _cached_values(app):
    from ppid.core import public_cache
    from ppid.registry import fragments
    values = []
    for cache in (public_cache.pages(app), fragments.sections):
        values += [repr(item[0]) for item in list(cache._items.values())]
    return " ".join(values)


def test_public_pages_and_their_caches_hold_no_personal_data_before_or_after_purge(
        app, client, world):
    from datetime import datetime, timezone

    from ppid.info_requests import privacy
    req, _token = submit_api(client, **CANARY)
    login(client, world.officer)
    assert client.post(f"/kelola/permohonan/{req.id}/tinjau-pokok",
                       data={"decision": "tampilkan"}).status_code == 302
    assert client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "tidak_dikuasai", "holding_body": "BPS"}).status_code == 302
    logout(client)
    urls = ["/", "/badan/dinkes", "/permohonan/register",
            f"/api/v1/requests/{req.registration_number}", "/cari?q=kasus"]

    def read_all():
        bodies = []
        for url in urls:
            db.session.rollback()
            drain()
            for _ in range(2):  # the second read is served from the page cache, if any
                resp = client.get(url)
                assert resp.status_code == 200, url
                bodies.append(resp.get_data(as_text=True))
        return " ".join(bodies) + _cached_values(app)

    before = read_all()
    assert req.registration_number in before
    assert not [k for k, v in CANARY.items() if v in before]
    db.session.rollback()
    summary = privacy.purge(now=datetime(2040, 1, 1, tzinfo=timezone.utc))
    assert summary.erased == [req.registration_number]
    after = read_all()
    assert req.registration_number in after and "Data kasus DBD" in after
    assert not [k for k, v in CANARY.items() if v in after]
    # The officers' page says what happened, and shows none of it.
    login(client, world.officer)
    page = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    assert "Data pribadi pemohon dihapus" in page
    assert not [k for k, v in CANARY.items() if v in page]
