"""An objection on ground b with no request (issue #16 section 1; UU KIP Pasal 35(1) huruf
b: periodic information not provided): it names an agency and periodic obligations of the
catalogue, is filed online by a signed-in citizen or registered by an officer, runs its 30
working days from the day the obligation became overdue (its staleness history, shown
beside it), is decided by the agency's atasan (upheld, or the publication ordered and
carried out by a DIP version), and goes through the receipt, the atasan's letter, the
register keberatan, the annual figures, the dispute stage, privacy and the purge."""
import io
import json
from datetime import date, datetime, timedelta, timezone as tz

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import AuditEvent
from ppid.core.services import build_calendar
from ppid.extensions import db
from ppid.info_requests import privacy, rules, services
from ppid.info_requests.models import Letter, Objection, ObjectionObligation, RequestEvent
from ppid.registry.demo import _pdf_bytes, seed_catalogue
from ppid.registry.models import DipItem, DocumentVersion, Obligation
from tests.conftest import login
from tests.documents import javascript_pdf
from tests.services.test_requests_services import at, world  # noqa: F401 (fixture)

CANARY = {"name": "Kanari Wulandari", "identity_number": "6171014405900007",
          "address": "Jl. Kanari Rahasia 77, Pontianak", "phone": "081399887766",
          "email": "kanari.rahasia@contoh.id", "occupation": "Peneliti Kanari"}
PROXY = {"proxy_name": "Andreas Kuasa", "proxy_identity_number": "6171010505800003",
         "proxy_address": "Jl. Tanjungpura 9, Pontianak", "proxy_occupation": "Advokat",
         "proxy_phone": "081350001111"}
LONG_AGO = datetime(2025, 1, 1, tzinfo=tz.utc)


def _pdf(data=None, name="kuasa.pdf"):
    return (io.BytesIO(data if data is not None else _pdf_bytes(["Surat kuasa khusus"])),
            name, "application/pdf")


def _version(agency, ob, title, published, *, number=1, item=None):
    """A published DIP item (or a new version of ``item``) for ``ob``, public from
    ``published`` (a datetime)."""
    if item is None:
        item = DipItem(agency_id=agency.id, obligation_id=ob.id, category="berkala",
                       title=title, state="published", published_at=published,
                       created_at=published, updated_at=published)
        db.session.add(item)
        db.session.flush()
    v = DocumentVersion(item_id=item.id, number=number, sha256=f"{item.id:032d}{number:032d}",
                        original_name=f"{title}.pdf", size=10, media_type="application/pdf",
                        created_at=published)
    db.session.add(v)
    db.session.flush()
    return item, v


@pytest.fixture
def periodic(world, factories):
    """The catalogue, known to the registry since 2025; Dinas Kesehatan published
    obligation b (Ringkasan program dan kegiatan) on 2 June 2025 (overdue 3 December
    2025 to 2 March 2026) and on 2 March 2026 (overdue since 3 September 2026); its
    obligation a is current (published 1 September 2026)."""
    seed_catalogue()
    obligations = {o.code: o for o in db.session.execute(sa.select(Obligation)).scalars()}
    for o in obligations.values():
        o.created_at = LONG_AGO
    for a in (world.utama, world.dinkes, world.disdik):
        a.created_at = LONG_AGO
    ob_b = obligations["b"]
    item, _v1 = _version(world.dinkes, ob_b, "Ringkasan Program 2025", at(2025, 6, 2))
    _version(world.dinkes, ob_b, "Ringkasan Program 2025", at(2026, 3, 2), number=2,
             item=item)
    _version(world.dinkes, obligations["a"], "Profil Dinas Kesehatan", at(2026, 9, 1))
    world.citizen = factories.user(auth.CITIZEN, None, name="Kanari Wulandari",
                                   email="warga.kanari@contoh.id")
    world.disdik_officer = factories.user(auth.HELPER, world.disdik, name="Dedi Disdik")
    world.disdik_atasan = factories.user(auth.ATASAN, world.disdik, name="Atasan Disdik")
    world.auditor = factories.user(auth.AUDITOR, None, name="Audi Auditor")
    db.session.commit()
    world.ob = obligations
    world.item_b = item
    return world


def _form(world, **over):
    data = {"obligations": [str(world.ob["b"].id)], **CANARY, "identity_type": "nik",
            "purpose": "Memantau program kesehatan daerah.",
            "statement": "Ringkasan program 2026 tidak diumumkan di DIP sejak September."}
    data.update(over)
    return data


def _count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _file(world, now, **over):
    identity = {"requester_name": CANARY["name"], "identity_type": "nik",
                **{k: CANARY[k] for k in ("identity_number", "address", "phone", "email",
                                          "occupation")}}
    kw = {"identity": identity, "actor": None, "now": now,
          "purpose": "Memantau program kesehatan daerah."}
    kw.update(over)
    obj, token = services.file_periodic_objection(
        world.dinkes, [world.ob["b"].id], "Ringkasan program 2026 tidak diumumkan.", **kw)
    db.session.commit()
    return obj, token


# --- Filing -----------------------------------------------------------------------------

def test_a_citizen_files_online_within_the_window_from_the_staleness(client, periodic,
                                                                      monkeypatch, pdftotext):
    w = periodic
    now = at(2026, 9, 21, 11)
    monkeypatch.setattr("ppid.info_requests.views.utcnow", lambda: now)
    assert client.get("/keberatan/informasi-berkala").status_code in (302, 401)  # signed in
    login(client, w.citizen)
    page = client.get("/keberatan/informasi-berkala")
    assert page.status_code == 200 and "dinkes" in page.get_data(as_text=True)
    page = client.get("/keberatan/informasi-berkala?badan=dinkes").get_data(as_text=True)
    # each obligation with its staleness and window: b overdue since 3 September 2026
    assert "Ringkasan program dan kegiatan" in page and "3 September 2026" in page
    assert "tidak terlambat" in page  # obligation a is current
    # the public obligation page of an overdue one leads to this form; a current one not
    client.post("/keluar")
    public = client.get("/badan/dinkes/kewajiban/b").get_data(as_text=True)
    assert "/keberatan/informasi-berkala?badan=dinkes" in public
    assert "/keberatan/informasi-berkala" not in client.get(
        "/badan/dinkes/kewajiban/a").get_data(as_text=True)
    login(client, w.citizen)
    url = "/keberatan/informasi-berkala?badan=dinkes"
    # bad inputs: a NIK that cannot be, no obligation, an obligation not in the list, a
    # current obligation (with its reason); nothing is written
    for over, message in (({"identity_number": "1234"}, "NIK"),
                          ({"obligations": []}, "Pilih paling sedikit satu informasi"),
                          ({"obligations": ["999999"]}, "Pilih informasi berkala dari daftar"),
                          ({"obligations": [str(w.ob["a"].id)]}, "tidak terlambat"),
                          ({"purpose": ""}, "Wajib diisi"),
                          ({"email": "bukan-email"}, "e-mail tidak valid")):
        bad = client.post(url, data=_form(w, **over))
        assert bad.status_code == 422, over
        assert message in bad.get_data(as_text=True), (over, message)
    assert _count(Objection) == 0 and _count(Letter) == 0
    ok = client.post(url, data=_form(w))
    assert ok.status_code == 303, ok.get_data(as_text=True)[:2000]
    obj = db.session.execute(sa.select(Objection)).scalar_one()
    assert ok.headers["Location"].endswith(f"/lacak-keberatan/{obj.id}")
    assert (obj.request_id, obj.obligation_id, obj.grounds) == (None, w.ob["b"].id, "b")
    assert (obj.agency_id, obj.channel, obj.requester_user_id) == (w.dinkes.id, "online",
                                                                  w.citizen.id)
    [link] = obj.obligations
    assert (link.overdue_on, link.status, link.last_published_on) == (
        date(2026, 9, 3), "terlambat", date(2026, 3, 2))
    cal = build_calendar()
    assert link.filing_deadline_on == rules.add_working_days(cal, date(2026, 9, 3), 30)
    assert obj.ground_on == date(2026, 9, 3)
    assert obj.due_on == rules.objection_deadline(cal, date(2026, 9, 21)).due_on
    assert obj.identity_number == CANARY["identity_number"]
    audit = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "objection.file")).scalar_one()
    changes = json.loads(audit.changes)
    assert changes["obligations"] == ["b"] and changes["agency"] == "dinkes"
    assert [e.action for e in obj.events] == ["keberatan"]
    # the receipt (tanda bukti keberatan), read back
    [letter] = obj.own_letters
    assert letter.kind == "tanda_bukti_keberatan" and letter.request_id is None
    text = " ".join(pdftotext(services.letter_pdf(letter)).split())
    for expected in (obj.registration_number, "Dinas Kesehatan Uji", "tidak ada; keberatan "
                     "atas informasi berkala yang tidak disediakan", "Ringkasan program dan "
                     "kegiatan", "terlambat sejak 3 September 2026", "terakhir diumumkan "
                     "2 Maret 2026", CANARY["name"], CANARY["identity_number"],
                     CANARY["address"], CANARY["occupation"], CANARY["phone"],
                     "Memantau program kesehatan daerah", "huruf b",
                     services.tanggal(obj.due_on), "Formulir daring",
                     "Pengaju keberatan", "layanan daring"):
        assert expected in text, expected
    # the citizen's tracking page and list: the history beside it
    track = client.get(f"/lacak-keberatan/{obj.id}").get_data(as_text=True)
    for expected in (obj.registration_number, "Ringkasan Program 2025, versi 2",
                     "3 Desember 2025", "2 Maret 2026", "sejak 3 September 2026",
                     "Tanda Bukti Penerimaan Keberatan"):
        assert expected in track, expected
    pdf = client.get(f"/lacak-keberatan/{obj.id}/surat/{letter.id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert obj.registration_number in client.get("/permohonan/saya").get_data(as_text=True)
    # mail to the objector with the number
    from ppid.core.models import OutboxMail
    mail = db.session.execute(sa.select(OutboxMail)).scalars().all()
    assert any(m.to_address == CANARY["email"] and obj.registration_number in m.subject
               for m in mail)


def test_refused_outside_its_window_with_the_reason(client, periodic, monkeypatch):
    w = periodic
    now = at(2026, 11, 26, 11)  # more than 30 working days after 3 September 2026
    monkeypatch.setattr("ppid.info_requests.views.utcnow", lambda: now)
    login(client, w.citizen)
    page = client.get("/keberatan/informasi-berkala?badan=dinkes").get_data(as_text=True)
    assert "batas waktu itu telah lewat" in page
    bad = client.post("/keberatan/informasi-berkala?badan=dinkes", data=_form(w))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    deadline = rules.add_working_days(build_calendar(), date(2026, 9, 3), 30)
    assert "3 September 2026" in text and services.tanggal(deadline) in text
    assert _count(Objection) == 0
    # a new overdue spell opens its own window: obligation k was never published, so it
    # has been overdue since the registry held it (1 January 2025) and that window lapsed
    with pytest.raises(services.ServiceError, match="telah lewat"):
        services.file_periodic_objection(
            w.dinkes, [w.ob["k"].id], "x", identity={"requester_name": "A",
                                                    "identity_number": "6171014405900007",
                                                    "address": "B", "email": "a@b.id"},
            actor=None, now=now, purpose="p")
    db.session.rollback()


def test_an_officer_registers_one_received_by_post_from_a_proxy(client, periodic,
                                                                monkeypatch, pdftotext):
    w = periodic
    now = at(2026, 9, 25, 14)
    monkeypatch.setattr("ppid.info_requests.views.utcnow", lambda: now)
    # another agency's officer may not register for Dinas Kesehatan
    login(client, w.disdik_officer)
    assert client.get("/kelola/keberatan/informasi-berkala/baru?badan=dinkes").status_code == 403
    assert client.post("/kelola/keberatan/informasi-berkala/baru?badan=dinkes",
                       data=_form(w)).status_code == 403
    client.post("/keluar")
    login(client, w.officer)
    page = client.get("/kelola/keberatan/informasi-berkala/baru")
    assert page.status_code == 200 and "dinkes" in page.get_data(as_text=True)
    page = client.get("/kelola/keberatan/informasi-berkala/baru?badan=dinkes")
    assert page.status_code == 200 and "Saluran penerimaan" in page.get_data(as_text=True)
    url = "/kelola/keberatan/informasi-berkala/baru?badan=dinkes"
    form = _form(w, channel="pos", received_at="2026-09-24T09:30", email="", **PROXY)
    # a proxy without the power of attorney, a fake PDF, one with a script
    missing = client.post(url, data=form, content_type="multipart/form-data")
    assert missing.status_code == 422 and "surat kuasa" in missing.get_data(as_text=True)
    for body, message in ((b"<html><script>alert(1)</script></html>", "HTML"),
                          (javascript_pdf(), "JavaScript")):
        fake = client.post(url, data={**form, "proxy_letter": _pdf(body)},
                           content_type="multipart/form-data")
        assert fake.status_code == 422 and message in fake.get_data(as_text=True)
    future = client.post(url, data={**form, "received_at": "2026-10-30T09:00",
                                    "proxy_letter": _pdf()},
                         content_type="multipart/form-data")
    assert future.status_code == 422 and "masa depan" in future.get_data(as_text=True)
    no_contact = client.post(url, data={**form, "phone": "", "proxy_letter": _pdf()},
                             content_type="multipart/form-data")
    assert no_contact.status_code == 422
    assert "telepon atau alamat e-mail" in no_contact.get_data(as_text=True)
    assert _count(Objection) == 0
    ok = client.post(url, data={**form, "proxy_letter": _pdf()},
                     content_type="multipart/form-data")
    assert ok.status_code == 302, ok.get_data(as_text=True)[:2000]
    obj = db.session.execute(sa.select(Objection)).scalar_one()
    assert (obj.channel, obj.received_on, obj.received_by_id) == ("pos", date(2026, 9, 24),
                                                                  w.officer.id)
    assert obj.tracking_token_hash and obj.requester_user_id is None
    assert obj.proxy_name == "Andreas Kuasa"
    [kuasa] = obj.proxy_letters
    assert kuasa.request_id is None and kuasa.kind == "kuasa_keberatan"
    detail = client.get(ok.headers["Location"])
    text = detail.get_data(as_text=True)
    assert "/lacak-keberatan/" in text  # the private link, for the officer to hand over
    token = text.split("/lacak-keberatan/")[1].split("<")[0].split('"')[0].strip()
    for expected in ("Andreas Kuasa", "Pos / surat", "Ringkasan program dan kegiatan",
                     "Lewat jatuh tempo sejak", "Tanpa permohonan", CANARY["identity_number"]):
        assert expected in text, expected
    assert client.get(f"/kelola/keberatan/{obj.id}/surat-kuasa").status_code == 200
    letter = obj.own_letters[0]
    receipt = " ".join(pdftotext(services.letter_pdf(letter)).split())
    for expected in ("Andreas Kuasa", "6171010505800003", "Advokat", "Surat kuasa",
                     "Pos / surat", "24 September 2026", "Petugas penerima keberatan",
                     "Budi Petugas", "Pengaju keberatan (kuasa pemohon)"):
        assert expected in receipt, expected
    client.post("/keluar")
    # the objector's private tracking page by the token
    page = client.get(f"/lacak-keberatan/{token}")
    assert page.status_code == 200 and obj.registration_number in page.get_data(as_text=True)
    assert client.get("/lacak-keberatan/bukan-token-yang-benar").status_code == 404
    # another agency's officer neither reads it nor its power of attorney
    login(client, w.disdik_officer)
    assert client.get(f"/kelola/keberatan/{obj.id}").status_code == 403
    assert client.get(f"/kelola/keberatan/{obj.id}/surat-kuasa").status_code == 403


# --- The atasan's decision and its carrying out -----------------------------------------

def test_the_atasan_orders_publication_and_the_ppid_carries_it_out(client, periodic,
                                                                   monkeypatch, pdftotext):
    w = periodic
    obj, token = _file(w, at(2026, 9, 21))
    # the atasan of another agency may not decide it
    login(client, w.disdik_atasan)
    assert client.post(f"/kelola/keberatan/{obj.id}/putus",
                       data={"decision": "mengumumkan", "reasons": "x"}).status_code == 403
    client.post("/keluar")
    login(client, w.atasan)
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Memerintahkan PPID mengumumkan informasi berkala" in page
    assert 'value="membuka_seluruhnya"' not in page  # only what fits ground b
    now = at(2026, 10, 5)
    monkeypatch.setattr("ppid.info_requests.views.utcnow", lambda: now)
    wrong = client.post(f"/kelola/keberatan/{obj.id}/putus",
                        data={"decision": "membuka_seluruhnya", "reasons": "Dibuka."})
    assert wrong.status_code == 422 and "menguatkan PPID atau memerintahkan" in \
        wrong.get_data(as_text=True)
    ok = client.post(f"/kelola/keberatan/{obj.id}/putus",
                     data={"decision": "mengumumkan",
                           "reasons": "Ringkasan program wajib diumumkan enam bulanan."})
    assert ok.status_code == 302
    db.session.refresh(obj)
    assert obj.decision == "mengumumkan" and obj.decided_on == date(2026, 10, 5)
    assert obj.order_due_on == rules.order_deadline(build_calendar(), date(2026, 10, 5),
                                                    services.order_days()).due_on
    letter = next(x for x in obj.own_letters if x.kind == "putusan_keberatan")
    text = " ".join(pdftotext(services.letter_pdf(letter)).split())
    for expected in (obj.registration_number, "MEMERINTAHKAN PPID MENGUMUMKAN INFORMASI "
                     "BERKALA", "mengumumkan informasi berkala berikut dalam Daftar Informasi "
                     "Publik", "Ringkasan program dan kegiatan", services.tanggal(
                         obj.order_due_on), "Kepala Dinas", "Komisi Informasi"):
        assert expected in text, expected
    client.post("/keluar")
    # the PPID: not yet published -> refused; the old version does not carry it out
    login(client, w.officer)
    now = at(2026, 10, 9)
    monkeypatch.setattr("ppid.info_requests.views.utcnow", lambda: now)
    old = w.item_b.versions[-1]
    url = f"/kelola/keberatan/{obj.id}/laksanakan"
    for versions, message in (([], "Pilih versi dokumen DIP"),
                              ([str(old.id)], "sejak informasi itu terlambat"),
                              (["abc"], "valid")):
        bad = client.post(url, data={"execution": "diumumkan", "carried_out_on": "2026-10-09",
                                     "versions": versions})
        assert bad.status_code == 422, versions
        assert message in bad.get_data(as_text=True), message
    _item, new = _version(w.dinkes, w.ob["b"], "Ringkasan Program 2026", at(2026, 10, 8))
    db.session.commit()
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Ringkasan Program 2026, versi 1" in page
    early = client.post(url, data={"execution": "diumumkan", "carried_out_on": "2026-10-07",
                                   "versions": [str(new.id)]})
    assert early.status_code == 422 and "setelah tanggal pelaksanaan" in \
        early.get_data(as_text=True)
    done = client.post(url, data={"execution": "diumumkan", "carried_out_on": "2026-10-08",
                                  "versions": [str(new.id)]})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    db.session.refresh(obj)
    [link] = obj.obligations
    assert (link.fulfilled_version_id, link.fulfilled_item_id) == (new.id, new.item_id)
    assert (obj.execution, obj.carried_out_on) == ("diumumkan", date(2026, 10, 8))
    assert obj.order_status_on(date(2026, 10, 9)) == rules.OrderStatus.DILAKSANAKAN
    assert [e.action for e in obj.events] == ["keberatan", "keberatan_diputus",
                                              "perintah_dilaksanakan"]
    assert "Ringkasan Program 2026 versi 1" in obj.events[-1].note
    audit = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.action == "objection.carry_out")).scalar_one()
    assert json.loads(audit.changes)["versions"] == [new.id]
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert "Perintah atasan dilaksanakan dengan: Ringkasan Program 2026, versi 1" in page
    client.post("/keluar")
    track = client.get(f"/lacak-keberatan/{token}").get_data(as_text=True)
    assert "Dilaksanakan" in track and "Memerintahkan PPID mengumumkan" in track


def test_a_request_objection_is_not_ordered_published(world):
    with pytest.raises(rules.RuleError, match="tanpa permohonan"):
        rules.check_decision_fits("mengumumkan", ["b"])
    rules.check_decision_fits("mengumumkan", ["b"], periodic=True)
    rules.check_decision_fits("menguatkan", ["b"], periodic=True)


# --- Register, annual figures, dispute ---------------------------------------------------

def test_register_annual_figures_and_the_dispute_stage(client, periodic, pdftotext):
    w = periodic
    obj, _token = _file(w, at(2026, 9, 21))
    services.decide_objection(obj, "mengumumkan", "Wajib diumumkan.", actor=w.atasan,
                              now=at(2026, 10, 5))
    db.session.commit()
    # the register keberatan (the agency's atasan sees the objector; the auditor a mask)
    login(client, w.atasan)
    url = "/kelola/badan/dinkes/register/keberatan?tahun=2026"
    page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:500]
    assert obj.registration_number in text and "Tanpa permohonan" in text
    assert CANARY["name"] in text and "Memerintahkan PPID mengumumkan" in text
    client.post("/keluar")
    login(client, w.auditor)
    text = client.get(url).get_data(as_text=True)
    assert obj.registration_number in text and CANARY["name"] not in text
    assert CANARY["address"] not in text
    csv = client.get("/kelola/badan/dinkes/register/keberatan.csv?tahun=2026").get_data(
        as_text=True)
    assert obj.registration_number in csv and CANARY["identity_number"] not in csv
    client.post("/keluar")
    # the annual figures (section IV of the Pasal 56 report)
    from ppid.reports.services import annual_figures
    f = annual_figures(2026, now=at(2026, 12, 1))[w.dinkes.id]
    assert (f.objections["received"], f.objections["periodic"]) == (1, 1)
    assert (f.objections["mengumumkan"], f.objections["ordered"]) == (1, 1)
    assert f.objections["order_late"] == 1  # not carried out by its deadline
    # the dispute at the Komisi Informasi
    from ppid.disputes import services as disputes
    dispute = disputes.file_dispute(obj, filed_on=date(2026, 10, 12), actor=w.officer,
                                    now=at(2026, 10, 12))
    db.session.commit()
    assert obj.events[-1].action == "sengketa"
    login(client, w.officer)
    page = client.get(f"/kelola/sengketa/{dispute.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ringkasan program dan kegiatan" in text
    assert "tanpa permohonan" in text
    # another agency's officer does not see it
    client.post("/keluar")
    login(client, w.disdik_officer)
    assert client.get(f"/kelola/sengketa/{dispute.id}").status_code == 403


# --- Privacy ------------------------------------------------------------------------------

def test_no_personal_data_in_public_outputs_and_the_purge(client, periodic, app):
    w = periodic
    obj, token = _file(w, at(2026, 9, 21))
    services.decide_objection(obj, "menguatkan", "Sudah diumumkan di laman lain.",
                              actor=w.atasan, now=at(2026, 10, 5))
    db.session.commit()
    public = ["/", "/permohonan/register", "/badan/dinkes", "/api/v1/compliance",
              "/api/v1/agencies", "/api/v1/agencies/dinkes/obligations", "/dip.atom",
              "/cari?q=Kanari", "/cari?q=Ringkasan"]
    for url in public:
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = resp.get_data(as_text=True)
        for value in CANARY.values():
            assert value not in body, (url, value)
    # the auditor reads the objection, masked
    login(client, w.auditor)
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert obj.registration_number in page
    for value in CANARY.values():
        assert value not in page, value
    client.post("/keluar")
    # retention over: the objector's data is erased, letters scrubbed
    later = at(2032, 1, 5)
    summary = privacy.purge(now=later)
    assert summary.objections == 1 and obj.registration_number in summary.erased
    obj = db.session.get(Objection, obj.id)
    assert obj.personal_data_erased_at is not None
    assert (obj.requester_name, obj.identity_number, obj.address, obj.email) == (None,) * 4
    for letter in obj.own_letters:
        for value in (CANARY["name"], CANARY["identity_number"], CANARY["address"]):
            assert value not in letter.html
    assert obj.events[-1].action == "data_pribadi_dihapus"
    again = privacy.purge(now=later)
    assert again.objections == 0


def test_the_letter_job_stores_the_pdf_of_an_objection_without_a_request(client, periodic,
                                                                         pdftotext):
    from ppid.core import jobs
    w = periodic
    obj, token = _file(w, at(2026, 9, 21))
    services.decide_objection(obj, "menguatkan", "Sudah diumumkan di laman lain.",
                              actor=w.atasan, now=at(2026, 10, 5))
    db.session.commit()
    letters = obj.own_letters
    assert [x.kind for x in letters] == ["tanda_bukti_keberatan", "putusan_keberatan"]
    assert all(x.request_id is None and x.pdf_key is None for x in letters)
    db.session.commit()
    assert jobs.run_pending() == {jobs.DONE: 2}
    db.session.expire_all()
    obj = db.session.get(Objection, obj.id)
    assert all(x.pdf_key for x in obj.own_letters)
    resp = client.get(f"/lacak-keberatan/{token}/surat/{obj.own_letters[1].id}")
    assert resp.status_code == 200
    text = " ".join(pdftotext(resp.data).split())
    assert "MENGUATKAN KEPUTUSAN PPID" in text and obj.registration_number in text
    # a letter of another objection is not reachable through this token
    other, _t = _file(w, at(2026, 9, 22))
    assert client.get(f"/lacak-keberatan/{token}/surat/{other.own_letters[0].id}"
                      ).status_code == 404
