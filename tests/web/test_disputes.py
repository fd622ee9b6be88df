"""A dispute's whole life after an objection (issue #16 section 3): the Komisi Informasi's
stages with their deadlines, mediation refused on ground a, adjudication, the decision, a
suit at the PTUN, cassation and execution; each step on the dispute's and the request's
timelines and in the audit log; who may act; the alerts; the annual figures."""
from datetime import date

import pytest
import sqlalchemy as sa

from ppid.core import auth
from ppid.core.models import AuditEvent, OutboxMail
from ppid.disputes import services as disputes
from ppid.disputes.models import Dispute
from ppid.disputes.rules import CourtLevel, DisputeAction as A, DisputeStage as S
from ppid.extensions import db
from ppid.info_requests import privacy, services
from ppid.info_requests.rules import DisputeOutcome as O
from ppid.reports.services import annual_figures
from tests.conftest import login
from tests.services.test_requests_services import at, submit, world  # noqa: F401 (fixture)


def _objected(world, grounds=("a",)):
    req, _token = submit(world.dinkes)
    services.close_request(req, "ditolak", {
        "exemption_letters": ["h"], "exemption_consequence": "Rahasia pribadi pasien",
        "exemption_information": "Rekam medis pasien", "exemption_document": "Berkas rekam "
        "medis", "exemption_public_interest": "Rahasia pribadi lebih berat.",
        "exemption_end_on": date(2031, 3, 17)}, actor=world.officer, now=at(2026, 3, 17))
    obj = services.file_objection(req, list(grounds), "Informasi dapat dibuka sebagian.",
                                  actor=None, now=at(2026, 3, 25))
    services.decide_objection(obj, "menguatkan", "Data pribadi pasien.", actor=world.atasan,
                              now=at(2026, 4, 1))
    db.session.commit()
    return req, obj


def _audit(dispute):
    return db.session.execute(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "Dispute", AuditEvent.object_id == str(dispute.id))
        .order_by(AuditEvent.id)).scalars().all()


def test_a_dispute_on_ground_a_through_adjudication_the_courts_and_execution(world):
    req, obj = _objected(world)
    d = disputes.file_dispute(obj, filed_on=date(2026, 4, 6), actor=world.officer,
                              now=at(2026, 4, 6))
    assert (d.stage, obj.dispute_outcome, d.commission) == (S.DIAJUKAN, O.DALAM_PROSES,
                                                            "provinsi")
    step = lambda s, day, **kw: disputes.record_step(  # noqa: E731
        d, s, on=day, actor=world.officer, now=at(day.year, day.month, day.day), **kw)
    with pytest.raises(services.ServiceError, match="nomor register"):
        step(A.REGISTRASI, date(2026, 4, 13))
    step(A.REGISTRASI, date(2026, 4, 13), register_number="012/IV/KIP-PSI/2026")
    # ground a only: no mediation (UU KIP Pasal 40 ayat 2), the dispute is adjudicated
    with pytest.raises(services.ServiceError, match="Pasal 40 ayat 2"):
        step(A.MEDIASI, date(2026, 4, 20))
    with pytest.raises(services.ServiceError, match="sebelum"):
        step(A.AJUDIKASI, date(2026, 4, 10))
    step(A.AJUDIKASI, date(2026, 4, 20))
    with pytest.raises(services.ServiceError, match="amar putusan"):
        step(A.PUTUSAN, date(2026, 7, 1), outcome=O.DIKABULKAN, decision_number="7/PTS/2026")
    step(A.PUTUSAN, date(2026, 7, 1), outcome=O.DIKABULKAN, decision_number="7/PTS/2026",
         summary="Informasi dibuka dengan menghitamkan identitas pasien.")
    assert (d.stage, d.outcome, d.closed_on) == (S.SELESAI, O.DIKABULKAN, date(2026, 7, 1))
    # the court window runs from receipt of the decision
    with pytest.raises(services.ServiceError, match="diterima"):
        disputes.file_court_case(d, level="ptun", filed_by="badan_publik",
                                 filed_on=date(2026, 7, 8), actor=world.officer,
                                 now=at(2026, 7, 8))
    disputes.record_decision_received(d, date(2026, 7, 3), actor=world.officer,
                                      now=at(2026, 7, 3))
    assert disputes.deadlines(d)["court"].due_on == date(2026, 7, 23)
    with pytest.raises(services.ServiceError, match="Tata Usaha Negara"):
        disputes.file_court_case(d, level="pn", filed_by="badan_publik",
                                 filed_on=date(2026, 7, 8), actor=world.officer,
                                 now=at(2026, 7, 8))
    case = disputes.file_court_case(d, level="ptun", filed_by="badan_publik",
                                    filed_on=date(2026, 7, 8), case_number="3/G/KI/2026",
                                    actor=world.officer, now=at(2026, 7, 8))
    # found by the form fuzzer: a second suit on the same decision was a 500 (the unique
    # constraint), now a message
    with pytest.raises(services.ServiceError, match="sudah dicatat"):
        disputes.file_court_case(d, level="ptun", filed_by="pemohon",
                                 filed_on=date(2026, 7, 9), actor=world.officer,
                                 now=at(2026, 7, 9))
    assert not disputes.awaiting_execution(d)  # nothing is final while in court
    # ... nor is the requester's data erased while a court still hears it (UU PDP retention)
    assert privacy.retention_ends_on(req) is None
    disputes.decide_court_case(case, decided_on=date(2026, 9, 1), outcome="ditolak",
                               received_on=date(2026, 9, 3), actor=world.officer,
                               now=at(2026, 9, 3))
    assert disputes.deadlines(d)["cassation"] == date(2026, 9, 17)
    assert disputes.awaiting_execution(d)  # the body lost its suit: the decision stands
    assert any(a.key == f"dispute:{d.id}:execution"
               for a in disputes.dispute_alerts(at(2026, 9, 10))[world.dinkes.id])
    cassation = disputes.file_court_case(d, level="ma", filed_by="badan_publik",
                                         filed_on=date(2026, 9, 10), actor=world.officer,
                                         now=at(2026, 9, 10))
    disputes.decide_court_case(cassation, decided_on=date(2026, 11, 2), outcome="ditolak",
                               actor=world.officer, now=at(2026, 11, 2))
    with pytest.raises(services.ServiceError, match="apa yang dilaksanakan"):
        disputes.record_execution(d, carried_out_on=date(2026, 11, 9), description=" ",
                                  actor=world.officer, now=at(2026, 11, 9))
    disputes.record_execution(d, carried_out_on=date(2026, 11, 9), description=(
        "Salinan rekap tanpa identitas pasien diserahkan."), actor=world.officer,
        now=at(2026, 11, 9))
    db.session.commit()
    assert not disputes.awaiting_execution(d)
    assert privacy.retention_ends_on(req) == date(2031, 11, 9)  # from the last step
    assert [e.action for e in d.events] == [
        "diajukan", "registrasi", "ajudikasi", "putusan", "putusan_diterima", "pengadilan",
        "putusan_pengadilan", "pengadilan", "putusan_pengadilan", "pelaksanaan"]
    assert _audit(d) == [f"dispute.{e.action}" for e in d.events]
    # the request's timeline shows each milestone; the requester is told
    assert [e.action for e in req.events].count("sengketa") == 7
    subjects = db.session.execute(sa.select(OutboxMail.subject)).scalars().all()
    assert any("Sengketa informasi dicatat" in s for s in subjects)
    assert any("selesai di Komisi Informasi" in s for s in subjects)
    figures = annual_figures(2026)[world.dinkes.id]
    assert figures.disputes["filed"] == 1 and figures.disputes["outcomes"][O.DIKABULKAN] == 1


def test_mediation_then_an_agreement_that_must_be_carried_out(world):
    _req, obj = _objected(world, grounds=("a", "d"))
    d = disputes.file_dispute(obj, filed_on=date(2026, 4, 6), register_number="9/REG/2026",
                              commission="provinsi", actor=world.main, now=at(2026, 4, 6))
    assert d.stage == S.REGISTRASI and d.registered_on == date(2026, 4, 6)
    disputes.record_step(d, A.MEDIASI, on=date(2026, 4, 15), actor=world.main,
                         now=at(2026, 4, 15))
    with pytest.raises(services.ServiceError, match="kesepakatan"):
        disputes.record_step(d, A.MEDIASI_BERHASIL, on=date(2026, 4, 29), actor=world.main,
                             now=at(2026, 4, 29))
    disputes.record_step(d, A.MEDIASI_BERHASIL, on=date(2026, 4, 29), actor=world.main,
                         summary="Rekap dibuka dalam 10 hari kerja.", now=at(2026, 4, 29))
    assert d.outcome == O.MEDIASI_BERHASIL and disputes.awaiting_execution(d)
    # an agreement is final and binding: no court (UU KIP Pasal 39)
    with pytest.raises(services.ServiceError, match="final dan mengikat"):
        disputes.file_court_case(d, level="ptun", filed_by="pemohon",
                                 filed_on=date(2026, 5, 4), actor=world.main,
                                 now=at(2026, 5, 4))


def test_a_dispute_past_the_commission_s_100_working_days_is_an_alert(world):
    _req, obj = _objected(world)
    d = disputes.file_dispute(obj, filed_on=date(2026, 4, 6), register_number="1/REG",
                              actor=world.main, now=at(2026, 4, 6))
    db.session.commit()
    due = disputes.deadlines(d)["settle"].due_on
    assert not disputes.dispute_alerts(at(due.year, due.month, due.day)).get(world.dinkes.id)
    later = at(due.year, due.month, due.day + 1) if due.day < 28 else at(
        due.year, due.month + 1, 1)
    alerts = disputes.dispute_alerts(later)[world.dinkes.id]
    assert [a.key for a in alerts] == [f"dispute:{d.id}:100"]


def test_the_pages_and_who_may_act(client, world, factories):
    _req, obj = _objected(world)
    stranger = factories.user(auth.HELPER, world.disdik, name="Petugas Lain")
    auditor = factories.user(auth.AUDITOR, None, name="Audi Auditor")
    db.session.commit()
    login(client, world.officer)
    page = client.get(f"/kelola/keberatan/{obj.id}").get_data(as_text=True)
    assert 'name="commission"' in page
    bad = client.post(f"/kelola/keberatan/{obj.id}/sengketa", data={
        "filed_on": "2026-03-01", "commission": "provinsi"})
    assert bad.status_code == 422
    assert "tidak boleh sebelum" in bad.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Dispute)).scalar() == 0
    ok = client.post(f"/kelola/keberatan/{obj.id}/sengketa", data={
        "filed_on": "2026-04-06", "commission": "provinsi", "register_number": "5/REG"})
    assert ok.status_code == 302
    d = db.session.execute(sa.select(Dispute)).scalar_one()
    page = client.get(f"/kelola/sengketa/{d.id}").get_data(as_text=True)
    # only the steps the stage allows are offered: no mediation on ground a
    assert 'value="ajudikasi"' in page and 'value="mediasi"' not in page
    assert "100 hari kerja" in page
    refused = client.post(f"/kelola/sengketa/{d.id}/tahap", data={
        "step": "mediasi", "on": "2026-04-10"})
    assert refused.status_code == 422 and "Pasal 40 ayat 2" in refused.get_data(as_text=True)
    assert client.post(f"/kelola/sengketa/{d.id}/tahap", data={
        "step": "ajudikasi", "on": "2026-04-10"}).status_code == 302
    assert obj.registration_number in client.get("/kelola/sengketa").get_data(as_text=True)
    bad_year = client.get("/kelola/sengketa?tahun=abc")
    assert bad_year.status_code == 422 and "Tahun harus" in bad_year.get_data(as_text=True)
    client.post("/keluar")
    login(client, stranger)
    assert client.get(f"/kelola/sengketa/{d.id}").status_code == 403
    assert client.post(f"/kelola/sengketa/{d.id}/tahap", data={
        "step": "dicabut", "on": "2026-04-12"}).status_code == 403
    assert obj.registration_number not in client.get("/kelola/sengketa").get_data(as_text=True)
    client.post("/keluar")
    login(client, auditor)
    page = client.get(f"/kelola/sengketa/{d.id}").get_data(as_text=True)
    assert "Ajudikasi" in page and 'action="/kelola/sengketa' not in page
    assert client.post(f"/kelola/sengketa/{d.id}/tahap", data={
        "step": "dicabut", "on": "2026-04-12"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Dispute, d.id).stage == S.AJUDIKASI


def test_the_demo_has_disputes_at_every_stage(app, factories):
    import ppid.demo
    ppid.demo.seed_demo()
    rows = db.session.execute(sa.select(Dispute)).scalars().all()
    assert {d.stage for d in rows} >= {S.AJUDIKASI, S.SELESAI}
    assert any(d.court_cases and d.executions for d in rows)
    assert any(disputes.awaiting_execution(d) for d in rows)
    ppid.demo.seed_demo()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Dispute)).scalar() == len(
        rows)
