"""Every objection the law allows, however it arrives (issue #16 section 1): an officer
registers one received in person, by post or e-mail with its channel and the real time of
receipt; a proxy files with their identity and a power of attorney, checked like every
upload; each ground has its own 30-working-day window from the day it arose (the notice
for a, b, d, f; the lapsed due date for c; the promised delivery date passed for e and g),
so a ground that arises later opens its own; the receipt carries every field of the
Perki 1/2021 form. Who may register, the proxy's data erased with the requester's, and no
500 on bad input."""
import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import AuditEvent
from ppid.core.services import build_calendar, timezone
from ppid.core.storage import storage
from ppid.extensions import db
from ppid.info_requests import privacy, rules, services
from ppid.info_requests.models import InfoRequest, Objection
from ppid.registry.demo import _pdf_bytes
from tests.conftest import login
from tests.documents import javascript_pdf
from tests.services.test_requests_services import at, submit, world  # noqa: F401 (fixture)

GRANT = {"response_note": "Rekap kasus DBD", "info_form": "softcopy", "cost_per_page": 0,
         "pages": 0, "delivery_cost": 0, "payment_method": "tanpa_biaya"}
PROXY = {"proxy_name": "Andreas Kuasa", "proxy_identity_number": "6171010505800003",
         "proxy_address": "Jl. Tanjungpura 9, Pontianak", "proxy_occupation": "Advokat",
         "proxy_phone": "081350001111"}


def _granted(world, *, received=(2026, 10, 1), closed=(2026, 10, 8), available_on=None):
    req, _token = submit(world.dinkes, now=at(*received))
    services.close_request(req, "dikabulkan", {**GRANT, "available_on": available_on or
                                               date(*closed)},
                           actor=world.officer, now=at(*closed))
    db.session.commit()
    return req


def _form(req, **over):
    data = {"permohonan": req.registration_number, "channel": "pos",
            "received_at": "2026-11-24T09:30", "grounds": ["d"],
            "statement": "Rekap yang diberikan bukan per kabupaten sebagaimana diminta.",
            "purpose": "Bahan advokasi kesehatan masyarakat.", **PROXY}
    data.update(over)
    return data


def _now_local():
    return services.utcnow().astimezone(timezone()).strftime("%Y-%m-%dT%H:%M")


def _pdf(data=None, name="kuasa.pdf"):
    return (io.BytesIO(data if data is not None else _pdf_bytes(["Surat kuasa khusus"])),
            name, "application/pdf")


def test_an_officer_registers_a_proxys_objection_received_by_post(client, world, pdftotext,
                                                                 monkeypatch):
    req = _granted(world, received=(2026, 11, 2), closed=(2026, 11, 9))
    login(client, world.officer)
    now = at(2026, 11, 26, 14)
    monkeypatch.setattr("ppid.info_requests.views.utcnow", lambda: now)
    page = client.get("/kelola/keberatan/baru")
    assert page.status_code == 200 and "Cari permohonan" in page.get_data(as_text=True)
    page = client.get(f"/kelola/keberatan/baru?permohonan={req.registration_number}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Jangka waktu tiap alasan keberatan" in text
    assert "Pos / surat" in text and "Telepon" not in text.split("Saluran penerimaan")[1][:400]
    url = "/kelola/keberatan/baru"
    # a proxy without the power of attorney; a fake PDF; a PDF with a script
    missing = client.post(url, data=_form(req), content_type="multipart/form-data")
    assert missing.status_code == 422 and "surat kuasa" in missing.get_data(as_text=True)
    for body, message in ((b"<html><body><script>alert(1)</script></body></html>", "HTML"),
                          (b"MZ\x90\x00\x03" + b"\x00" * 64, "program"),
                          (javascript_pdf(), "JavaScript")):
        fake = client.post(url, data=_form(req, proxy_letter=_pdf(body)),
                           content_type="multipart/form-data")
        assert fake.status_code == 422, body[:10]
        assert message in fake.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Objection)).scalar() == 0
    ok = client.post(url, data=_form(req, proxy_letter=_pdf()),
                     content_type="multipart/form-data")
    assert ok.status_code == 302, ok.get_data(as_text=True)[:3000]
    obj = db.session.execute(sa.select(Objection)).scalar_one()
    assert ok.headers["Location"].endswith(f"/kelola/keberatan/{obj.id}")
    assert (obj.channel, obj.received_on, obj.received_by_id) == ("pos", date(2026, 11, 24),
                                                                  world.officer.id)
    assert obj.received_at.astimezone(timezone()).strftime("%H:%M") == "09:30"
    assert (obj.proxy_name, obj.proxy_identity_number) == ("Andreas Kuasa",
                                                           "6171010505800003")
    assert obj.ground_on == date(2026, 11, 9)  # the notice date (ground d)
    # the atasan's 30 working days run from the real receipt, not from the entry
    assert obj.due_on == rules.objection_deadline(build_calendar(), date(2026, 11, 24)).due_on
    [kuasa] = obj.proxy_letters
    assert kuasa.kind == "kuasa_keberatan" and storage().exists(kuasa.storage_key)
    audit = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "objection.file")).scalar_one()
    changes = json.loads(audit.changes)
    assert (changes["channel"], changes["by_proxy"]) == ("pos", True)
    assert req.events[-1].action == "keberatan"
    # the receipt: every field of the Perki form
    letter = next(x for x in obj.request.letters if x.kind == "tanda_bukti_keberatan")
    text = " ".join(pdftotext(services.letter_pdf(letter)).split())
    for expected in (obj.registration_number, req.registration_number, "Siti Pemohon",
                     "Bahan advokasi kesehatan masyarakat", "Guru", "081234567890",
                     "siti@contoh.id", "Andreas Kuasa", "6171010505800003",
                     "Jl. Tanjungpura 9", "Advokat", "081350001111", "Surat kuasa",
                     "Pos / surat", "24 November 2026", "huruf d",
                     "timbul 9 November 2026", "Rekap yang diberikan bukan per kabupaten",
                     services.tanggal(obj.due_on), "Pengaju keberatan (kuasa pemohon)",
                     "Petugas penerima keberatan", "Budi Petugas"):
        assert expected in text, expected
    # the objection's page: who filed it, the power of attorney for those who handle it
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Andreas Kuasa" in page and "Pos / surat" in page
    assert client.get(f"/kelola/permohonan/{req.id}/berkas/{kuasa.id}").status_code == 200
    client.post("/keluar")
    login(client, _user(auth.AUDITOR, None))
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Andreas Kuasa" not in page and "6171010505800003" not in page
    assert client.get(f"/kelola/permohonan/{req.id}/berkas/{kuasa.id}").status_code == 403


def _user(role, agency, name="Audi Auditor"):
    from tests.conftest import make_user
    user = make_user(role, agency, name=name)
    db.session.commit()
    return user


def test_each_ground_has_its_own_window_and_a_later_ground_opens_its_own(world):
    """Notice on 1 September 2026, the information promised for 20 October and not handed
    over: the notice's grounds lapse, late delivery (g) opens its own window."""
    req = _granted(world, received=(2026, 8, 24), closed=(2026, 9, 1),
                   available_on=date(2026, 10, 20))
    cal = build_calendar()
    notice_deadline = services.tanggal(_plus30(cal, date(2026, 9, 1)))
    g_deadline = _plus30(cal, date(2026, 10, 20))
    # before the promise lapsed: g has not arisen
    with pytest.raises(services.ServiceError, match="huruf g belum timbul"):
        services.file_objection(req, ["g"], "Belum diserahkan.", actor=None,
                                now=at(2026, 10, 15))
    # after 30 working days from the notice: a, d, f are closed, naming their window
    with pytest.raises(services.ServiceError, match=f"paling lambat {notice_deadline}"):
        services.file_objection(req, ["d", "g"], "Tidak sesuai dan terlambat.", actor=None,
                                now=at(2026, 11, 10))
    window = services.objection_window(req, now=at(2026, 11, 10))
    assert window.is_open and not window.grounds["d"].is_open
    assert (window.grounds["g"].arisen_on, window.grounds["g"].deadline_on) == (
        date(2026, 10, 20), g_deadline)
    assert window.grounds["c"].arisen_on is None  # answered on time
    obj = services.file_objection(req, ["g"], "Informasi belum diserahkan sejak tanggal "
                                  "yang dijanjikan.", actor=None, now=at(2026, 11, 10))
    assert obj.ground_on == date(2026, 10, 20)
    db.session.commit()
    # handed over late: the ground stays (it arose on the promised day) until its window ends
    services.record_delivery(req, date(2026, 11, 12), "email", None, actor=world.officer,
                             now=at(2026, 11, 12))
    assert services.objection_window(req, now=at(2026, 11, 13)).grounds["g"].is_open
    # outside its own window: refused, naming it
    after = g_deadline + timedelta(days=1)
    with pytest.raises(services.ServiceError,
                       match=f"huruf g hanya dapat diajukan dalam 30 hari kerja sejak "
                             f"20 Oktober 2026, yaitu paling lambat "
                             f"{services.tanggal(g_deadline)}"):
        services.file_objection(req, ["g"], "Terlambat.", actor=None,
                                now=at(after.year, after.month, after.day))


def _plus30(cal, day):
    from ppid.core.calendar import add_working_days
    return add_working_days(cal, day, 30)


def test_an_unanswered_request_opens_ground_c_at_its_lapsed_due_date(world):
    req, _token = submit(world.dinkes, now=at(2026, 10, 1))
    db.session.commit()
    with pytest.raises(services.ServiceError, match="belum timbul"):
        services.file_objection(req, ["c"], "Belum dijawab.", actor=None,
                                now=at(2026, 10, 8))
    due = req.effective_due_on
    obj = services.file_objection(req, ["c"], "Tidak ditanggapi.", actor=None,
                                  now=at(2026, 10, 20))
    assert obj.ground_on == due
    # answered late: ground c stays; answered on time: it never arose
    other = _granted(world, received=(2026, 10, 1), closed=(2026, 10, 5))
    with pytest.raises(services.ServiceError, match="dijawab sebelum jatuh temponya"):
        services.file_objection(other, ["c"], "x", actor=None, now=at(2026, 10, 20))


def test_who_may_register_an_objection(client, world, factories):
    req = _granted(world, received=(2026, 11, 2), closed=(2026, 11, 9))
    other = factories.user(auth.HELPER, world.disdik, name="Petugas Disdik")
    auditor = factories.user(auth.AUDITOR, None, name="Audi Auditor")
    db.session.commit()
    url = f"/kelola/keberatan/baru?permohonan={req.registration_number}"
    data = _form(req, received_at="2026-11-24T09:30", proxy_name="", proxy_identity_number="",
                 proxy_address="", proxy_occupation="", proxy_phone="")
    for user in (other, auditor, world.atasan):
        login(client, user)
        assert client.get(url).status_code == 403, user.name
        assert client.post("/kelola/keberatan/baru", data=data).status_code == 403, user.name
        client.post("/keluar")
    assert client.get(url).status_code in (302, 401, 403)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Objection)).scalar() == 0
    login(client, world.main)  # the PPID Utama registers for any agency
    resp = client.post("/kelola/keberatan/baru", data={**data, "received_at": _now_local()})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    obj = db.session.execute(sa.select(Objection)).scalar_one()
    assert obj.received_by_id == world.main.id and obj.proxy_name is None


@pytest.mark.parametrize("over", [
    {"channel": "telepon"},
    {"channel": "merpati"},
    {"received_at": "besok pagi"},
    {"received_at": "2099-01-01T10:00"},
    {"received_at": "2001-01-01T10:00"},
    {"grounds": []},
    {"grounds": ["z"]},
    {"grounds": ["a", "a", "<script>"]},
    {"statement": ""},
    {"statement": "x" * 6000},
    {"statement": "a\x00b"},
    {"proxy_name": "Kuasa", "proxy_identity_number": "", "proxy_address": ""},
    {"proxy_name": "x" * 500},
    {"permohonan": "TIDAK/ADA/1"},
    {"permohonan": "x" * 500},
])
def test_bad_input_is_refused_not_a_500(client, world, over):
    req = _granted(world, received=(2026, 11, 2), closed=(2026, 11, 9))
    login(client, world.officer)
    data = _form(req, proxy_name="", proxy_identity_number="", proxy_address="",
                 proxy_occupation="", proxy_phone="",
                 received_at=_now_local())
    data.update(over)
    resp = client.post("/kelola/keberatan/baru", data=data)
    assert resp.status_code in (404, 422), resp.get_data(as_text=True)[:1500]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Objection)).scalar() == 0
    assert client.get("/kelola/keberatan/baru?permohonan=%00").status_code in (200, 404)


def test_the_proxys_data_and_power_of_attorney_are_erased_with_the_requesters(world):
    req = _granted(world, received=(2026, 11, 2), closed=(2026, 11, 9))
    from ppid.core.uploads import check_upload
    from werkzeug.datastructures import FileStorage
    upload = check_upload(FileStorage(io.BytesIO(_pdf_bytes(["Surat kuasa"])),
                                      filename="kuasa.pdf", content_type="application/pdf"))
    obj = services.file_objection(req, ["d"], "Tidak sesuai.", actor=world.officer,
                                  now=at(2026, 11, 12), channel="langsung", proxy=PROXY,
                                  proxy_upload=upload)
    services.decide_objection(obj, rules.MENGUATKAN, "Sesuai.", actor=world.atasan,
                              now=at(2026, 11, 16))
    db.session.commit()
    key = obj.proxy_letters[0].storage_key
    receipt = next(x for x in req.letters if x.kind == "tanda_bukti_keberatan")
    assert "Andreas Kuasa" in receipt.html
    out = privacy.erase_personal_data(req, now=at(2032, 1, 5))
    db.session.commit()
    privacy.remove_files(out.files)
    obj = db.session.get(Objection, obj.id)
    assert all(getattr(obj, name) is None for name in services.PROXY_FIELDS)
    assert "objection_proxy" in out.fields and "surat_kuasa" in out.fields
    assert obj.proxy_letters == [] and not storage().exists(key)
    receipt = next(x for x in db.session.get(InfoRequest, req.id).letters
                   if x.kind == "tanda_bukti_keberatan")
    assert "Andreas Kuasa" not in receipt.html and "6171010505800003" not in receipt.html
