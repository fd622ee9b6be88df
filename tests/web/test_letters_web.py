"""The officers' side of issue #15's letters and refusals, through the web: a refusal names
a DIK entry of its own agency (never another's, never a lapsed one) and the SK penolakan
prints it; "informasi diserahkan" is recorded (dated, audited, once); a late delivery shows
on the dashboard and in the statistics; officers keep their position and NIP on their
account page, and an agency names its signing official."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ppid.core.db import utcnow
from ppid.core.models import AuditEvent, Counter
from ppid.core.services import local_today
from ppid.extensions import db
from ppid.info_requests import services
from ppid.info_requests.models import InfoRequest, Letter
from ppid.registry import services as registry
from tests.conftest import login
from tests.services.test_requests_services import data_for
from tests.web.test_requests_web import logout, world  # noqa: F401


def _submit(agency, days_ago=0):
    now = utcnow() - timedelta(days=days_ago)
    req, _ = services.submit_request(data_for(agency), actor=None, now=now)
    db.session.commit()
    return req


def _entry(agency, information, *, end_in_days=400, decree="188.4/7/PPID/2026"):
    today = local_today()
    entry = registry.save_exemption(agency, None, {
        "information": information, "document": "Berkas rekam medis",
        "tested_on": today - timedelta(days=510), "pasal17_letters": "h", "other_statute": "",
        "consequence": "Mengungkap rahasia pribadi pasien.",
        "public_interest": "Data agregat tanpa identitas sudah memenuhi kepentingan publik.",
        "decided_by": "PPID Dinas Kesehatan", "decree_number": decree,
        "decree_on": today - timedelta(days=500),
        "end_on": today + timedelta(days=end_in_days), "item_id": None}, actor=None)
    db.session.commit()
    return entry


def _letter_text(client, req, kind, pdftotext):
    letter = db.session.execute(sa.select(Letter).where(
        Letter.request_id == req.id, Letter.kind == kind)).scalar_one()
    resp = client.get(f"/kelola/permohonan/{req.id}/surat/{letter.id}")
    assert resp.status_code == 200 and "Hal. 1 dari 1" in pdftotext(resp.data)
    return "".join(reading_text(resp.data).split())  # (spaces and line breaks aside)


def reading_text(pdf):
    """The PDF's text in reading order (pdftotext without -layout, which keeps a table
    cell's lines together instead of interleaving them with the next column's)."""
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        return subprocess.run(["pdftotext", f.name, "-"], capture_output=True,
                              check=True).stdout.decode("utf-8")


def _counters():
    return {c.name: c.value for c in db.session.execute(sa.select(Counter)).scalars()}


def test_a_refusal_names_its_agencys_dik_entry_and_the_decree_prints_it(client, world,
                                                                        pdftotext):
    mine = _entry(world.dinkes, "Rekam medis pasien")
    theirs = _entry(world.other, "Manifes muatan kapal tertentu", decree="551/9/DISHUB/2025")
    lapsed = _entry(world.dinkes, "Data lama yang ditinjau", end_in_days=-1)
    req = _submit(world.dinkes)
    login(client, world.officer)
    page = client.get(f"/kelola/permohonan/{req.id}").get_data(as_text=True)
    assert "Rekam medis pasien" in page  # the agency's own entry in force is offered ...
    assert "Manifes muatan kapal" not in page and "Data lama" not in page  # ... only it
    before = _counters()
    for entry, message in ((theirs, "tidak ditemukan pada badan publik ini"),
                           (lapsed, "telah berakhir")):
        resp = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
            "outcome": "ditolak", "exemption_id": str(entry.id)})
        assert resp.status_code == 422 and message in resp.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(InfoRequest, req.id).state == "diterima"
    assert _counters() == before  # a refused decision draws no letter number
    resp = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "ditolak", "exemption_id": str(mine.id)})
    assert resp.status_code == 302
    db.session.expire_all()
    req = db.session.get(InfoRequest, req.id)
    # The decision takes the entry's letters and consequence test.
    assert req.exemption_id == mine.id and req.exemption_letters == "h"
    assert req.exemption_consequence == "Mengungkap rahasia pribadi pasien."
    decree = _letter_text(client, req, "penolakan", pdftotext)
    for needle in ("Rekam medis pasien", "188.4/7/PPID/2026",
                   "Data agregat tanpa identitas sudah memenuhi kepentingan publik.",
                   "Mengungkap rahasia pribadi pasien.", "Pertimbangan kepentingan publik"):
        assert "".join(needle.split()) in decree, needle
    events = db.session.execute(sa.select(AuditEvent.changes).where(
        AuditEvent.action == "request.selesai")).scalars().all()
    assert any(str(mine.id) in (e or "") for e in events)


def test_a_refusal_can_make_its_dik_entry_in_the_same_decision(client, world, pdftotext):
    req = _submit(world.dinkes)
    login(client, world.officer)
    incomplete = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "ditolak", "exemption_id": "0", "exemption_letters": ["h"],
        "exemption_consequence": "Pasien dapat dikenali."})
    assert incomplete.status_code == 422
    html = incomplete.get_data(as_text=True)
    assert 'id="exemption_public_interest-error"' in html
    assert 'id="exemption_information-error"' in html
    assert 'id="exemption_document-error"' in html
    end = (local_today() + timedelta(days=3650)).isoformat()
    resp = client.post(f"/kelola/permohonan/{req.id}/tutup", data={
        "outcome": "ditolak", "exemption_id": "0", "exemption_letters": ["h"],
        "exemption_consequence": "Pasien dapat dikenali.",
        "exemption_information": "Identitas pasien rujukan",
        "exemption_document": "Surat rujukan pasien",
        "exemption_public_interest": "Perlindungan pasien lebih berat.",
        "exemption_end_on": end})
    assert resp.status_code == 302
    db.session.expire_all()
    req = db.session.get(InfoRequest, req.id)
    entry = req.exemption
    sk = next(x for x in req.letters if x.kind == "penolakan")
    # Perki 1/2021 Pasal 49: the entry is in the agency's register, decreed by this SK.
    assert entry.agency_id == world.dinkes.id and entry.decree_number == sk.number
    # In the register, awaiting the head of the body's approval (PP 61/2010) before the
    # public list shows it.
    assert entry in registry.exemptions(world.dinkes) and entry.approved_on is None
    assert entry.tested_on == req.closed_on and entry.document == "Surat rujukan pasien"
    assert "Identitas pasien rujukan" not in client.get("/informasi-dikecualikan").get_data(
        as_text=True)
    assert "denganSuratKeputusanini" in _letter_text(client, req, "penolakan", pdftotext)
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "exemption.create")).scalar_one() == 1


def _granted(world, *, days_ago, promised_days_ago):
    """A request granted ``days_ago`` days ago, its information promised for
    ``promised_days_ago`` days ago (negative: a date to come)."""
    req = _submit(world.dinkes, days_ago=days_ago)
    services.close_request(req, "dikabulkan", {
        "response_note": "Rekap", "info_form": "softcopy", "cost_per_page": 0, "pages": 2,
        "delivery_cost": 0, "available_on": local_today() - timedelta(days=promised_days_ago)},
        actor=world.officer, now=utcnow() - timedelta(days=days_ago - 1))
    db.session.commit()
    return req


def _annual(year):
    from ppid.reports import services as reports
    return reports.consolidate(reports.annual_figures(year))


def test_delivery_is_recorded_once_and_late_delivery_shows_and_counts(client, world):
    late = _granted(world, days_ago=20, promised_days_ago=5)
    on_time = _granted(world, days_ago=20, promised_days_ago=-3)
    refused_ok = _submit(world.dinkes)
    login(client, world.officer)
    dashboard = client.get("/dasbor").get_data(as_text=True)
    assert "Penyerahan informasi terlambat" in dashboard
    assert late.registration_number in dashboard
    assert on_time.registration_number not in dashboard.split(
        "Penyerahan informasi terlambat")[1].split("</table>")[0]
    year = late.year
    assert _annual(year).late_delivery == 1
    detail = client.get(f"/kelola/permohonan/{late.id}").get_data(as_text=True)
    assert "Penyerahan terlambat: belum diserahkan" in detail
    today = local_today()
    bad = [({"delivered_on": (today + timedelta(days=1)).isoformat(), "delivered_via": "pos"},
            "harus antara"),
           ({"delivered_on": today.isoformat(), "delivered_via": "merpati"},
            "Pilih cara penyerahan yang valid"),
           ({"delivered_on": "", "delivered_via": "pos"}, "")]
    for data, message in bad:
        resp = client.post(f"/kelola/permohonan/{late.id}/serahkan", data=data)
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), data
    not_granted = client.post(f"/kelola/permohonan/{refused_ok.id}/serahkan", data={
        "delivered_on": today.isoformat(), "delivered_via": "pos"})
    assert not_granted.status_code == 422
    assert "hanya dicatat untuk permohonan yang dikabulkan" in not_granted.get_data(
        as_text=True)
    logout(client)
    login(client, world.stranger)  # another agency's officer
    assert client.post(f"/kelola/permohonan/{late.id}/serahkan", data={
        "delivered_on": today.isoformat(), "delivered_via": "pos"}).status_code == 403
    logout(client)
    login(client, world.officer)
    resp = client.post(f"/kelola/permohonan/{late.id}/serahkan", data={
        "delivered_on": today.isoformat(), "delivered_via": "kurir", "note": "Diterima RT"})
    assert resp.status_code == 302
    db.session.expire_all()
    late = db.session.get(InfoRequest, late.id)
    assert (late.delivered_on, late.delivered_via) == (today, "kurir")
    event = late.events[-1]
    assert event.action == "diserahkan" and "melewati tanggal yang dijanjikan" in event.note
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "request.diserahkan")).scalar_one() == 1
    again = client.post(f"/kelola/permohonan/{late.id}/serahkan", data={
        "delivered_on": today.isoformat(), "delivered_via": "pos"})
    assert again.status_code == 422 and "sudah dicatat" in again.get_data(as_text=True)
    # Handed over: off the dashboard, still counted (it was late), and the ground g date.
    dashboard = client.get("/dasbor").get_data(as_text=True)
    assert "Penyerahan informasi terlambat" not in dashboard
    assert _annual(year).late_delivery == 1
    assert late.delivery_overdue_on(today) == late.available_on
    assert on_time.delivery_overdue_on(today) is None
    # The requester sees the delivery and its timeline entry.
    page = client.get(f"/kelola/permohonan/{late.id}").get_data(as_text=True)
    assert "Informasi diserahkan kepada pemohon" in page


def test_an_officer_keeps_position_and_nip_and_letters_print_them(client, world, pdftotext):
    login(client, world.officer)
    page = client.get("/akun").get_data(as_text=True)
    assert 'name="nip"' in page and 'name="position"' in page
    for nip, message in (("12345", "18 angka"), ("198513122010011003", "tanggal lahir"),
                         ("198503122010131003", "pengangkatan"),
                         ("198503122010013003", "jenis kelamin"),
                         ("198503122010011000", "000")):
        resp = client.post("/akun/profil", data={"position": "Kepala Subbagian", "nip": nip})
        assert resp.status_code == 422 and message in resp.get_data(as_text=True), nip
    resp = client.post("/akun/profil", data={"position": "Kepala Subbagian Umum",
                                             "nip": "19850312 201001 1 003"})
    assert resp.status_code == 302
    db.session.expire_all()
    officer = db.session.get(type(world.officer), world.officer.id)
    assert (officer.position, officer.nip) == ("Kepala Subbagian Umum", "198503122010011003")
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "user.profile")).scalar_one() == 1
    req = _submit(world.dinkes)
    services.process_request(req, actor=officer, now=utcnow())
    services.extend_request(req, None, "Data dihimpun dari 14 kabupaten.", actor=officer,
                            now=utcnow())
    db.session.commit()
    text = _letter_text(client, req, "perpanjangan", pdftotext)
    assert "BudiPetugas" in text and "NIP198503122010011003" in text
    assert "KepalaSubbagianUmum" in text
    logout(client)
    login(client, world.auditor)  # read-only: signs nothing, changes nothing
    assert client.post("/akun/profil", data={"position": "x", "nip": ""}).status_code == 403


def test_an_agency_names_its_signing_official(client, world):
    login(client, world.main)
    url = f"/kelola/badan-publik/{world.dinkes.slug}/ubah"
    form = {"name": world.dinkes.name, "slug": world.dinkes.slug, "kind": "pembantu",
            "parent_id": str(world.utama.id), "atasan_position": "Kepala Dinas",
            "is_active": "y", "letter_code": "DINKES", "signatory_name": "dr. Maria Ulfa",
            "signatory_position": "Sekretaris Dinas", "signatory_nip": "1978"}
    resp = client.post(url, data=form)
    assert resp.status_code == 422 and "18 angka" in resp.get_data(as_text=True)
    resp = client.post(url, data={**form, "signatory_name": "",
                                  "signatory_nip": "197804042003122002"})
    assert resp.status_code == 422 and "Isi nama pejabat" in resp.get_data(as_text=True)
    resp = client.post(url, data={**form, "letter_code": "dinkes kecil",
                                  "signatory_nip": "197804042003122002"})
    assert resp.status_code == 422
    resp = client.post(url, data={**form, "signatory_nip": "197804042003122002",
                                  "atasan_nip": "197201051998031004",
                                  "atasan_office": "Dinas Kesehatan Provinsi"})
    assert resp.status_code == 302
    db.session.expire_all()
    agency = db.session.get(type(world.dinkes), world.dinkes.id)
    assert (agency.signatory_name, agency.signatory_nip, agency.atasan_nip) == (
        "dr. Maria Ulfa", "197804042003122002", "197201051998031004")
    req = _submit(agency)
    letter = req.letters[0]
    assert letter.signatory_name == "dr. Maria Ulfa" and letter.number.startswith("001/")
    assert "PPID-DINKES" in letter.number


@pytest.mark.parametrize("nip,ok", [("198503122010011003", True), ("", True),
                                    ("19850312201001100A", False), ("１９８５０３１２２０１０１１００３", False),
                                    ("198502302010011003", False), ("198503121980011003", False)])
def test_nip_rule(nip, ok):
    from ppid.accounts.rules import nip_problem
    assert (nip_problem(nip) is None) == ok
