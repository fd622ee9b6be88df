"""A new request shows at once on the dashboards of its PPID's officers ("baru masuk", with
its deadline) and they get an e-mail through the outbox, after commit (issue #15,
section 4): the helper officers of the agency, and the PPID Utama's officers when it is
addressed to the PPID Utama. The e-mail carries no personal data of the requester."""
import re

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import OutboxMail
from ppid.extensions import db
from ppid.info_requests.models import InfoRequest
from tests.conftest import login, make_agency, make_user, wait_until
from tests.web.test_api_contract import VALID

CANARIES = {"name": "Kanarinama Qxz", "identity_number": "6171015907939931",
            "address": "Jalan Kanari Qxz 77", "phone": "0899 3199 3177",
            "email": "kanari.qxz@contoh.id", "occupation": "Pekerjaan Kanari Qxz",
            "information": "Informasi Kanari Qxz yang diminta"}


@pytest.fixture
def world(app):
    """Agencies and officers; no application context is held during the test (each
    client's request has its own, so each signed-in officer is their own current user)."""
    class W:
        pass
    w = W()
    with app.app_context():
        utama = make_agency(slug="diskominfo", name="Diskominfo Uji", kind="utama")
        dinkes = make_agency(slug="dinkes", name="Dinas Kesehatan Uji", parent_id=utama.id)
        disdik = make_agency(slug="disdik", name="Dinas Pendidikan Uji", parent_id=utama.id)
        w.helper = make_user(auth.HELPER, dinkes, email="petugas.dinkes@uji.go.id")
        w.other = make_user(auth.HELPER, disdik, email="petugas.disdik@uji.go.id")
        w.main = make_user(auth.MAIN, None, email="ppid.utama@uji.go.id")
        w.utama_helper = make_user(auth.HELPER, utama, email="petugas.utama@uji.go.id")
        db.session.commit()
        for name in ("helper", "other", "main", "utama_helper"):
            user = getattr(w, name)
            setattr(w, name, type("Officer", (), {"email": user.email})())
    return w


def _query(app, stmt):
    with app.app_context():
        return db.session.execute(stmt).all()


def _submit(client, agency, **change):
    resp = client.post("/permohonan/baru", data={**VALID, **CANARIES, "agency": agency,
                                                 "website": "", **change},
                       content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    resp.close()  # the outbox is delivered once the response is closed
    row = _query(client.application, sa.select(
        InfoRequest.id, InfoRequest.registration_number, InfoRequest.due_on,
        InfoRequest.received_on).order_by(InfoRequest.id.desc()).limit(1))[0]
    return type("Req", (), {"id": row[0], "registration_number": row[1], "due_on": row[2]})


def _told(app):
    return [r[0] for r in _query(app, sa.select(OutboxMail.to_address).where(
        OutboxMail.subject.like("%baru masuk")).order_by(OutboxMail.to_address))]


def _new_section(client):
    html = client.get("/dasbor").get_data(as_text=True)
    m = re.search(r'<section aria-labelledby="dash-baru".*?</section>', html, re.S)
    assert m, "the dashboard has no 'baru masuk' section"
    return m.group(0)


def test_a_new_request_is_at_once_on_its_officers_dashboard_with_its_deadline(app, world):
    anon = app.test_client()
    req = _submit(anon, "dinkes")
    number, due = req.registration_number, req.due_on
    helper, other, main = app.test_client(), app.test_client(), app.test_client()
    login(helper, world.helper)
    login(other, world.other)
    login(main, world.main)
    section = _new_section(helper)
    assert "Permohonan baru masuk" in section and number in section
    from ppid.core import dates
    with app.test_request_context():
        assert dates.date_long(due, "id") in section  # its deadline
    assert f"/kelola/permohonan/{req.id}" in section
    for canary in CANARIES.values():
        assert canary not in section
    assert number not in _new_section(other)  # another agency's officers
    assert number not in _new_section(main)  # not addressed to the PPID Utama
    # Taken up, it is no longer new.
    assert helper.post(f"/kelola/permohonan/{req.id}/proses", data={"note": ""}
                       ).status_code == 302
    assert number not in _new_section(helper)
    assert "Tidak ada permohonan baru" in _new_section(helper)


def test_a_request_to_the_ppid_utama_is_new_on_the_utama_officers_dashboard(app, world):
    req = _submit(app.test_client(), "diskominfo")
    main, utama_helper, helper = app.test_client(), app.test_client(), app.test_client()
    login(main, world.main)
    login(utama_helper, world.utama_helper)
    login(helper, world.helper)
    assert req.registration_number in _new_section(main)
    assert req.registration_number in _new_section(utama_helper)
    assert req.registration_number not in _new_section(helper)


def test_the_officers_are_mailed_after_commit_without_personal_data(app, world,
                                                                   smtp_server):
    req = _submit(app.test_client(), "dinkes")
    number = req.registration_number
    assert wait_until(lambda: len(smtp_server.messages) >= 2)
    officer_mail = [m for m in smtp_server.messages if "baru masuk" in m["subject"]]
    assert [m["to"] for m in officer_mail] == [["petugas.dinkes@uji.go.id"]]
    mail = officer_mail[0]
    assert mail["subject"] == f"[{number}] Permohonan informasi baru masuk"
    body = mail["body"]
    assert number in body and "Dinas Kesehatan Uji" in body
    assert f"http://localhost/kelola/permohonan/{req.id}" in body
    from ppid.info_requests.services import tanggal
    with app.test_request_context():
        assert f"Jawaban paling lambat: {tanggal(req.due_on)}" in body
    for canary in CANARIES.values():
        assert canary not in body and canary not in mail["subject"]
    # The requester's own receipt went to the requester only.
    receipts = [m for m in smtp_server.messages if m not in officer_mail]
    assert [m["to"] for m in receipts] == [[CANARIES["email"]]]


def test_a_request_to_the_ppid_utama_mails_its_officers(app, world, smtp_server):
    _submit(app.test_client(), "diskominfo")
    assert wait_until(lambda: len(smtp_server.messages) >= 3)
    told = sorted(m["to"][0] for m in smtp_server.messages if "baru masuk" in m["subject"])
    assert told == ["petugas.utama@uji.go.id", "ppid.utama@uji.go.id"]


def test_the_officer_who_enters_a_request_is_not_mailed_about_it(app, world):
    officer = app.test_client()
    login(officer, world.helper)
    resp = officer.post("/kelola/permohonan/baru", data={
        **VALID, "agency": "dinkes", "channel": "langsung",
        "received_at": "2026-12-02T09:00"}, content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert _told(app) == []


def test_a_duplicate_submission_tells_the_officers_once(app, world):
    client = app.test_client()
    html = client.get("/permohonan/baru").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', html).group(1)
    for _ in range(2):
        _submit(client, "dinkes", submission_key=key)
    assert _told(app) == ["petugas.dinkes@uji.go.id"]
